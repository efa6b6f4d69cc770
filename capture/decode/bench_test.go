package decode_test

import (
	"testing"

	"github.com/wstrace/wstrace/capture/decode"
)

// BenchmarkDecode decodes the packets of a capture one at a time; an op is
// one packet.
func BenchmarkDecode(b *testing.B) {
	files := []struct{ name, path string }{
		{"ether", "../../testdata/chromium-ws-deflate.pcap"},
		{"sll2", "../../testdata/chromium-ws-plain-any.pcap"},
	}
	for _, f := range files {
		pkts := readAll(b, f.path)
		b.Run(f.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				pkt := pkts[i%len(pkts)]
				if d := decode.Decode(pkt.LinkType(), pkt.Data, pkt.Length); d.Problem != "" {
					b.Fatalf("packet %d: %s", pkt.Number, d.Problem)
				}
			}
		})
	}
}
