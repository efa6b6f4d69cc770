// Package capturetest holds the packets of test captures for the tests of
// every package: read from a file, replayed as a capture.Source, repeated
// into a long capture of many sessions.
package capturetest

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// Read returns the packets of a capture file, as far as it can be read: a
// damaged file gives what comes before the damage.
func Read(t testing.TB, path string) []*capture.Packet {
	t.Helper()
	r, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var pkts []*capture.Packet
	for {
		p, err := r.Next()
		if err != nil {
			return pkts
		}
		pkts = append(pkts, p)
	}
}

// A List is a capture.Source over packets read before.
type List struct {
	Packets []*capture.Packet
	next    int
}

// Next returns the next packet, or io.EOF after the last.
func (l *List) Next() (*capture.Packet, error) {
	if l.next == len(l.Packets) {
		return nil, io.EOF
	}
	l.next++
	return l.Packets[l.next-1], nil
}

// Repeat returns n copies of a capture's packets, each copy a conversation
// of its own (ports of 10000 and above moved) and later in time than the
// one before by the capture's span and 5 s (more than an annotator waits
// before it forgets a closed connection), numbered on.
func Repeat(pkts []*capture.Packet, n int) []*capture.Packet {
	span := pkts[len(pkts)-1].Timestamp.Sub(pkts[0].Timestamp) + 5*time.Second
	var out []*capture.Packet
	for round := range n {
		for _, p := range pkts {
			q := *p
			q.Data = bytes.Clone(p.Data)
			q.Timestamp = p.Timestamp.Add(time.Duration(round) * span)
			q.Number = len(out) + 1
			d := decode.Decode(p.LinkType(), p.Data, p.Length)
			if d.TCP != nil {
				off := len(p.Data) - len(d.Payload) - d.TCP.HeaderLength
				for _, o := range []int{off, off + 2} {
					if port := binary.BigEndian.Uint16(q.Data[o:]); port >= 10000 {
						binary.BigEndian.PutUint16(q.Data[o:], uint16(40000+(int(port)+round)%20000))
					}
				}
			}
			out = append(out, &q)
		}
	}
	return out
}
