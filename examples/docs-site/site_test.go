// Package docssite_test builds real documentation sites from wstrace's
// Markdown pages and checks what their readers get: MkDocs with the
// Material theme, Hugo with its default (safe) renderer, and MDX 3 with
// GitHub-flavored Markdown as Docusaurus compiles every .md file. The
// generators are the oracles; nothing here parses Markdown itself beyond
// finding the headings and fenced blocks of a page wstrace wrote.
package docssite_test

import (
	"bytes"
	"fmt"
	stdhtml "html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/markdown"
	"github.com/yuin/goldmark"
)

// page is one Markdown page and the model it was written from.
type page struct {
	name  string // file name without extension, such as workerman-chat-en
	md    string
	model *render.Page
}

// hostileClient names the client in the hostile pages, so that the
// prose (escaped Markdown text, not code) carries what breaks generators:
// JSX, an expression, a Hugo shortcode, HTML, a front matter line.
const hostileClient = `export const a = 1; <b >x</b> <Nick a={1}> {props.x} {{< y >}} {{% z %}} --- ~~s~~ $m$ :smile: a|b & &amp; "q" 'q' C:\dir my_trace_2-x.pcap a--b... www.example.com http://e.x/y u@e.x`

// pages renders the example pages (the shipped captures, guide style in
// every language and classic style), and pages of two hostile captures:
// hostile.pcapng, the demo's chat with messages holding Hugo shortcodes,
// JSX, MDX expressions, front matter and fences, and Chromium's capture
// with a <script> tag and a Markdown fence in a message.
func pages(t *testing.T) []page {
	t.Helper()
	var out []page
	add := func(name, file string, opts render.Options) {
		res := annotateFile(t, file)
		p, err := render.Build(res, render.Capture{Name: filepath.Base(file)}, opts)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := markdown.Write(&b, p); err != nil {
			t.Fatal(err)
		}
		out = append(out, page{name: name, md: b.String(), model: p})
	}
	for _, lang := range render.Languages() {
		add("workerman-chat-"+lang, "../workerman-chat.pcap", render.Options{Lang: lang})
	}
	add("workerman-chat-classic", "../workerman-chat.pcap", render.Options{Style: render.StyleClassic, Lang: "zh-TW"})
	add("demo-en", "../demo.pcapng", render.Options{})
	add("hostile", "hostile.pcapng", render.Options{ClientName: hostileClient})
	add("hostile-classic", "hostile.pcapng", render.Options{Style: render.StyleClassic, ClientName: hostileClient})
	add("chromium-hostile", "../../testdata/chromium-ws-plain-any.pcap", render.Options{Hex: true, ServerName: hostileClient})
	return out
}

func annotateFile(t *testing.T, path string) *annotate.Result {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := annotate.Annotate(src, annotate.Options{Location: time.UTC})
	if err != nil {
		t.Fatalf("annotate %s: %v", path, err)
	}
	return res
}

// heading is a heading of a page: its level, its text as a reader sees
// it, and its id.
type heading struct {
	level int
	text  string
	id    string
}

// block is a fenced code block of a Markdown page, or a <pre> of a site.
type block struct {
	info, text string
}

// mdHeadings returns the ATX headings of a Markdown page (outside fenced
// blocks) as their plain text, and its fenced code blocks.
func mdParts(md string) (heads []heading, blocks []block) {
	lines := strings.SplitAfter(md, "\n")
	for i := 0; i < len(lines); i++ {
		l := strings.TrimRight(lines[i], "\n")
		if n := len(l) - len(strings.TrimLeft(l, "`")); n >= 3 {
			fence := l[:n]
			var b strings.Builder
			for i++; i < len(lines) && strings.TrimRight(lines[i], "\n") != fence; i++ {
				b.WriteString(lines[i])
			}
			blocks = append(blocks, block{info: l[n:], text: b.String()})
			continue
		}
		if m := atx.FindStringSubmatch(l); m != nil {
			heads = append(heads, heading{level: len(m[1]), text: norm(plainText(m[2]))})
		}
	}
	return heads, blocks
}

