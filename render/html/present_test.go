package html

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/wstrace/wstrace/internal/browser"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

// presentState is what the presenter test reads from the page after each
// key.
type presentState struct {
	Presenting bool     `json:"presenting"`
	Notes      bool     `json:"notes"`
	Current    []string `json:"current"` // ids of the elements with aria-current="step"
	Hash       string   `json:"hash"`
	Search     string   `json:"search"`
	Arrow      string   `json:"arrow"` // data-packet of the highlighted arrow
	Top        float64  `json:"top"`   // the current packet's heading, in the window
	Bottom     float64  `json:"bottom"`
	Left       float64  `json:"left"`
	Right      float64  `json:"right"`
	Visible    bool     `json:"visible"`
	Font       float64  `json:"font"` // the current packet's font size, px
	Height     float64  `json:"height"`
	Width      float64  `json:"width"`
}

const readPresentState = `(() => {
  const root = document.querySelector(".wstrace");
  const cur = [...root.querySelectorAll('[aria-current="step"]')];
  const s = {presenting: root.classList.contains("presenting"), notes: root.classList.contains("present-notes"),
    current: cur.map(e => e.id), hash: location.hash, search: location.search,
    arrow: (root.querySelector(".seq-link.seq-current") || {getAttribute: () => ""}).getAttribute("data-packet") || "",
    height: innerHeight, width: innerWidth};
  if (cur.length === 1) {
    const h = cur[0].querySelector("h2, h3, h4, h5, h6").getBoundingClientRect();
    s.top = h.top; s.bottom = h.bottom; s.left = h.left; s.right = h.right;
    const x = Math.min(innerWidth - 1, Math.max(0, h.left + 40)), y = Math.min(innerHeight - 1, Math.max(0, h.top + h.height / 2));
    const hit = document.elementFromPoint(x, y);
    s.visible = !!hit && cur[0].contains(hit);
    s.font = parseFloat(getComputedStyle(cur[0].querySelector("p") || cur[0]).fontSize);
  }
  return s;
})()`

// TestPresenterMode drives the page's presenter mode in Chromium at a
// projector's 1280x720: the keys, the URL's hash, aria-current, the
// highlighted arrow, the current packet on screen, and no script error.
func TestPresenterMode(t *testing.T) {
	b := browser.New(t, 1280, 720)
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, lang := range render.Languages() {
		t.Run(lang, func(t *testing.T) {
			page := filepath.Join(t.TempDir(), "page.html")
			if err := os.WriteFile(page, build(t, res, "workerman-chat.pcap", render.Options{Lang: lang}), 0o644); err != nil {
				t.Fatal(err)
			}
			base := (&url.URL{Scheme: "file", Path: page}).String()

			// Without ?present, the normal page with its button.
			b.Run(t, 30*time.Second, chromedp.Navigate(base))
			st := browser.Eval[presentState](t, b, readPresentState)
			if st.Presenting || len(st.Current) != 0 {
				t.Fatalf("the page opens presenting: %+v", st)
			}
			if !browser.Eval[bool](t, b, `!document.querySelector(".present-bar").hidden`) {
				t.Error("the script leaves the presenter bar hidden")
			}
			order := browser.Eval[[]string](t, b,
				`[...document.querySelectorAll("article.packet[data-packet]")].sort((a, b) => a.dataset.packet - b.dataset.packet).map(a => a.id)`)
			if len(order) < 10 {
				t.Fatalf("only %d packets on the page", len(order))
			}
			drawn := map[string]bool{}
			for _, n := range browser.Eval[[]string](t, b, `[...document.querySelectorAll(".seq-link[data-packet]")].map(a => a.dataset.packet)`) {
				drawn["p"+n] = true
			}

			// ?present#pN opens at packet N.
			start := 4
			b.Run(t, 30*time.Second, chromedp.Navigate(base+"?present#"+order[start]))
			i := start
			check := func(step string) {
				t.Helper()
				st := browser.Eval[presentState](t, b, readPresentState)
				want := order[i]
				switch {
				case st.Width != 1280 || st.Height != 720:
					t.Fatalf("%s: the window is %vx%v, not a projector's 1280x720", step, st.Width, st.Height)
				case !st.Presenting:
					t.Fatalf("%s: not presenting", step)
				case len(st.Current) != 1 || st.Current[0] != want:
					t.Fatalf(`%s: aria-current="step" on %v, want %s`, step, st.Current, want)
				case st.Hash != "#"+want:
					t.Errorf("%s: the URL's hash is %q, want #%s", step, st.Hash, want)
				case drawn[want] && st.Arrow != strings.TrimPrefix(want, "p"):
					t.Errorf("%s: the highlighted arrow is packet %q, want %s", step, st.Arrow, want)
				case !st.Visible || st.Top < 0 || st.Bottom > st.Height || st.Left < 0 || st.Right > st.Width:
					t.Errorf("%s: the current packet's heading is not on screen: %+v", step, st)
				case st.Font < 20:
					t.Errorf("%s: the current packet's text is %.0f px, too small for a projector", step, st.Font)
				}
			}
			check("?present#" + order[start])
			for _, k := range []struct {
				key  string
				name string
				to   func() int
			}{
				{kb.ArrowRight, "→", func() int { return i + 1 }},
				{" ", "Space", func() int { return i + 1 }},
				{"j", "j", func() int { return i + 1 }},
				{kb.ArrowLeft, "←", func() int { return i - 1 }},
				{"k", "k", func() int { return i - 1 }},
				{kb.End, "End", func() int { return len(order) - 1 }},
				{"j", "j at the end", func() int { return len(order) - 1 }},
				{kb.Home, "Home", func() int { return 0 }},
				{"k", "k at the start", func() int { return 0 }},
			} {
				b.Run(t, 10*time.Second, chromedp.KeyEvent(k.key))
				i = k.to()
				check(k.name)
			}
			// The hash moves the presentation, as a link or the Back button does.
			i = 7
			b.Run(t, 10*time.Second, chromedp.Evaluate[chromedp.Void](`location.hash = "#`+order[i]+`"`), chromedp.Sleep(100*time.Millisecond))
			check("hash #" + order[i])

			b.Run(t, 10*time.Second, chromedp.KeyEvent("n"))
			if st := browser.Eval[presentState](t, b, readPresentState); !st.Notes {
				t.Error("n shows no speaker notes")
			}
			if !browser.Eval[bool](t, b, `[...document.querySelectorAll(".present-current > p")].every(p => p.offsetParent !== null)`) {
				t.Error("with notes, some of the packet's sentences stay hidden")
			}
			b.Run(t, 10*time.Second, chromedp.KeyEvent("n"))
			if st := browser.Eval[presentState](t, b, readPresentState); st.Notes {
				t.Error("n does not hide the speaker notes again")
			}

			b.Run(t, 10*time.Second, chromedp.KeyEvent(kb.Escape))
			st = browser.Eval[presentState](t, b, readPresentState)
			if st.Presenting || len(st.Current) != 0 || strings.Contains(st.Search, "present") {
				t.Errorf("Esc does not go back to the page: %+v", st)
			}
			if y := browser.Eval[float64](t, b, `document.getElementById(`+strconv.Quote(order[i])+`).getBoundingClientRect().top`); y < -1 || y > 720 {
				t.Errorf("back on the page, packet %s is at y=%.0f, off screen", order[i], y)
			}
			b.Run(t, 10*time.Second, chromedp.KeyEvent("p"))
			check("p")
			if st := browser.Eval[presentState](t, b, readPresentState); !strings.Contains(st.Search, "present") {
				t.Errorf("p does not put ?present in the URL: %q", st.Search)
			}
			b.Run(t, 10*time.Second, chromedp.KeyEvent("p"))
			if st := browser.Eval[presentState](t, b, readPresentState); st.Presenting {
				t.Error("p does not end presenting")
			}
			b.CheckErrors(t)
		})
	}
}

