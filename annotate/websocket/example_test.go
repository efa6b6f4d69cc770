package websocket_test

import (
	"errors"
	"fmt"

	"github.com/wstrace/wstrace/annotate/websocket"
)

func ExampleParseHeader() {
	// The masked "Hello" text frame of RFC 6455 §5.7.
	frame := []byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}

	if _, _, err := websocket.ParseHeader(frame[:3]); errors.Is(err, websocket.ErrShort) {
		fmt.Println("3 bytes: need more")
	}
	h, n, err := websocket.ParseHeader(frame)
	if err != nil {
		panic(err)
	}
	fmt.Printf("fin=%v opcode=%v masked=%v length=%d header=%d bytes\n", h.Fin, h.Opcode, h.Masked, h.PayloadLength, n)
	payload := frame[n:]
	websocket.Unmask(h.MaskKey, 0, payload)
	fmt.Printf("%s, faults from a client: %d\n", payload, len(h.Faults(websocket.Client)))
	// Output:
	// 3 bytes: need more
	// fin=true opcode=text masked=true length=5 header=6 bytes
	// Hello, faults from a client: 0
}

func ExampleFrameReader() {
	// The fragmented "Hello" of RFC 6455 §5.7 with a ping in between,
	// arriving in two TCP segments.
	stream := []byte{
		0x01, 0x03, 'H', 'e', 'l', // text, not final
		0x89, 0x05, 'H', 'e', 'l', 'l', 'o', // ping
		0x80, 0x02, 'l', 'o', // continuation, final
	}
	r := websocket.NewFrameReader(websocket.Server)
	a := websocket.NewMessageAssembler(websocket.AssemblerOptions{Sender: websocket.Server})
	var offset int64
	for _, seg := range [][]byte{stream[:9], stream[9:]} {
		r.Feed(seg, offset)
		offset += int64(len(seg))
		for {
			f, err := r.Next()
			if errors.Is(err, websocket.ErrShort) {
				break
			}
			fmt.Printf("frame %v at %d..%d\n", f.Header.Opcode, f.Offset, f.End)
			if m, _ := a.Add(f); m != nil {
				fmt.Printf("message %v %q, fragments: %d\n", m.Opcode, m.Payload, m.Fragments)
			}
		}
	}
	// Output:
	// frame text at 0..5
	// frame ping at 5..12
	// message ping "Hello", fragments: 1
	// frame continuation at 12..16
	// message text "Hello", fragments: 2
}
