package main

import (
	"errors"
	"io"
	"testing"

	"github.com/spf13/pflag"

	"github.com/wstrace/wstrace/capture"
)

// BenchmarkFollow explains the packets of a real WebSocket session one at a
// time, as capture --follow does while capturing; the time per packet is
// what bounds the packet rate --follow keeps up with.
func BenchmarkFollow(b *testing.B) {
	r, err := capture.OpenFile("../../testdata/chromium-ws-deflate.pcap")
	if err != nil {
		b.Fatal(err)
	}
	var pkts []*capture.Packet
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		pkts = append(pkts, p)
	}
	r.Close()
	var f pageFlags
	fs := pflag.NewFlagSet("follow", pflag.ContinueOnError)
	f.register(fs) // the flags' defaults
	if err := fs.Parse([]string{"--lang", "en"}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		fl, err := newFollower(io.Discard, f, "lo")
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range pkts {
			fl.add(p)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/packet")
}