// TestPresenterWithoutScript checks that the page without script is the
// normal page: the presenter bar is hidden in the HTML itself.
func TestPresenterWithoutScript(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	out := string(build(t, res, "workerman-chat.pcap", render.Options{}))
	if !strings.Contains(out, `<div class="present-bar" hidden>`) {
		t.Error("the presenter bar is not hidden without script")
	}
	if strings.Contains(out, "presenting") && strings.Contains(out, `class="wstrace presenting"`) {
		t.Error("the page starts presenting without script")
	}
	if n := strings.Count(out, `data-packet="`); n < 20 {
		t.Errorf("%d elements carry data-packet", n)
	}
}

// TestPresenterInFragments drives presenter mode in a host page that holds
// two traces written with --fragment and --id-prefix: the keys belong to
// the first trace, only its packets are presented, the hash names its
// prefixed ids, and the second trace stays as it was.
func TestPresenterInFragments(t *testing.T) {
	b := browser.New(t, 1280, 720)
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	host := `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>host</title></head><body>
<h1>A course page</h1>` + fragment(t, res, render.StyleGuide, "a-") + `<p>Between the traces</p>` +
		fragment(t, res, render.StyleGuide, "b-") + `</body></html>`
	file := filepath.Join(t.TempDir(), "host.html")
	if err := os.WriteFile(file, []byte(host), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Run(t, 30*time.Second, chromedp.Navigate((&url.URL{Scheme: "file", Path: file}).String()))
	const state = `(() => {
  const roots = [...document.querySelectorAll(".wstrace")];
  return {presenting: roots.map(r => r.classList.contains("presenting")),
    current: [...document.querySelectorAll('[aria-current="step"]')].map(e => e.id), hash: location.hash};
})()`
	type st struct {
		Presenting []bool   `json:"presenting"`
		Current    []string `json:"current"`
		Hash       string   `json:"hash"`
	}
	b.Run(t, 10*time.Second, chromedp.KeyEvent("p"))
	s := browser.Eval[st](t, b, state)
	if len(s.Presenting) != 2 || !s.Presenting[0] || s.Presenting[1] {
		t.Fatalf("p presents %v, want only the first trace", s.Presenting)
	}
	if len(s.Current) != 1 || s.Current[0] != "a-p1" || s.Hash != "#a-p1" {
		t.Fatalf("presenting %v at hash %q, want a-p1", s.Current, s.Hash)
	}
	b.Run(t, 10*time.Second, chromedp.KeyEvent("j"), chromedp.KeyEvent("j"))
	if s = browser.Eval[st](t, b, state); len(s.Current) != 1 || s.Current[0] != "a-p3" || s.Hash != "#a-p3" {
		t.Errorf("after j j: %v at %q, want a-p3", s.Current, s.Hash)
	}
	b.Run(t, 10*time.Second, chromedp.KeyEvent(kb.Escape))
	if s = browser.Eval[st](t, b, state); s.Presenting[0] || s.Presenting[1] || len(s.Current) != 0 {
		t.Errorf("after Esc: %+v", s)
	}
	b.CheckErrors(t)
}
