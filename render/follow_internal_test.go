package render

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// TestFollowerMemoryBounded follows 40 real sessions of two captures, one after the other,
// and checks that what the Follower keeps stays the size of the window and
// of the connections still open, not of the capture.
func TestFollowerMemoryBounded(t *testing.T) {
	for _, name := range []string{"chromium-ws-deflate.pcap", "socketio-chat.pcap"} {
		t.Run(name, func(t *testing.T) { followMany(t, name) })
	}
}

func followMany(t *testing.T, name string) {
	r, err := capture.OpenFile(filepath.Join("..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var one []*capture.Packet
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		one = append(one, p)
	}
	r.Close()
	const rounds = 40
	res, err := annotate.Annotate(&packetList{pkts: one}, annotate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Closed connections are forgotten a little after they end: a few
	// sessions' worth may be kept, never all 40.
	conns := len(res.Connections) // in one session
	f := NewFollower(annotate.Options{Location: time.UTC}, Options{Lang: "en", HideHeartbeats: true}, Capture{Name: "lo"})
	most := map[string]int{}
	note := func(name string, n int) { most[name] = max(most[name], n) }
	shown := 0
	for _, p := range repeatSessions(one, rounds) {
		page, err := f.Add(p)
		if err != nil {
			t.Fatal(err)
		}
		if page != nil {
			shown++
		}
		b := f.b
		note("packets", len(b.packets))
		note("window", len(f.recent))
		note("frames", len(b.frameIndex))
		note("messages", len(b.messageIndex))
		note("app records", len(f.appRecs))
		note("hidden", len(b.app.hidden))
		note("connections", max(len(b.section), len(b.nick), len(b.conns), len(b.app.announced)))
		note("connection ends", max(len(f.tcp.lastAck), len(f.tcp.sent), len(f.tcp.shift), len(f.tcp.explained), len(f.tcp.finSent), len(f.tcp.dataAfterFin)))
		note("facts", len(f.tcp.facts.piggy)+len(f.tcp.facts.scale)+len(f.tcp.facts.resetAfter))
	}
	t.Logf("%d packets followed, %d shown; most kept: %v", rounds*len(one), shown, most)
	if shown < rounds*len(one)/2 {
		t.Errorf("only %d packets of %d explained", shown, rounds*len(one))
	}
	limits := map[string]int{"packets": 2 * followWindow, "window": 2 * followWindow, "frames": 2 * followWindow,
		"messages": 2 * followWindow, "app records": 2 * followWindow, "hidden": 2 * followWindow,
		"connections": 8 * conns, "connection ends": 2 * 8 * conns, "facts": 0}
	for name, limit := range limits {
		if most[name] > limit {
			t.Errorf("kept up to %d %s, more than %d", most[name], name, limit)
		}
	}
}

// repeatSessions returns n copies of a capture's packets, each copy a
// conversation of its own (client ports moved) and later in time than the
// one before (by more than the annotator waits before it forgets a closed
// connection), numbered on.
func repeatSessions(pkts []*capture.Packet, n int) []*capture.Packet {
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

// packetList is a capture.Source over packets read before.
type packetList struct {
	pkts []*capture.Packet
	next int
}

func (l *packetList) Next() (*capture.Packet, error) {
	if l.next == len(l.pkts) {
		return nil, io.EOF
	}
	l.next++
	return l.pkts[l.next-1], nil
}
