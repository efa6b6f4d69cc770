package live_test

import (
	"fmt"
	"io"
	"log"

	"github.com/wstrace/wstrace/capture/live"
)

// Capture the WebSocket traffic of port 7272 on the loopback device, as
// tcpdump -i lo tcp port 7272 would, until the handle is closed.
func ExampleOpen() {
	h, err := live.Open(live.Options{Interface: "lo", Filter: live.TCPPort(7272)})
	if err != nil {
		log.Fatal(err) // wraps live.ErrPermission when not root
	}
	defer h.Close()
	for {
		p, err := h.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(p.Number, p.Timestamp, p.Length)
	}
}
