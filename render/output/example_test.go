package output_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/output"
)

// A Follower explains each packet as it arrives, as capture --follow does;
// here the packets come from a file, and the page shows packet 18 only:
// the ACK of the 101 response, which the Follower knows from packet 17.
func ExampleFollower() {
	r, err := capture.OpenFile(filepath.Join("..", "..", "testdata", "workerman-chat.pcap"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	f, err := output.NewFollower(os.Stdout, annotate.Options{Location: time.UTC},
		render.Options{Lang: "en", First: 18, Last: 18}, render.Capture{Name: "lo"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := f.Add(p); err != nil {
			fmt.Println(err)
			return
		}
	}
	// Output:
	// /*
	//  * #18 WebSocket opening handshake
	//  * The browser's port 60653 sends an ACK to the server's port 7272: it has received the 101 response
	//  * (packet 17).
	//  * ack 157: the next byte the browser expects from the server is byte 157.
	//  * win 256 is scaled: in its SYN the browser announced wscale 7, so every window it advertises
	//  * counts in units of 2^7 = 128 bytes: 256 × 128 = 32,768 bytes it is ready to receive (RFC 7323
	//  * section 2).
	//  * The dump breaks a line in the headers because the IP packet's byte at offset 43 (0x002b, counting
	//  * from 0 as tcpdump -X does) is 0x0a, a newline: tcpdump -A prints the bytes 0x0a (newline), 0x09
	//  * (tab) and 0x20 (space) as they are, even inside the IP and TCP headers, every other unprintable
	//  * byte as a dot, and leaves out a 0x0d that comes before a 0x0a.
	//  */
	// 17:50:00.535932 IP 127.0.0.1.60653 > 127.0.0.1.7272: Flags [.], ack 157, win 256, options [nop,nop,TS val 28679669 ecr 28679669], length 0
	// E..4..@.@..............h..lf)I.#.....,.....
	// ........
}
