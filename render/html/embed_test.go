package html

import (
	"encoding/json"
	"fmt"
	stdhtml "html"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
	"github.com/wstrace/wstrace/templates"
)

// TestCSSScoped checks that every rule of the trace's style sheet applies
// only inside the trace's root element, so that the trace can sit in a
// host page without restyling it.
func TestCSSScoped(t *testing.T) {
	b, err := fs.ReadFile(templates.FS, "layout/page.css")
	if err != nil {
		t.Fatal(err)
	}
	sels := selectors(t, string(b))
	if len(sels) < 50 {
		t.Fatalf("found only %d selectors: the parser is wrong", len(sels))
	}
	// The root itself, or a descendant of it, possibly below a host
	// ancestor given with :where() (which adds no specificity).
	ok := regexp.MustCompile(`^(:where\([^{}]*\) )?\.wstrace(\.[a-z-]+)*([ >].*)?$`)
	for _, s := range sels {
		if !ok.MatchString(s) {
			t.Errorf("selector %q is not scoped under .wstrace", s)
		}
	}
	// And that the check rejects what it should.
	for _, bad := range []string{"body", "pre", ":root", ".wstraces pre", "pre .wstrace"} {
		if ok.MatchString(bad) {
			t.Errorf("the check accepts %q", bad)
		}
	}
}

// selectors returns the selectors of every rule of a style sheet, looking
// inside @media blocks.
func selectors(t *testing.T, css string) []string {
	t.Helper()
	css = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(css, "")
	var out []string
	var walk func(s string)
	walk = func(s string) {
		for {
			open := strings.IndexByte(s, '{')
			if open < 0 {
				if strings.TrimSpace(s) != "" {
					t.Fatalf("text after the last rule: %q", s)
				}
				return
			}
			prelude := strings.TrimSpace(s[:open])
			depth, end := 0, -1
			for i := open; i < len(s); i++ {
				if s[i] == '{' {
					depth++
				} else if s[i] == '}' {
					depth--
					if depth == 0 {
						end = i
						break
					}
				}
			}
			if end < 0 {
				t.Fatalf("unbalanced braces after %q", prelude)
			}
			if strings.HasPrefix(prelude, "@media") {
				walk(s[open+1 : end])
			} else if strings.HasPrefix(prelude, "@") {
				t.Errorf("at-rule %q: not checked", prelude)
			} else {
				depth := 0
				last := 0
				for i, c := range prelude {
					switch c {
					case '(':
						depth++
					case ')':
						depth--
					case ',':
						if depth == 0 {
							out = append(out, strings.TrimSpace(prelude[last:i]))
							last = i + 1
						}
					}
				}
				out = append(out, strings.TrimSpace(prelude[last:]))
			}
			s = s[end+1:]
		}
	}
	walk(css)
	return out
}

// fragment renders a capture as an HTML fragment.
func fragment(t *testing.T, res *annotate.Result, style render.Style, prefix string) string {
	t.Helper()
	return string(build(t, res, "workerman-chat.pcap", render.Options{Style: style, Fragment: true, IDPrefix: prefix}))
}

// TestFragment checks --fragment and --id-prefix: one root element and
// nothing of a document around it; every id carries the prefix, no id
// twice, every reference to an id (links, url(#…), aria-labelledby) names
// one of the fragment's own.
func TestFragment(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	ids := regexp.MustCompile(`\sid="([^"]*)"`)
	refs := regexp.MustCompile(`href="#([^"]*)"|url\(#([^)]*)\)|aria-labelledby="([^"]*)"`)
	for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
		for _, prefix := range []string{"", "t1-"} {
			name := fmt.Sprintf("%s/%q", style, prefix)
			out := fragment(t, res, style, prefix)
			if !strings.HasPrefix(out, `<div class="wstrace" lang="en">`) || !strings.HasSuffix(out, "</div>\n") {
				t.Errorf("%s: not one root element: %.60q ... %q", name, out, out[max(0, len(out)-20):])
			}
			for _, bad := range []string{"<!DOCTYPE", "<html", "<head>", "<body", "</body>", "<meta", "<title>"} {
				if strings.Contains(out, bad) {
					t.Errorf("%s: fragment contains %s", name, bad)
				}
			}
			if n := strings.Count(out, "<style>"); n != 1 {
				t.Errorf("%s: %d style sheets", name, n)
			}
			if strings.Contains(out, "font-size: 18px") {
				t.Errorf("%s: the document's rules are in the fragment", name)
			}
			seen := map[string]bool{}
			for _, m := range ids.FindAllStringSubmatch(out, -1) {
				if !strings.HasPrefix(m[1], prefix) {
					t.Errorf("%s: id %q lacks the prefix", name, m[1])
				}
				if seen[m[1]] {
					t.Errorf("%s: id %q twice", name, m[1])
				}
				seen[m[1]] = true
			}
			nrefs := 0
			for _, m := range refs.FindAllStringSubmatch(out, -1) {
				id := m[1] + m[2] + m[3]
				nrefs++
				if !seen[id] {
					t.Errorf("%s: reference to %q, which is no id of the fragment", name, id)
				}
			}
			if len(seen) < 10 || nrefs < 5 {
				t.Errorf("%s: only %d ids and %d references: the check sees nothing", name, len(seen), nrefs)
			}
		}
	}
	if _, err := render.Build(res, render.Capture{}, render.Options{IDPrefix: `x"><script>`}); err == nil {
		t.Error("a prefix that is no id was accepted")
	}
}

