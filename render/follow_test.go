package render_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/internal/capturetest"
	"github.com/wstrace/wstrace/render"
)

// TestFollowerMatchesPage feeds real sessions to a Follower one packet at
// a time and checks that what it says of each packet is, word for word,
// what the page of the capture up to that packet says of it: the packet an
// ACK acknowledges, the message a reply answers, the name a client gave,
// the application protocol's state, what a page says once (how tcpdump -A
// prints a newline, a frame's table). What only later packets tell (the
// copies of a broadcast, the packet that completes a frame) is left to
// those packets by both.
//
// The page of a capture that ends inside a WebSocket frame explains the
// frame as cut short, which a live capture does not know yet, so packets
// that arrive while a frame is incomplete are not compared.
func TestFollowerMatchesPage(t *testing.T) {
	tests := []struct {
		file   string
		keylog string
		opts   render.Options
	}{
		{file: "workerman-chat.pcap", opts: render.Options{Lang: "en"}},
		{file: "workerman-chat.pcap", opts: render.Options{Lang: "zh-TW", Style: render.StyleClassic}},
		{file: "workerman-chat.pcap", opts: render.Options{Lang: "zh-CN", Conn: 2}},
		{file: "chromium-ws-deflate.pcap", opts: render.Options{Lang: "en", Style: render.StyleClassic}},
		{file: "chromium-ws-plain-any.pcap", opts: render.Options{Lang: "en", Style: render.StyleClassic}},
		{file: "socketio-chat.pcap", opts: render.Options{Lang: "en"}},
		{file: "socketio-chat.pcap", opts: render.Options{Lang: "en", HideHeartbeats: true}},
		{file: "chromium-wss-tls13.pcap", keylog: "chromium-wss-tls13.keylog", opts: render.Options{Lang: "en", Style: render.StyleClassic}},
	}
	for _, tt := range tests {
		name := tt.file + "/" + tt.opts.Lang
		t.Run(name, func(t *testing.T) {
			pkts := capturetest.Read(t, filepath.Join("..", "testdata", tt.file))
			aopts := annotate.Options{Location: time.UTC}
			if tt.keylog != "" {
				f, err := os.Open(filepath.Join("..", "testdata", tt.keylog))
				if err != nil {
					t.Fatal(err)
				}
				aopts.KeyLog, err = tlsrec.ParseKeyLog(f)
				f.Close()
				if err != nil {
					t.Fatal(err)
				}
			}
			opts := tt.opts
			var err error
			if opts.Catalog, err = render.LoadCatalog(opts.Lang, ""); err != nil {
				t.Fatal(err)
			}
			// Where frames are incomplete, in the whole capture.
			whole, err := annotate.Annotate(&capturetest.List{Packets: pkts}, aopts)
			if err != nil {
				t.Fatal(err)
			}
			midFrame := map[int]bool{}
			for _, fr := range whole.Frames {
				for n := fr.FirstPacket; n < fr.Packet; n++ {
					midFrame[n] = true
				}
			}

			fl, err := render.NewFollower(aopts, opts, render.Capture{Name: "lo"})
			if err != nil {
				t.Fatal(err)
			}
			compared, acks := 0, 0
			for i, p := range pkts {
				page, err := fl.Add(p)
				if err != nil {
					t.Fatal(err)
				}
				// The page of the packets so far, all of them shown.
				res, err := annotate.Annotate(&capturetest.List{Packets: pkts[:i+1]}, aopts)
				if err != nil {
					t.Fatal(err)
				}
				prefix, err := render.Build(res, render.Capture{Name: "lo"}, opts)
				if err != nil {
					t.Fatal(err)
				}
				var want *render.Packet
				for _, q := range prefix.Packets {
					if q.Number == p.Number {
						want = q
					}
				}
				switch {
				case page == nil && want == nil:
					continue // left out by the selection, or hidden
				case page == nil || want == nil:
					t.Fatalf("packet %d: the follower's page is %v, the page's packet %v", p.Number, page != nil, want != nil)
				case len(page.Packets) != 1 || page.Packets[0].Number != p.Number:
					t.Fatalf("packet %d: the follower's page does not hold just that packet", p.Number)
				case midFrame[p.Number]:
					continue
				}
				compared++
				got := page.Packets[0].Comment()
				if got != want.Comment() {
					t.Errorf("packet %d:\nfollower:\n%s\npage:\n%s", p.Number, got, want.Comment())
				}
				if strings.Contains(got, "it has received") {
					acks++
				}
			}
			if compared < len(pkts)/3 || opts.Lang == "en" && acks < 3 {
				t.Errorf("%d packets of %d compared, %d ACKs explained", compared, len(pkts), acks)
			}
		})
	}
}

// BenchmarkFollow explains the packets of a real WebSocket session one at a
// time, as capture --follow and the live page do while capturing; the time
// per packet bounds the packet rate they keep up with. The messages are
// parsed once, outside the loop, as a Follower's caller does.
func BenchmarkFollow(b *testing.B) {
	r, err := capture.OpenFile(filepath.Join("..", "testdata", "chromium-ws-deflate.pcap"))
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
	for _, style := range []render.Style{render.StyleClassic, render.StyleGuide} {
		b.Run(string(style), func(b *testing.B) {
			opts := render.Options{Lang: "en", Style: style}
			if opts.Catalog, err = render.LoadCatalog("en", ""); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				fl, err := render.NewFollower(annotate.Options{Location: time.UTC}, opts, render.Capture{Name: "lo"})
				if err != nil {
					b.Fatal(err)
				}
				for _, p := range pkts {
					if _, err := fl.Add(p); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pkts)), "ns/packet")
		})
	}
}
