package capture

import (
	"bytes"
	"io"
	"testing"
	"time"
)

// benchCapture returns a pcap and a pcapng file of n 100-byte packets.
func benchCapture(b *testing.B, n int) (pcap, ng []byte) {
	b.Helper()
	data := bytes.Repeat([]byte{0xab}, 100)
	pcap = pcapHeader(65535, 1)
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, NgWriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	ifc := &Interface{LinkType: LinkTypeEthernet}
	for i := range n {
		pcap = append(pcap, pcapRecord(100, 100, data)...)
		w.WritePacket(&Packet{Number: i + 1, Timestamp: time.Unix(1700000000, int64(i)), Interface: ifc, Data: data, Length: 100})
	}
	return pcap, buf.Bytes()
}

// BenchmarkReader reads a million packets per iteration.
func BenchmarkReader(b *testing.B) {
	const n = 1_000_000
	pcap, ng := benchCapture(b, n)
	for _, bc := range []struct {
		name  string
		input []byte
	}{{"pcap", pcap}, {"pcapng", ng}, {"pcap+gzip", gzipBytes(b, pcap)}} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.input)))
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(bc.input))
				if err != nil {
					b.Fatal(err)
				}
				count := 0
				for {
					_, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					count++
				}
				if count != n {
					b.Fatalf("%d packets, want %d", count, n)
				}
			}
		})
	}
}
