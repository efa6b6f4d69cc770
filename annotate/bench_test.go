package annotate

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
)

// BenchmarkAnnotate annotates each fixture from memory. Besides time and
// allocations per capture it reports the heap the Result keeps per packet
// (retained-B/pkt), which is what a large capture costs in memory.
func BenchmarkAnnotate(b *testing.B) {
	for _, name := range []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap"} {
		b.Run(name, func(b *testing.B) {
			data, err := os.ReadFile(filepath.Join("..", "testdata", name))
			if err != nil {
				b.Fatal(err)
			}
			run := func() *Result {
				r, err := capture.NewReader(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				res, err := Annotate(r, Options{Location: time.UTC})
				if err != nil {
					b.Fatal(err)
				}
				return res
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var res *Result
			for b.Loop() {
				res = run()
			}
			b.ReportMetric(float64(len(res.Packets)), "packets/op")

			// The heap a Result keeps, measured apart from the timed loop.
			res = nil
			// Two collections empty the sync.Pools as well.
			var before, after runtime.MemStats
			runtime.GC()
			runtime.GC()
			runtime.ReadMemStats(&before)
			res = run()
			runtime.GC()
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/float64(len(res.Packets)), "retained-B/pkt")
			runtime.KeepAlive(res)
		})
	}
}
