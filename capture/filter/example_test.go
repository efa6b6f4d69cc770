package filter_test

import (
	"errors"
	"fmt"
	"io"
	"log"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/capture/filter"
)

func ExampleCompile() {
	// "and" and "or" have equal precedence and group from the left; a bare
	// port after "or" reuses the qualifiers before it.
	f, err := filter.Compile("tcp port 80 or 443 and not host 10.0.0.1")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f)

	_, err = filter.Compile("host example.com")
	fmt.Println(err)

	_, err = filter.Compile("tcp port 80 and and udp")
	fmt.Println(err)
	// Output:
	// (tcp port 80 or tcp port 443) and not host 10.0.0.1
	// filter expression: word 2: "example.com" is not an IP address, and wstrace resolves no host names: give an address
	// syntax error in filter expression: unexpected "and" at word 5
}

func ExampleFilter_MatchPacket() {
	f := filter.MustCompile("tcp[tcpflags] & (tcp-syn|tcp-fin) != 0")
	r, err := capture.OpenFile("../../testdata/workerman-chat.pcap")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		d := decode.Decode(p.LinkType(), p.Data, p.Length)
		if f.MatchPacket(p, d) {
			fmt.Printf("packet %d: port %d > %d, ACK %v\n", p.Number, d.TCP.SrcPort, d.TCP.DstPort, d.TCP.Has(decode.ACK))
		}
	}
	// Output:
	// packet 1: port 60584 > 7272, ACK false
	// packet 2: port 7272 > 60584, ACK true
	// packet 12: port 60653 > 7272, ACK false
	// packet 13: port 7272 > 60653, ACK true
}
