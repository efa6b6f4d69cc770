package httpmsg_test

import (
	"errors"
	"fmt"

	"github.com/wstrace/wstrace/annotate/httpmsg"
)

func ExampleParseRequestHead() {
	stream := []byte("GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n" +
		"Connection: keep-alive, Upgrade\r\n\r\n\x81\x85")

	// The first segment holds only part of the head: wait for more.
	if _, _, err := httpmsg.ParseRequestHead(stream[:30]); errors.Is(err, httpmsg.ErrIncomplete) {
		fmt.Println("incomplete")
	}
	req, n, err := httpmsg.ParseRequestHead(stream)
	if err != nil {
		panic(err)
	}
	fmt.Println(req.Method, req.Target, req.Proto, n)
	fmt.Println(req.Header.HasToken("Connection", "upgrade"), req.Header.Get("upgrade"))
	f := req.Header[0]
	fmt.Printf("%q at %d\n", stream[f.Offset:f.Offset+f.Length], f.Offset)

	// Not HTTP at all: a TLS ClientHello.
	_, _, err = httpmsg.ParseRequestHead([]byte{0x16, 0x03, 0x01, 0x02, 0x00})
	fmt.Println(errors.Is(err, httpmsg.ErrMalformed))
	// Output:
	// incomplete
	// GET /chat HTTP/1.1 101
	// true websocket
	// "Host: server.example.com" at 20
	// true
}
