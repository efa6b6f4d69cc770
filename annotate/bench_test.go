package annotate

import (
	"bytes"
	"fmt"
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

// BenchmarkGrowth annotates inputs that grow tenfold and reports the cost
// per item, which must stay flat: empty frames packed into one segment
// (every event of a packet), segments of one connection, connections of
// one capture.
func BenchmarkGrowth(b *testing.B) {
	frames := func(n int) []byte { return bytes.Repeat([]byte{0x81, 0x00}, n) }
	cases := []struct {
		name  string
		items int
		build func(b *capBuilder, n int)
	}{
		{"frames-in-one-segment", 3200, func(cb *capBuilder, n int) {
			c := upgraded(cb)
			c.send(Server, frames(n))
		}},
		{"frames-in-one-segment", 32000, func(cb *capBuilder, n int) {
			c := upgraded(cb)
			c.send(Server, frames(n))
		}},
		{"segments", 2000, func(cb *capBuilder, n int) {
			c := upgraded(cb)
			for range n {
				c.send(Server, frames(8))
			}
		}},
		{"segments", 20000, func(cb *capBuilder, n int) {
			c := upgraded(cb)
			for range n {
				c.send(Server, frames(8))
			}
		}},
	}
	for _, tc := range cases {
		b.Run(fmt.Sprintf("%s/%d", tc.name, tc.items), func(b *testing.B) {
			cb := newCapBuilder()
			tc.build(cb, tc.items)
			pkts := cb.pkts
			b.ReportAllocs()
			for b.Loop() {
				a := New(Options{Location: time.UTC, Emit: func(Record) error { return nil }})
				for _, p := range pkts {
					a.Add(p)
				}
				a.Finish()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(tc.items), "ns/item")
		})
	}
}
