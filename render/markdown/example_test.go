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
	//  * The dump breaks a line in the headers because the IP packet's byte at offset 47 (0x002f, counting
	//  * from 0 as tcpdump -X does) is 0x0a, a newline: tcpdump -A prints the bytes 0x0a (newline), 0x09
	//  * (tab) and 0x20 (space) as they are, even inside the IP and TCP headers, every other unprintable
	//  * byte as a dot, and leaves out a 0x0d that comes before a 0x0a.
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
	//
	// ## Glossary
	//
	// - `SYN`: the first packet of a TCP connection: it asks to open one and carries the sender's initial sequence number ([RFC 9293 section 3.5](https://www.rfc-editor.org/rfc/rfc9293#section-3.5)).
	// - `ACK`: the acknowledgement flag; the ack number is the next byte the sender expects, so every byte before it has arrived ([RFC 9293 section 3.4](https://www.rfc-editor.org/rfc/rfc9293#section-3.4)).
	// - `seq`: the sequence number: where a segment's first byte lies in its sender's byte stream; tcpdump prints first:last+1 and, after the handshake, numbers relative to the initial one ([RFC 9293 section 3.4](https://www.rfc-editor.org/rfc/rfc9293#section-3.4)).
	// - `MSS`: the maximum segment size, a SYN option: the most payload bytes the sender wants in one segment ([RFC 9293 section 3.7.1](https://www.rfc-editor.org/rfc/rfc9293#section-3.7.1)).
	// - `wscale`: the window scale option of the SYNs: once both sides send it, each side's win field counts in units of 2^wscale bytes ([RFC 7323 section 2](https://www.rfc-editor.org/rfc/rfc7323#section-2)).
	// - `PSH`: the push flag: deliver the data to the application now, without waiting for more ([RFC 9293 section 3.9.1](https://www.rfc-editor.org/rfc/rfc9293#section-3.9.1)).
	// - `FIN`: TCP's finish flag: the sender has no more data; each direction closes with its own FIN, which the other side acknowledges ([RFC 9293 section 3.6](https://www.rfc-editor.org/rfc/rfc9293#section-3.6)). In a WebSocket frame header, FIN is instead the bit that marks a message's last frame.
	// - `RST`: the reset flag: the connection is aborted at once; data in flight is lost ([RFC 9293 section 3.5.2](https://www.rfc-editor.org/rfc/rfc9293#section-3.5.2)).
	// - `Sec-WebSocket-Accept`: the server's proof that it read the handshake: base64 of the SHA-1 of Sec-WebSocket-Key followed by 258EAFA5-E914-47DA-95CA-C5AB0DC85B11 ([RFC 6455 section 4.2.2](https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2)).
	// - `opcode`: the 4 bits that say what a WebSocket frame is: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong ([RFC 6455 section 5.2](https://www.rfc-editor.org/rfc/rfc6455#section-5.2)).
	// - `MASK`: the bit that says a frame is masked, and the 4-byte masking key: a client XORs byte i of every payload with key byte i mod 4 ([RFC 6455 section 5.3](https://www.rfc-editor.org/rfc/rfc6455#section-5.3)).
	// - `RSV1`: the first reserved bit of a frame; with permessage-deflate it marks the first frame of a compressed message ([RFC 7692 section 6](https://www.rfc-editor.org/rfc/rfc7692#section-6)).
	// - `close code`: the two bytes that begin a close frame's payload: 1000 normal closure, 1001 going away, ... ([RFC 6455 section 7.4](https://www.rfc-editor.org/rfc/rfc6455#section-7.4)).
	//
	// ## The RFC sections this page teaches
	//
	// - [RFC 9293 section 3.1: the TCP header](https://www.rfc-editor.org/rfc/rfc9293#section-3.1)
	// - [RFC 9293 section 3.4: sequence numbers](https://www.rfc-editor.org/rfc/rfc9293#section-3.4)
	// - [RFC 9293 section 3.5: establishing a connection](https://www.rfc-editor.org/rfc/rfc9293#section-3.5)
	// - [RFC 9293 section 3.6: closing a connection](https://www.rfc-editor.org/rfc/rfc9293#section-3.6)
	// - [RFC 6455 section 1.3: the opening handshake](https://www.rfc-editor.org/rfc/rfc6455#section-1.3)
	// - [RFC 6455 section 4.2.2: the server's answer and Sec-WebSocket-Accept](https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2)
	// - [RFC 6455 section 5.2: the frame, field by field](https://www.rfc-editor.org/rfc/rfc6455#section-5.2)
	// - [RFC 6455 section 5.3: masking](https://www.rfc-editor.org/rfc/rfc6455#section-5.3)
	// - [RFC 6455 section 5.4: fragmentation](https://www.rfc-editor.org/rfc/rfc6455#section-5.4)
	// - [RFC 6455 section 5.5: control frames (close, ping, pong)](https://www.rfc-editor.org/rfc/rfc6455#section-5.5)
	// - [RFC 6455 section 7.4: close status codes](https://www.rfc-editor.org/rfc/rfc6455#section-7.4)
}