var (
	atx      = regexp.MustCompile(`^(#{1,6}) (.*)$`)
	hTag     = regexp.MustCompile(`(?s)<h([1-6])([^>]*)>(.*?)</h[1-6]>`)
	idAttr   = regexp.MustCompile(`\sid="([^"]*)"`)
	preTag   = regexp.MustCompile(`(?s)<pre([^>]*)>(.*?)</pre>`)
	codeTag  = regexp.MustCompile(`^\s*(?:<span></span>)?<code([^>]*)>`)
	tags     = regexp.MustCompile(`(?s)<[^>]*>`)
	permLink = regexp.MustCompile(`(?s)<a class="headerlink"[^>]*>.*?</a>`)
	class    = regexp.MustCompile(`class="([^"]*)"`)
)

// typography undoes what Hugo's typographer (on by default) makes of the
// catalog's apostrophes and quotes.
var typography = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`)

// text returns what a reader sees of a piece of HTML.
func text(h string) string { return stdhtml.UnescapeString(tags.ReplaceAllString(h, "")) }

// norm folds white space, which generators may lay out differently.
func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// siteParts returns the headings and the <pre> blocks of a built page;
// info is "mermaid" for a block a Mermaid script would draw.
func siteParts(h string) (heads []heading, blocks []block) {
	for _, m := range hTag.FindAllStringSubmatch(h, -1) {
		id := ""
		if a := idAttr.FindStringSubmatch(m[2]); a != nil {
			id = a[1]
		}
		heads = append(heads, heading{level: int(m[1][0] - '0'), text: norm(text(permLink.ReplaceAllString(m[3], ""))), id: id})
	}
	for _, m := range preTag.FindAllStringSubmatch(h, -1) {
		classes := m[1]
		if c := codeTag.FindStringSubmatch(m[2]); c != nil {
			classes += c[1]
		}
		info := ""
		if c := class.FindAllStringSubmatch(classes, -1); c != nil {
			for _, x := range c {
				if strings.Contains(" "+x[1]+" ", " mermaid ") || strings.Contains(x[1], "language-mermaid") {
					info = "mermaid"
				}
			}
		}
		blocks = append(blocks, block{info: info, text: text(m[2])})
	}
	return heads, blocks
}

// wordJoiner is what the Markdown writer puts between "{{" and "<" or
// "%" so that Hugo does not read a shortcode there (see render/markdown).
const wordJoiner = "\u2060"

// check compares a built page with the Markdown it came from: every
// heading is there in order with its text (and, with anchors, a unique
// id), every fenced block is a <pre> with the same text in order, the
// Mermaid block arrives as a diagram, every packet's tcpdump dump is
// there whole, and no backslash of an escape shows.
//
// Python-Markdown (MkDocs) turns the tabs of code blocks into spaces, to
// stops every 4 columns; with tabs set, the expected text is expanded the
// same way.
func check(t *testing.T, site string, p page, built string, anchors bool, tabs int) []diagram {
	t.Helper()
	var diagrams []diagram
	wantH, wantB := mdParts(p.md)
	if tabs > 0 {
		for i := range wantB {
			wantB[i].text = expand(wantB[i].text, tabs)
		}
	}
	gotH, gotB := siteParts(built)
	if site == "hugo" {
		for i := range gotH {
			gotH[i].text = typography.Replace(gotH[i].text)
		}
	}
	if len(wantH) == 0 || len(wantB) == 0 {
		t.Fatalf("%s: the page has %d headings and %d blocks: the test reads it wrong", p.name, len(wantH), len(wantB))
	}
	ids := map[string]bool{}
	k := 0
	for _, w := range wantH {
		from := k
		for k < len(gotH) && (gotH[k].level != w.level || gotH[k].text != w.text) {
			k++
		}
		if k == len(gotH) {
			near := ""
			for _, g := range gotH[from:] {
				if g.level == w.level {
					near = g.text
					break
				}
			}
			t.Errorf("%s %s: heading %q (h%d) is missing or changed; the next h%d is %q", site, p.name, w.text, w.level, w.level, near)
			break
		}
		if anchors {
			if id := gotH[k].id; id == "" || ids[id] {
				t.Errorf("%s %s: heading %q has no anchor of its own (id %q)", site, p.name, w.text, id)
			} else {
				ids[id] = true
			}
		}
		k++
	}
	k = 0
	for _, w := range wantB {
		want := strings.TrimRight(w.text, "\n")
		for k < len(gotB) && strings.TrimRight(gotB[k].text, "\n") != want {
			k++
		}
		if k == len(gotB) {
			t.Errorf("%s %s: the ```%s block beginning %.80q is missing or changed", site, p.name, w.info, want)
			break
		}
		if w.info == "mermaid" {
			if gotB[k].info != "mermaid" {
				t.Errorf("%s %s: the Mermaid block arrives as a plain code block", site, p.name)
			}
			diagrams = append(diagrams, diagram{page: p.name, text: gotB[k].text, arrows: len(p.model.Diagram.Arrows)})
		}
		k++
	}
	if p.model.Diagram != nil && p.model.Style == render.StyleGuide && len(diagrams) != 1 {
		t.Errorf("%s %s: %d Mermaid diagrams", site, p.name, len(diagrams))
	}
	var all strings.Builder
	for _, b := range gotB {
		all.WriteString(strings.ReplaceAll(b.text, "{{"+wordJoiner, "{{"))
		all.WriteByte('\n')
	}
	for _, pk := range p.model.Packets {
		want := strings.TrimRight(pk.Block(), "\n")
		if tabs > 0 {
			want = expand(want, tabs)
		}
		if !strings.Contains(all.String(), want) {
			t.Errorf("%s %s: packet %d's line and dump are not shown whole", site, p.name, pk.Number)
		}
	}
	// Outside code, a backslash before punctuation is an escape the
	// generator did not take.
	prose := preTag.ReplaceAllString(built, "")
	prose = regexp.MustCompile(`(?s)<code[^>]*>.*?</code>|<script.*?</script>`).ReplaceAllString(prose, "")
	if m := regexp.MustCompile(`.{0,40}\\[!-/:-@\[-` + "`" + `{-~].{0,40}`).FindString(text(prose)); m != "" {
		t.Errorf("%s %s: an escape shows: %q", site, p.name, m)
	}
	// The hostile name's URL, domain and address must stay text. (Not in
	// MDX: remark-gfm links URL-like text after escapes are resolved, so
	// no escape can stop it; the link shows its own target.)
	if m := regexp.MustCompile(`<a [^>]*href="[^"]*(example\.com|e\.x|mailto:)[^"]*"`).FindString(built); m != "" && site != "mdx" {
		t.Errorf("%s %s: text from the wire became a link: %s", site, p.name, m)
	}
	return diagrams
}

