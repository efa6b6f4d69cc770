package annotate_test

import (
	"fmt"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
)

func ExampleAnnotate() {
	r, err := capture.OpenFile("../testdata/workerman-chat.pcap")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		panic(err)
	}
	for _, p := range res.Packets[14:19] {
		fmt.Printf("%d %s %s", p.Number, p.From, p.Phase)
		if e, ok := p.Event("ack"); ok {
			fmt.Printf(": %d bytes of %s", e.Int("acked_bytes"), e.String("acked_phase"))
		}
		for _, m := range p.Messages {
			fmt.Printf(": %s %s", m.OpcodeName(), m.Data)
		}
		fmt.Println()
	}
	u := res.Connections[1].Upgrade
	fmt.Println("accept valid:", u.AcceptValid)
	relay := res.Packets[23].Messages[0]
	fmt.Printf("packet %d relays the message of packet %d\n", relay.Packet, relay.RelayOf.Packet)
	// Output:
	// 15 client ws-upgrade-request
	// 16 server ack: 715 bytes of ws-upgrade-request
	// 17 server ws-upgrade-response
	// 18 client ack: 156 bytes of ws-upgrade-response
	// 19 client ws-data: text {"type":"login","name":"mynick"}
	// accept valid: true
	// packet 24 relays the message of packet 22
}

func ExampleAnnotator() {
	r, err := capture.OpenFile("../testdata/chromium-ws-deflate.pcap")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	a := annotate.New(annotate.Options{MaxMessageSize: 1 << 20})
	for {
		p, err := r.Next()
		if err != nil {
			break // io.EOF, or a damaged file: what came before stands
		}
		pi, _ := a.Add(p)
		for _, f := range pi.Frames {
			if f.FIN && f.Opcode == 0 {
				fmt.Printf("packet %d ends a fragmented message\n", pi.Number)
			}
		}
	}
	res := a.Finish()
	fmt.Println(len(res.Frames), "frames,", len(res.Messages), "messages")
	// Output:
	// packet 50 ends a fragmented message
	// 31 frames, 29 messages
}
