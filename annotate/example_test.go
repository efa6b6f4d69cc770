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

// A streaming Annotator hands over each fact once final and forgets it:
// memory stays the size of what is open, however long the capture.
func ExampleOptions_emit() {
	r, err := capture.OpenFile("../testdata/workerman-chat.pcap")
	if err != nil {
		panic(err)
	}
	defer r.Close()
	count := map[annotate.RecordKind]int{}
	a := annotate.New(annotate.Options{Location: time.UTC, Emit: func(rec annotate.Record) error {
		count[rec.Kind]++
		switch rec.Kind {
		case annotate.RecordMessage:
			m := rec.Message
			if m.RelayOf != nil {
				fmt.Printf("message %d (packet %d) relays message %d\n", m.Index, m.Packet, m.RelayOf.Index)
			}
		case annotate.RecordConnection:
			c := rec.Connection
			fmt.Printf("connection %d: %d packets, teardown %q\n", c.ID, c.Packets, c.Teardown)
		}
		return nil
	}})
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if _, err := a.Add(p); err != nil {
			panic(err)
		}
	}
	a.Finish()
	if err := a.Err(); err != nil {
		panic(err)
	}
	fmt.Println(count[annotate.RecordPacket], "packets,", count[annotate.RecordFrame], "frames,", count[annotate.RecordMessage], "messages")
	// Output:
	// message 7 (packet 24) relays message 6
	// message 10 (packet 29) relays message 9
	// connection 1: 15 packets, teardown ""
	// connection 2: 15 packets, teardown ""
	// 30 packets, 11 frames, 11 messages
}