// diagram is the text of a Mermaid block as a site delivered it, and the
// number of arrows the page's diagram has.
type diagram struct {
	page   string
	text   string
	arrows int
}

// draw hands the diagrams a site delivered to Mermaid itself (the npm
// package, in headless Chromium) and checks that each becomes an SVG
// sequence diagram with every arrow's message: what a reader of the site
// sees once its Mermaid script runs.
func draw(t *testing.T, site string, diagrams []diagram) {
	t.Helper()
	bin, err := exec.LookPath("chromium")
	if err != nil {
		testenv.Missing(t, "chromium is not installed: the Mermaid diagrams are not drawn")
		return
	}
	lib, err := filepath.Abs("mdx/node_modules/mermaid/dist/mermaid.min.js")
	if err == nil {
		_, err = os.Stat(lib)
	}
	if err != nil {
		testenv.Missing(t, "mermaid is not installed: run npm ci --prefix examples/docs-site/mdx")
		return
	}
	if len(diagrams) == 0 {
		t.Fatalf("%s: no diagram to draw", site)
	}
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>\n")
	for _, d := range diagrams {
		fmt.Fprintf(&b, "<pre class=\"mermaid\">%s</pre>\n", stdhtml.EscapeString(d.text))
	}
	fmt.Fprintf(&b, `<script src="file://%s"></script>
<script>
mermaid.initialize({startOnLoad: false});
mermaid.run().then(function () {
  var r = [];
  document.querySelectorAll("pre.mermaid").forEach(function (el) {
    r.push(el.querySelectorAll("svg").length + ":" + el.querySelectorAll(".messageText").length);
  });
  document.body.setAttribute("data-drawn", r.join(" "));
}, function (e) { document.body.setAttribute("data-drawn", "error " + e); });
</script></body></html>`, lib)
	dir := t.TempDir()
	file := filepath.Join(dir, "diagrams.html")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"), "--virtual-time-budget=30000", "--dump-dom", "file://"+file)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	m := regexp.MustCompile(`data-drawn="([^"]*)"`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("%s: Mermaid did not finish drawing", site)
	}
	got := strings.Fields(string(m[1]))
	if len(got) != len(diagrams) {
		t.Fatalf("%s: Mermaid: %s", site, m[1])
	}
	for i, d := range diagrams {
		if want := fmt.Sprintf("1:%d", d.arrows); got[i] != want {
			t.Errorf("%s %s: Mermaid drew %s (SVGs:messages), want %s", site, d.page, got[i], want)
		}
	}
}