// hostPage is a host page with style rules of its own that would restyle
// the traces if they could reach them, a probe script, and two traces.
const hostPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>host</title>
<style>
body { font-family: serif; color: rgb(255, 0, 0); background: rgb(0, 255, 0); }
pre { background: rgb(0, 0, 255); font-size: 40px; border: 0; }
h2 { font-size: 60px; border: 0; color: rgb(255, 0, 0); font-weight: 100; }
table, th, td { border: 5px dashed rgb(255, 0, 0); }
a { color: rgb(255, 0, 255); }
code { background: rgb(255, 255, 0); }
</style></head>
<body>
<h2 class="host">The host's own heading</h2>
<pre class="host">the host's own pre</pre>
<p class="note host">a host element with a class the trace also uses</p>
<article class="packet host">another</article>
%s
<p>Between the traces</p>
%s
<script>%s</script>
</body></html>
`

// hostProbe measures the page once loaded and writes what it saw into
// body[data-probe] as JSON.
const hostProbe = `
var r = {};
var roots = document.querySelectorAll(".wstrace");
var css = function (el, p) { return el ? getComputedStyle(el)[p] : "missing"; };
r.roots = roots.length;
r.tracePreBg = css(roots[0].querySelector("pre.dump"), "backgroundColor");
r.traceH2 = css(roots[1].querySelector("section h2"), "fontSize") + " " + css(roots[1].querySelector("section h2"), "fontWeight") + " " + css(roots[1].querySelector("section h2"), "color");
r.traceTd = css(roots[1].querySelector("td"), "borderTopStyle");
r.traceFont = css(roots[0], "fontFamily");
r.hostPreBg = css(document.querySelector("pre.host"), "backgroundColor");
r.hostH2 = css(document.querySelector("h2.host"), "fontSize");
r.hostNoteBg = css(document.querySelector("p.note.host"), "backgroundColor");
r.hostPacketBorder = css(document.querySelector("article.host"), "borderLeftWidth");
r.hostFontSize = css(document.documentElement, "fontSize");
var ids = {};
r.dupIDs = 0;
document.querySelectorAll("[id]").forEach(function (e) { if (ids[e.id]) { r.dupIDs++; } ids[e.id] = true; });
r.links = 0;
r.badLinks = 0;
roots.forEach(function (root) {
  root.querySelectorAll('a[href^="#"]').forEach(function (a) {
    r.links++;
    var el = document.getElementById(a.getAttribute("href").slice(1));
    if (!el || el.closest(".wstrace") !== root) { r.badLinks++; }
  });
});
var row = roots[1].querySelector("tr[data-mark]");
if (row) {
  row.dispatchEvent(new Event("mouseenter"));
  r.hl = [roots[0].querySelectorAll(".hl").length, roots[1].querySelectorAll("span.hl").length];
  row.dispatchEvent(new Event("mouseleave"));
}
var bg = function () { return css(roots[0], "backgroundColor"); };
var html = document.documentElement;
r.bgDefault = bg();
html.classList.add("dark");
r.bgHostDark = bg();
roots[0].classList.add("light");
r.bgHostDarkRootLight = bg();
roots[0].classList.remove("light");
html.classList.remove("dark");
html.setAttribute("data-theme", "light");
r.bgHostLight = bg();
html.removeAttribute("data-theme");
roots[0].classList.add("dark");
r.bgRootDark = bg();
roots[0].classList.remove("dark");
document.body.setAttribute("data-probe", JSON.stringify(r));
`

// TestFragmentsInChromium puts two traces of the same capture, with
// different id prefixes, in one host page whose own style rules collide
// with the trace's, and checks in headless Chromium that neither restyles
// the other, that ids stay unique and links stay inside their trace, that
// byte highlighting in one trace leaves the other alone, and that the
// colors follow prefers-color-scheme and the host's or root's dark/light
// class. A control run without prefixes must see duplicate ids.
func TestFragmentsInChromium(t *testing.T) {
	bin := testenv.NeedTool(t, "chromium")
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	type probe struct {
		Roots                                           int
		TracePreBg, TraceH2, TraceTd, TraceFont         string
		HostPreBg, HostH2, HostNoteBg, HostPacketBorder string
		HostFontSize                                    string
		DupIDs, Links, BadLinks                         int
		HL                                              []int
		BgDefault, BgHostDark, BgHostDarkRootLight      string
		BgHostLight, BgRootDark                         string
	}
	run := func(t *testing.T, a, b string, flags ...string) probe {
		t.Helper()
		file := filepath.Join(t.TempDir(), "host.html")
		page := fmt.Sprintf(hostPage, a, b, hostProbe)
		if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
		dom, console, requests := chromium(t, bin, file, flags...)
		for _, c := range console {
			t.Errorf("console: %s", c)
		}
		for _, r := range requests {
			t.Errorf("network request: %s", r)
		}
		m := regexp.MustCompile(`data-probe="([^"]*)"`).FindStringSubmatch(dom)
		if m == nil {
			t.Fatal("the probe did not run")
		}
		var p probe
		if err := json.Unmarshal([]byte(stdhtml.UnescapeString(m[1])), &p); err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", p)
		return p
	}
	const white, dark = "rgb(255, 255, 255)", "rgb(13, 17, 23)"
	t.Run("light", func(t *testing.T) {
		p := run(t, fragment(t, res, render.StyleGuide, "a-"), fragment(t, res, render.StyleGuide, "b-"))
		want := probe{
			Roots:      2,
			TracePreBg: "rgb(246, 248, 250)", TraceH2: "24px 700 rgb(27, 31, 36)", TraceTd: "solid", TraceFont: p.TraceFont,
			HostPreBg: "rgb(0, 0, 255)", HostH2: "60px", HostNoteBg: "rgba(0, 0, 0, 0)", HostPacketBorder: "0px",
			HostFontSize: "16px",
			DupIDs:       0, Links: p.Links, BadLinks: 0,
			HL:        []int{0, p.HL[1]},
			BgDefault: white, BgHostDark: dark, BgHostDarkRootLight: white, BgHostLight: white, BgRootDark: dark,
		}
		if strings.Contains(p.TraceFont, "serif") && !strings.Contains(p.TraceFont, "sans") {
			t.Errorf("the host's font reached the trace: %s", p.TraceFont)
		}
		if p.Links < 100 || p.HL[1] == 0 {
			t.Errorf("%d links, %d bytes highlighted: the probe saw too little", p.Links, p.HL[1])
		}
		if fmt.Sprint(p) != fmt.Sprint(want) {
			t.Errorf("got  %+v\nwant %+v", p, want)
		}
	})
	t.Run("dark", func(t *testing.T) {
		p := run(t, fragment(t, res, render.StyleGuide, "a-"), fragment(t, res, render.StyleClassic, "b-"), "--force-dark-mode", "--blink-settings=preferredColorScheme=0")
		if p.BgDefault != dark || p.BgHostLight != white || p.BgRootDark != dark {
			t.Errorf("prefers-color-scheme: dark: background %s, with a light host %s, with a dark root %s", p.BgDefault, p.BgHostLight, p.BgRootDark)
		}
	})
	t.Run("control", func(t *testing.T) {
		p := run(t, fragment(t, res, render.StyleGuide, ""), fragment(t, res, render.StyleGuide, ""))
		if p.DupIDs == 0 {
			t.Error("two traces without prefixes share no id: the check sees nothing")
		}
	})
}
