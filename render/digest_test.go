package render_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/markdown"
)

// collect streams a fixture into a Collector.
func collect(t *testing.T, name string, opts render.Options) *render.Collector {
	t.Helper()
	r, err := capture.OpenFile("../testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	c := render.NewCollector(opts)
	if _, err := annotate.Annotate(r, annotate.Options{Location: time.UTC, Emit: c.Record}); err != nil {
		t.Fatal(err)
	}
	return c
}

func markdownOf(t *testing.T, p *render.Page) string {
	t.Helper()
	var b bytes.Buffer
	if err := markdown.Write(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestCollectorSmall: a capture within the limits gives the page Build
// gives for the whole Result.
func TestCollectorSmall(t *testing.T) {
	for _, name := range []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap"} {
		c := collect(t, name, render.Options{})
		got, err := c.Build(render.Capture{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := capture.OpenFile("../testdata/" + name)
		res, _ := annotate.Annotate(r, annotate.Options{Location: time.UTC})
		r.Close()
		want, err := render.Build(res, render.Capture{Name: name}, render.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if c.Digest() || markdownOf(t, got) != markdownOf(t, want) {
			t.Errorf("%s: the collected page differs from the built one (digest %v)", name, c.Digest())
		}
	}
}

// TestDigest: past --max-connections the page explains the first
// connections, lists every one with its figures and says how to show the
// others, in each language.
func TestDigest(t *testing.T) {
	for _, lang := range []string{"en", "zh-TW", "zh-CN"} {
		c := collect(t, "workerman-chat.pcap", render.Options{Lang: lang, MaxConnections: 1})
		p, err := c.Build(render.Capture{Name: "workerman-chat.pcap"})
		if err != nil {
			t.Fatal(err)
		}
		if !c.Digest() {
			t.Fatal("no digest")
		}
		out := markdownOf(t, p)
		for _, n := range p.Packets {
			if n.Conn != 1 {
				t.Errorf("%s: packet %d of connection %d explained", lang, n.Number, n.Conn)
			}
		}
		rows := c.Rows()
		if len(rows) != 2 || rows[0].Kept != rows[0].Selected || rows[1].Kept != 0 || rows[1].Selected != 15 {
			t.Fatalf("%s: rows %+v", lang, rows)
		}
		// The second connection: the chat session; tshark -d
		// tcp.port==7272,http finds its five text frames (packets 19, 20,
		// 22, 26 and 27).
		r := rows[1]
		if r.Packets != 15 || r.Messages != 5 || r.Client.String() != "127.0.0.1:60653" || r.ClientBytes == 0 || r.ServerBytes == 0 {
			t.Errorf("%s: row %+v", lang, r)
		}
		for _, want := range []string{"wstrace render --conn 2 workerman-chat.pcap", "| 2 | `127.0.0.1:60653` |", "--max-connections"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: the digest lacks %q", lang, want)
			}
		}
		if !strings.Contains(out, "| [1](#p1) |") {
			t.Errorf("%s: the shown connection is not linked to its first packet", lang)
		}
	}
	// --max-packets cuts inside a connection.
	c := collect(t, "workerman-chat.pcap", render.Options{MaxPackets: 5})
	p, err := c.Build(render.Capture{Name: "workerman-chat.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Packets) != 5 || !c.Digest() || !strings.Contains(markdownOf(t, p), "first 5 packets") {
		t.Errorf("max-packets 5: %d packets, digest %v", len(p.Packets), c.Digest())
	}
}
