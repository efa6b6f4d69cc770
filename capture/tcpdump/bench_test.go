package tcpdump_test

import (
	"io"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture/tcpdump"
)

// BenchmarkPrint prints the packets of a capture one at a time, as
// `wstrace dump` does, in the modes that matter most; an op is one packet.
func BenchmarkPrint(b *testing.B) {
	modes := []struct {
		name string
		opts tcpdump.Options
	}{
		{"line", tcpdump.Options{}},
		{"A", tcpdump.Options{ASCII: true}},
		{"X", tcpdump.Options{Hex: true}},
		{"e-S", tcpdump.Options{LinkHeader: true, AbsoluteSeq: true}},
	}
	files := []struct{ name, path string }{
		{"ether", "../../testdata/chromium-ws-deflate.pcap"},
		{"sll2", "../../testdata/chromium-ws-plain-any.pcap"},
	}
	for _, f := range files {
		pkts := readAll(b, f.path)
		var size int64
		for _, p := range pkts {
			size += int64(len(p.Data))
		}
		for _, m := range modes {
			b.Run(f.name+"/"+m.name, func(b *testing.B) {
				m.opts.Location = time.UTC
				m.opts.InterfaceName = func(int) (string, bool) { return "eth0", true }
				p := tcpdump.NewPrinter(io.Discard, m.opts)
				b.SetBytes(size / int64(len(pkts)))
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					if err := p.Print(pkts[i%len(pkts)]); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
