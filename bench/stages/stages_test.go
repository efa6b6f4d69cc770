// Package stages benchmarks each stage of wstrace's pipeline on the same
// capture — read, annotate, build, write — and reports what each costs per
// packet: time, bytes allocated and allocations.
//
//	go test ./bench/stages -bench . -benchtime 3x
package stages

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/jsonout"
	"github.com/wstrace/wstrace/render/markdown"
)

// rounds is how many copies of the fixture's sessions the benchmark
// capture holds (69 packets each).
const rounds = 300

// bigCapture returns a pcap of rounds copies of a real Chromium session,
// each moved to ports of its own and later in time, as bench/mkcapture
// makes them.
func bigCapture(b *testing.B) ([]byte, int) {
	b.Helper()
	r, err := capture.OpenFile("../../testdata/chromium-ws-deflate.pcap")
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	var pkts []*capture.Packet
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		pkts = append(pkts, p)
	}
	var buf bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], uint32(pkts[0].LinkType()))
	buf.Write(hdr)
	span := pkts[len(pkts)-1].Timestamp.Sub(pkts[0].Timestamp) + time.Second
	rec := make([]byte, 16)
	for round := range rounds {
		for _, p := range pkts {
			data := bytes.Clone(p.Data)
			d := decode.Decode(p.LinkType(), p.Data, p.Length)
			if d.TCP != nil {
				off := len(p.Data) - len(d.Payload) - d.TCP.HeaderLength
				for _, o := range []int{off, off + 2} {
					if port := binary.BigEndian.Uint16(data[o:]); port >= 10000 {
						binary.BigEndian.PutUint16(data[o:], uint16(49152+(int(port)+round)%16000))
					}
				}
			}
			ts := p.Timestamp.Add(time.Duration(round) * span)
			binary.LittleEndian.PutUint32(rec[0:], uint32(ts.Unix()))
			binary.LittleEndian.PutUint32(rec[4:], uint32(ts.Nanosecond()/1000))
			binary.LittleEndian.PutUint32(rec[8:], uint32(len(data)))
			binary.LittleEndian.PutUint32(rec[12:], uint32(p.Length))
			buf.Write(rec)
			buf.Write(data)
		}
	}
	return buf.Bytes(), rounds * len(pkts)
}

// perPacket reports the benchmark's cost per packet.
func perPacket(b *testing.B, packets int, mem func() (bytes, allocs uint64)) {
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(packets), "ns/pkt")
	by, al := mem()
	b.ReportMetric(float64(by)/float64(b.N)/float64(packets), "B/pkt")
	b.ReportMetric(float64(al)/float64(b.N)/float64(packets), "allocs/pkt")
}

// measure runs f b.N times and returns the bytes and allocations it made.
func measure(b *testing.B, f func()) func() (uint64, uint64) {
	var m0, m1 runtimeMem
	m0.read()
	for b.Loop() {
		f()
	}
	m1.read()
	return func() (uint64, uint64) { return m1.bytes - m0.bytes, m1.allocs - m0.allocs }
}

func readAll(b *testing.B, data []byte, each func(*capture.Packet)) {
	r, err := capture.NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	for {
		p, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			b.Fatal(err)
		}
		each(p)
	}
}

func BenchmarkStages(b *testing.B) {
	data, n := bigCapture(b)
	b.Run("read", func(b *testing.B) {
		perPacket(b, n, measure(b, func() { readAll(b, data, func(*capture.Packet) {}) }))
	})
	b.Run("read+annotate", func(b *testing.B) {
		perPacket(b, n, measure(b, func() {
			a := annotate.New(annotate.Options{Location: time.UTC, Emit: func(annotate.Record) error { return nil }})
			readAll(b, data, func(p *capture.Packet) { a.Add(p) })
			a.Finish()
		}))
	})
	// What render --format json and jsonl do: annotate and write as the
	// records become final, nothing kept (the command also turns the
	// collector's pacing off below a 64 MiB heap; this does not).
	for _, lines := range []bool{false, true} {
		name := "stream-json"
		if lines {
			name = "stream-jsonl"
		}
		b.Run(name, func(b *testing.B) {
			perPacket(b, n, measure(b, func() {
				r, err := capture.NewReader(bytes.NewReader(data))
				if err != nil {
					b.Fatal(err)
				}
				opts := jsonout.Options{Indent: true, Redact: true}
				if err := jsonout.WriteSource(io.Discard, r, annotate.Options{Location: time.UTC}, opts, lines); err != nil {
					b.Fatal(err)
				}
			}))
		})
	}
	// The rest starts from an annotation of the whole capture, kept.
	a := annotate.New(annotate.Options{Location: time.UTC})
	readAll(b, data, func(p *capture.Packet) { a.Add(p) })
	res := a.Finish()
	b.Run("build", func(b *testing.B) {
		perPacket(b, n, measure(b, func() {
			if _, err := render.Build(res, render.Capture{Name: "big.pcap"}, render.Options{}); err != nil {
				b.Fatal(err)
			}
		}))
	})
	page, err := render.Build(res, render.Capture{Name: "big.pcap"}, render.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("write-markdown", func(b *testing.B) {
		perPacket(b, n, measure(b, func() { markdown.Write(io.Discard, page) }))
	})
	b.Run("write-html", func(b *testing.B) {
		perPacket(b, n, measure(b, func() { html.Write(io.Discard, page) }))
	})
	b.Run("write-json", func(b *testing.B) {
		perPacket(b, n, measure(b, func() { jsonout.Write(io.Discard, res, jsonout.Options{}) }))
	})
	b.Run("write-jsonl", func(b *testing.B) {
		perPacket(b, n, measure(b, func() { jsonout.WriteLines(io.Discard, res, jsonout.Options{}) }))
	})
}
