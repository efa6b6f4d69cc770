package render

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/internal/capturetest"
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
	one := capturetest.Read(t, filepath.Join("..", "testdata", name))
	const rounds = 40
	res, err := annotate.Annotate(&capturetest.List{Packets: one}, annotate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Closed connections are forgotten a little after they end: a few
	// sessions' worth may be kept, never all 40.
	conns := len(res.Connections) // in one session
	f, err := NewFollower(annotate.Options{Location: time.UTC}, Options{Lang: "en", HideHeartbeats: true}, Capture{Name: "lo"})
	if err != nil {
		t.Fatal(err)
	}
	most := map[string]int{}
	note := func(name string, n int) { most[name] = max(most[name], n) }
	shown := 0
	for _, p := range capturetest.Repeat(one, rounds) {
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
