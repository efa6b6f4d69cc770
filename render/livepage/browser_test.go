package livepage_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/demo"
	"github.com/wstrace/wstrace/internal/browser"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/livepage"
)

// TestMain lets the test binary serve as the program
// demo.CaptureIsolated runs again in its namespaces.
func TestMain(m *testing.M) {
	if demo.IsolatedChild() {
		os.Exit(demo.RunIsolatedChild())
	}
	os.Exit(m.Run())
}

// recorder keeps the packets a capture writes, and passes them on.
type recorder struct {
	next    demo.PacketWriter
	packets []*capture.Packet
}

func (r *recorder) WritePacket(p *capture.Packet) error {
	c := *p
	c.Data = bytes.Clone(p.Data)
	r.packets = append(r.packets, &c)
	return r.next.WritePacket(p)
}

// sliceSource hands out packets in order.
type sliceSource struct{ packets []*capture.Packet }

func (s *sliceSource) Next() (*capture.Packet, error) {
	if len(s.packets) == 0 {
		return nil, io.EOF
	}
	p := s.packets[0]
	s.packets = s.packets[1:]
	return p, nil
}

// TestLivePageInBrowser opens the live page in Chromium, then plays the
// chat demo (a real WebSocket server and two clients of
// github.com/coder/websocket) under a live capture: the page fills while
// the session runs, without reload; a dropped connection resumes with no
// packet lost or twice; at the end the page becomes the full page.
func TestLivePageInBrowser(t *testing.T) {
	b := browser.New(t, 1280, 720)
	srv, err := livepage.New(livepage.Options{Source: "lo"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	b.Run(t, 30*time.Second, chromedp.Navigate(ts.URL+"/"))
	if n := browser.Eval[int](t, b, `document.querySelectorAll("article.packet").length`); n != 0 {
		t.Fatalf("the page starts with %d packets", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rec := &recorder{next: srv}
	type result struct {
		t   *demo.Transcript
		err error
	}
	done := make(chan result, 1)
	go func() {
		cfg := demo.Config{Addr: "127.0.0.1:0", Pause: 400 * time.Millisecond}
		tr, err := demo.Capture(ctx, cfg, live.Options{Interface: "lo"}, rec)
		done <- result{tr, err}
	}()

	// Watch the page while the session runs.
	var seen []int
	dropped := false
	var res result
watch:
	for {
		select {
		case res = <-done:
			break watch
		case <-time.After(250 * time.Millisecond):
		}
		n := browser.Eval[int](t, b, `document.querySelectorAll("article.packet").length`)
		seen = append(seen, n)
		if n >= 10 && !dropped {
			// Drop the page's connection: EventSource reconnects with the
			// id of the last event it got.
			ts.CloseClientConnections()
			dropped = true
		}
	}
	if res.err != nil {
		if testenv.InCI() {
			t.Fatal(res.err)
		}
		t.Skipf("the demo cannot capture here: %v", res.err)
	}
	total := len(rec.packets)
	// Wait until the page has every packet.
	deadline := time.Now().Add(30 * time.Second)
	for browser.Eval[int](t, b, `document.querySelectorAll("article.packet").length`) < total && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	numbers := browser.Eval[[]int](t, b, `[...document.querySelectorAll("article.packet")].map(a => +a.dataset.packet)`)
	want := make([]int, total)
	for i := range want {
		want[i] = i + 1
	}
	if !slices.Equal(numbers, want) {
		t.Fatalf("the page shows packets %v, want 1..%d once each", numbers, total)
	}
	filling := false
	for _, n := range seen {
		if n > 0 && n < total {
			filling = true
		}
	}
	if !filling || !slices.IsSorted(seen) {
		t.Errorf("the page did not fill while the session ran: %v (of %d)", seen, total)
	}
	if !dropped {
		t.Error("the test never dropped the page's connection")
	}
	if reloads := browser.Eval[int](t, b, `performance.getEntriesByType("navigation").length`); reloads != 1 {
		t.Errorf("%d navigations: the page reloaded", reloads)
	}

	// The end: the full page takes the live one's place.
	res2, err := annotate.Annotate(&sliceSource{packets: rec.packets}, annotate.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := render.Build(res2, render.Capture{Name: "lo"}, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var full bytes.Buffer
	if err := html.Write(&full, page); err != nil {
		t.Fatal(err)
	}
	srv.Finish(full.Bytes())
	deadline = time.Now().Add(30 * time.Second)
	for {
		// The page reloads meanwhile: an evaluation may meet the old
		// document going away, and is tried again.
		ectx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
		full, err := chromedp.Run(ectx, chromedp.Evaluate[bool](`!!document.querySelector(".wstrace .diagram") && !document.querySelector(".wstrace-live")`))
		cancel()
		if err == nil && full {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the page did not become the full page (%v)", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := browser.Eval[int](t, b, `document.querySelectorAll("article.packet").length`); n != total {
		t.Errorf("the full page has %d packets, want %d", n, total)
	}
	for _, e := range b.Errors() {
		// The connection the test dropped is the only one allowed to fail.
		if !strings.HasPrefix(e, "log: ") || !strings.HasSuffix(e, " "+ts.URL+"/events") {
			t.Errorf("the page reported an error: %s", e)
		}
	}
	t.Logf("the page grew %v while %d packets were captured", fmt.Sprint(seen), total)
}
