package markdown_test

import (
	"fmt"
	"os"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
	"github.com/wstrace/wstrace/render/markdown"
)

// The seed tutorial's first packet, in the classic style.
func Example() {
	res, _, err := rendertest.AnnotateFile("../../testdata/workerman-chat.pcap")
	if err != nil {
		fmt.Println(err)
		return
	}
	page, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, render.Options{Style: render.StyleClassic, First: 12, Last: 12})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := markdown.Write(os.Stdout, page); err != nil {
		fmt.Println(err)
	}
	// Output:
	// # Capturing the traffic
	//
	// Below are the packets of `workerman-chat.pcap`: the server serves WebSocket on port 7272. Before each packet, a comment says which phase it belongs to and what happens, followed by the packet as `tcpdump -n -A` prints it.
	//
	// > Cookies, authorization headers and token-like query parameters would be shown as `*` (none appear here).
	//
	// ```
	// /*
	//  * #12 TCP three-way handshake, 1 of 3
	//  * The browser's port 60653 sends a SYN to the server's port 7272: it asks to open a connection and
	//  * picks 3524290970 as its initial sequence number; its maximum segment size (mss) is 16396: it
	//  * wants at most 16396 bytes of payload in one segment; wscale 7 says that its windows will count in
	//  * units of 2^7 bytes.
	//  */
	// 17:50:00.523910 IP 127.0.0.1.60653 > 127.0.0.1.7272: Flags [S], seq 3524290970, win 32768, options [mss 16396,sackOK,TS val 28679666 ecr 28679554,nop,wscale 7], length 0
	// E..<..@.@..............h..i...............@....
	// ............
	// ```
	//
	// ## tcpdump's flags
	//
	// - `[S]` SYN: asks to open a connection
	// - `[S.]` SYN+ACK: agrees to open it and acknowledges the SYN
	// - `[.]` only the ACK flag: acknowledges bytes received; the packet may carry data too (its length says)
	// - `[P.]` PSH+ACK: carries data; push it to the application now
	// - `[F.]` FIN+ACK: this side has nothing more to send
	// - `[R]` RST: aborts the connection
	// - `[R.]` RST+ACK: aborts the connection, acknowledging what came before
}