// expand replaces the tabs of s by spaces up to the next multiple of n
// columns, line by line, as Python's str.expandtabs does.
func expand(s string, n int) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			b.WriteString(strings.Repeat(" ", n-col%n))
			col += n - col%n
		case '\n':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}

// build writes the pages into a copy of one of the example sites (dir),
// under sub, with the extra files (path from the site's root: content),
// and runs the generator there.
func build(t *testing.T, dir, sub string, ps []page, extra map[string]string, name string, args ...string) string {
	t.Helper()
	tmp := t.TempDir()
	if err := os.CopyFS(tmp, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		extra[filepath.Join(sub, p.name+".md")] = p.md
	}
	for f, content := range extra {
		if err := os.WriteFile(filepath.Join(tmp, f), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = tmp
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return tmp
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fragment returns two traces written with --fragment, with different id
// prefixes: of the hostile capture and of Chromium's.
func fragments(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	for _, f := range []struct{ file, prefix string }{{"hostile.pcapng", "a-"}, {"../../testdata/chromium-ws-plain-any.pcap", "b-"}} {
		p, err := render.Build(annotateFile(t, f.file), render.Capture{Name: filepath.Base(f.file)},
			render.Options{Fragment: true, IDPrefix: f.prefix, ClientName: hostileClient})
		if err != nil {
			t.Fatal(err)
		}
		if err := html.Write(&b, p); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// checkFragment checks that a built page holds the fragments byte for
// byte.
func checkFragment(t *testing.T, site, frag, built string) {
	t.Helper()
	if !strings.Contains(built, frag) {
		line, a, b := testenv.FirstDiff(frag, built[max(0, strings.Index(built, frag[:60])):])
		t.Errorf("%s: the HTML fragments are not in the page as written (line %d: %.200q became %.200q)", site, line, a, b)
	}
}

// TestMkDocs builds the MkDocs site of mkdocs/ with every page, and a
// page holding two HTML fragments as raw HTML.
func TestMkDocs(t *testing.T) {
	bin := testenv.NeedTool(t, "mkdocs")
	ps := pages(t)
	frag := fragments(t)
	extra := map[string]string{"docs/embed.md": "# Two traces\n\n" + frag}
	dir := build(t, "mkdocs", "docs", ps, extra, bin, "build", "--strict", "--quiet", "--site-dir", "out")
	checkFragment(t, "mkdocs", frag, read(t, filepath.Join(dir, "out", "embed", "index.html")))
	var diagrams []diagram
	for _, p := range ps {
		h := read(t, filepath.Join(dir, "out", p.name, "index.html"))
		diagrams = append(diagrams, check(t, "mkdocs", p, h, true, 4)...)
		// MkDocs takes the page's title from its first heading.
		title := regexp.MustCompile(`<title>(.*?)</title>`).FindStringSubmatch(h)
		if want := norm(plainText(p.model.Title)); title == nil || !strings.HasPrefix(stdhtml.UnescapeString(title[1]), want) {
			t.Errorf("mkdocs %s: title %q, want %q", p.name, title, want)
		}
	}
	draw(t, "mkdocs", diagrams)
}

// TestHugo builds the Hugo site of hugo/ with every page, and a page
// holding two HTML fragments through the site's wstrace shortcode.
func TestHugo(t *testing.T) {
	bin := testenv.NeedTool(t, "hugo")
	ps := pages(t)
	frag := fragments(t)
	extra := map[string]string{"traces.html": frag, "content/embed.md": "# Two traces\n\n{{< wstrace \"traces.html\" >}}\n"}
	dir := build(t, "hugo", "content", ps, extra, bin, "--quiet", "--destination", "out")
	checkFragment(t, "hugo", frag, read(t, filepath.Join(dir, "out", "embed", "index.html")))
	var diagrams []diagram
	for _, p := range ps {
		// Hugo makes every path lower case.
		h := read(t, filepath.Join(dir, "out", strings.ToLower(p.name), "index.html"))
		diagrams = append(diagrams, check(t, "hugo", p, h, true, 0)...)
	}
	draw(t, "hugo", diagrams)
}

// TestMDX compiles every page as MDX 3 (with remark-gfm, as Docusaurus
// does) and checks the HTML it renders to. mdx/node_modules comes from
// `npm ci --prefix examples/docs-site/mdx` (.ci/run runs it).
func TestMDX(t *testing.T) {
	node := testenv.NeedTool(t, "node")
	if _, err := os.Stat("mdx/node_modules/@mdx-js/mdx"); err != nil {
		testenv.Missing(t, "@mdx-js/mdx is not installed: run npm ci --prefix examples/docs-site/mdx")
	}
	ps := pages(t)
	in, out := t.TempDir(), t.TempDir()
	args := []string{"mdx/compile.mjs", out}
	for _, p := range ps {
		file := filepath.Join(in, p.name+".md")
		if err := os.WriteFile(file, []byte(p.md), 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, file)
	}
	if b, err := exec.Command(node, args...).CombinedOutput(); err != nil {
		t.Fatalf("MDX: %v\n%s", err, b)
	}
	var diagrams []diagram
	for _, p := range ps {
		diagrams = append(diagrams, check(t, "mdx", p, read(t, filepath.Join(out, p.name+".html")), false, 0)...)
	}
	draw(t, "mdx", diagrams)
}

// TestShippedPages checks that the sites' own pages are the example page
// they say they are, as wstrace renders it now.
func TestShippedPages(t *testing.T) {
	want := read(t, "../workerman-chat.en.md")
	for _, f := range []string{"mkdocs/docs/workerman-chat.md", "hugo/content/workerman-chat.md"} {
		if got := read(t, f); got != want {
			line, a, b := testenv.FirstDiff(got, want)
			t.Errorf("%s is not examples/workerman-chat.en.md (line %d: %q vs %q); run: sudo bash examples/generate.sh", f, line, a, b)
		}
	}
}

// htmlTag matches an HTML tag.
var htmlTag = regexp.MustCompile(`<[^>]*>`)

// plainText returns the text a reader sees in a line of Markdown, as
// goldmark (CommonMark) renders it.
func plainText(md string) string {
	var b bytes.Buffer
	if err := goldmark.Convert([]byte(md), &b); err != nil {
		return md
	}
	return strings.TrimSpace(stdhtml.UnescapeString(htmlTag.ReplaceAllString(b.String(), "")))
}
