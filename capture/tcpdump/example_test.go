package tcpdump_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/tcpdump"
)

// Print a capture as `TZ=UTC tcpdump -n -A -r FILE` does.
func ExamplePrinter() {
	r, err := capture.OpenFile("../../testdata/workerman-chat.pcap")
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	p := tcpdump.NewPrinter(os.Stdout, tcpdump.Options{ASCII: true, Location: time.UTC})
	for i := 0; i < 2; i++ {
		pkt, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		if err := p.Print(pkt); err != nil {
			log.Fatal(err)
		}
	}
	// Output:
	// 17:48:49.310022 IP 127.0.0.1.60584 > 127.0.0.1.7272: Flags [S], seq 1719462381, win 32768, options [mss 16396,sackOK,TS val 28577391 ecr 0,nop,wscale 7], length 0
	// E..<..@.@..............hf|..........&.....@....
	// ...o........
	// 17:48:49.310041 IP 127.0.0.1.7272 > 127.0.0.1.60584: Flags [S.], seq 2260416877, ack 1719462382, win 32768, options [mss 16396,sackOK,TS val 28577391 ecr 28577391,nop,wscale 7], length 0
	// E..<..@.@............h....9mf|......U.....@....
	// ...o...o....
}

// Show a payload as tcpdump -A would.
func ExampleASCII() {
	fmt.Println(tcpdump.ASCII([]byte("GET /chat HTTP/1.1\r\nUpgrade: websocket\r\n\r\n\x81\x85")))
	// Output:
	// GET /chat HTTP/1.1
	// Upgrade: websocket
	//
	// ..
}
