// Package html writes a tutorial page ([render.Page]) as one
// self-contained HTML file: inline CSS, an inline SVG sequence diagram, a
// small inline script, and a Content-Security-Policy that allows those two
// by their hashes and nothing else, so the page makes no network request.
//
// Text written in Markdown (the catalog's sentences, with everything from
// the wire escaped) goes through goldmark with raw HTML disabled; raw text
// (tcpdump lines, dumps, payloads) is escaped by html/template. The layout
// is templates/layout/page.html.tmpl with page.css, document.css and
// page.js, which `--templates DIR` can replace.
//
// Everything the trace shows is inside one root element of class
// "wstrace": every rule of page.css is scoped under it, and page.js looks
// for its elements only inside it, so a trace can share a page with the
// host's own content and with other traces. Colors follow the reader's
// prefers-color-scheme, or a "dark" or "light" class on the root or on an
// ancestor. document.css holds the only rules for <html> and <body>.
package html

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"iter"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/yuin/goldmark"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"github.com/wstrace/wstrace/render/internal/safewriter"
)

// Write writes the page as HTML. The page goes to w as the layout runs,
// each packet made into HTML when the layout reaches it, so a layout that
// fails part way (a --templates override, say) may leave part of the page
// written.
func Write(w io.Writer, p *render.Page) error {
	layout := p.Layout()
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(layout, name)
		if err != nil {
			return "", fmt.Errorf("html: reading layout: %w", err)
		}
		return string(b), nil
	}
	src, err := read("layout/page.html.tmpl")
	if err != nil {
		return err
	}
	css, err := read("layout/page.css")
	if err != nil {
		return err
	}
	js, err := read("layout/page.js")
	if err != nil {
		return err
	}
	// Presenter mode comes in files of its own.
	presentCSS, err := read("layout/present.css")
	if err != nil {
		return err
	}
	presentJS, err := read("layout/present.js")
	if err != nil {
		return err
	}
	css += "\n" + presentCSS
	js += "\n" + presentJS
	if !p.Fragment {
		doc, err := read("layout/document.css")
		if err != nil {
			return err
		}
		css = doc + css
	}
	t, err := template.New("page").Option("missingkey=error").Parse(src)
	if err != nil {
		return fmt.Errorf("html: layout: %w", err)
	}
	v := newView(p)
	v.CSS = template.CSS(css)
	v.Script = template.JS(js)
	v.CSP = "default-src 'none'; style-src " + hash(css) + "; script-src " + hash(js) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
	if p.Fragment {
		// A fragment has no <head> for a Content-Security-Policy; a host
		// page with one of its own needs these two hashes in it.
		v.FragmentNote = template.HTML("<!-- " + p.Generator + " fragment: a Content-Security-Policy of the page around it" +
			" allows its inline style and script with style-src " + hash(css) + " and script-src " + hash(js) + " -->")
	}
	// The page goes out as the layout runs; each packet's HTML is made
	// when the layout reaches it and dropped once written.
	// Everything goes through safewriter.Writer, the one step that keeps
	// control characters from the wire out of the page.
	ew := &errWriter{w: w}
	sw := safewriter.New(ew)
	if err := t.Execute(sw, v); err != nil {
		if ew.err != nil {
			return fmt.Errorf("html: %w", ew.err)
		}
		return fmt.Errorf("html: layout: %w", err)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	return nil
}

// errWriter remembers the first error of the writer it wraps, to tell a
// failed write from a failing layout.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	n, err := e.w.Write(p)
	if err != nil && e.err == nil {
		e.err = err
	}
	return n, err
}

// hash returns the CSP source expression that allows exactly s.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// view is what the layout sees.
type view struct {
	Lang, Generator string
	// LangClass names a Chinese page's language as a class of the root
	// element ("lang-zh-cn"), which the style sheet picks fonts by.
	LangClass   string
	TitleText   string
	Title       template.HTML
	Intro       []template.HTML
	Labels      map[string]template.HTML
	TOC         []tocEntry
	Summary     []fact
	Notes       []template.HTML
	Diagram     template.HTML
	DiagramNote template.HTML
	Classic     template.HTML
	Sections    []section
	Legend      []fact
	Glossary    []fact
	Exercises   []exercise
	References  []reference
	CSS         template.CSS
	Script      template.JS
	CSP         string
	// Fragment leaves out the document around the trace: no <html>,
	// <head> or <body>, the style sheet inside the trace's root element.
	Fragment     bool
	FragmentNote template.HTML
	// P is the prefix of every id (render.Options.IDPrefix). The view's
	// ID fields have it already; the layout adds it to the ids it writes
	// itself.
	P string
}

type tocEntry struct {
	ID    string
	Level int
	Title template.HTML
}

type fact struct{ Label, Value template.HTML }

type exercise struct{ Question, Answer template.HTML }

type reference struct {
	Title template.HTML
	URL   string
}

type section struct {
	ID    string
	Level int
	Title template.HTML
	Prose []template.HTML
	// Packets yields the section's packets, each made into HTML when the
	// layout reaches it, so that no more than one packet's HTML is held at
	// a time.
	Packets iter.Seq[packet]
}

type packet struct {
	ID         string
	Number     int
	Level      int
	FromClient bool
	Heading    template.HTML
	Text       []template.HTML
	Line       string
	Dump       template.HTML
	Notes      []template.HTML
	Frames     []frame
	Payloads   []payload
}

type frame struct {
	Title   template.HTML
	Diagram string
	Rows    []row
}

type row struct {
	Name, Bits, Hex, Mark string
	Value, Meaning        template.HTML
}

type payload struct {
	Title  template.HTML
	Steps  []template.HTML
	Unmask [][]string
	Text   template.HTML // escaped, tabs as &#9; (see escapeDump)
	Lang   string
	Hex    template.HTML
	Note   template.HTML
}

func newView(p *render.Page) *view {
	md := newConverter()
	md.prefix = p.IDPrefix
	P := p.IDPrefix
	v := &view{
		Fragment: p.Fragment, P: P,
		Lang: p.Lang, Generator: p.Generator, LangClass: langClass(p.Lang),
		TitleText: mdsafe.PlainText(p.Title),
		Title:     md.inline(p.Title),
		Labels:    map[string]template.HTML{},
	}
	for _, k := range []string{"ui.label.contents", "ui.label.summary", "ui.label.diagram", "ui.label.legend", "ui.label.packets",
		"ui.label.field", "ui.label.bits", "ui.label.value", "ui.label.meaning", "ui.label.bytes", "ui.label.generated", "ui.label.top", "ui.label.present", "ui.label.present-keys",
		"ui.label.glossary", "ui.label.exercises", "ui.label.answer", "ui.label.references"} {
		v.Labels[strings.TrimPrefix(k, "ui.label.")] = md.inline(p.Label(k))
	}
	for _, s := range p.Intro {
		v.Intro = append(v.Intro, md.block(s))
	}
	v.TOC = append(v.TOC, tocEntry{ID: P + "summary", Level: 2, Title: v.Labels["summary"]})
	for _, f := range p.Summary {
		v.Summary = append(v.Summary, fact{Label: md.inline(f.Label), Value: md.inline(f.Value)})
	}
	for _, n := range p.Notes {
		v.Notes = append(v.Notes, md.inline(n))
	}
	if d := p.Diagram; d != nil && p.Style == render.StyleGuide {
		v.Diagram = template.HTML(prefixIDs(d.SVG(mdsafe.PlainText(p.Label("ui.label.diagram"))), P))
		if d.Note != "" {
			v.DiagramNote = md.inline(d.Note)
		}
		v.TOC = append(v.TOC, tocEntry{ID: P + "diagram", Level: 2, Title: v.Labels["diagram"]})
	}
	if p.Style == render.StyleClassic {
		v.Classic = classic(p.Packets, P)
		v.TOC = append(v.TOC, tocEntry{ID: P + "packets", Level: 2, Title: v.Labels["packets"]})
	} else {
		for _, s := range p.Sections {
			sv := section{ID: P + s.ID, Level: s.Level, Title: md.inline(s.Title)}
			for _, para := range s.Prose {
				sv.Prose = append(sv.Prose, md.block(para))
			}
			sv.Packets = md.packets(s.Packets, min(s.Level+1, 6))
			v.Sections = append(v.Sections, sv)
			v.TOC = append(v.TOC, tocEntry{ID: sv.ID, Level: s.Level, Title: sv.Title})
		}
	}
	for _, f := range p.Legend {
		v.Legend = append(v.Legend, fact{Label: md.inline(f.Label), Value: md.inline(f.Value)})
	}
	v.TOC = append(v.TOC, tocEntry{ID: P + "legend", Level: 2, Title: v.Labels["legend"]})
	for _, f := range p.Glossary {
		v.Glossary = append(v.Glossary, fact{Label: md.inline(f.Label), Value: md.inline(f.Value)})
	}
	if len(v.Glossary) > 0 {
		v.TOC = append(v.TOC, tocEntry{ID: P + "glossary", Level: 2, Title: v.Labels["glossary"]})
	}
	for _, e := range p.Exercises {
		v.Exercises = append(v.Exercises, exercise{Question: md.inline(e.Question), Answer: md.inline(e.Answer)})
	}
	if len(v.Exercises) > 0 {
		v.TOC = append(v.TOC, tocEntry{ID: P + "exercises", Level: 2, Title: v.Labels["exercises"]})
	}
	for _, r := range p.References {
		v.References = append(v.References, reference{Title: md.inline(r.Title), URL: r.URL})
	}
	if len(v.References) > 0 {
		v.TOC = append(v.TOC, tocEntry{ID: P + "references", Level: 2, Title: v.Labels["references"]})
	}
	return v
}

// pipelineFrom is the least number of packets of a section whose views
// are made by a goroutine of their own while the layout writes the ones
// before.
const pipelineFrom = 8

// packets yields the views of packets, made one at a time. For a section
// of many packets they are made a little ahead by another goroutine, with
// a converter of its own.
func (md *converter) packets(list []*render.Packet, level int) iter.Seq[packet] {
	return func(yield func(packet) bool) {
		if len(list) < pipelineFrom {
			for _, p := range list {
				if !yield(md.packet(p, level)) {
					return
				}
			}
			return
		}
		conv := md.spare
		md.spare = nil
		if conv == nil {
			conv = newConverter()
		}
		conv.prefix = md.prefix
		views := make(chan packet, 16)
		stop := make(chan struct{})
		go func() {
			defer close(views)
			for _, p := range list {
				select {
				case views <- conv.packet(p, level):
				case <-stop:
					return
				}
			}
		}()
		defer func() {
			close(stop)
			for range views { // wait for the goroutine to end
			}
			md.spare = conv
		}()
		for pv := range views {
			if !yield(pv) {
				return
			}
		}
	}
}

// packet makes the view of a packet.
func (md *converter) packet(p *render.Packet, level int) packet {
	pv := packet{ID: md.prefix + p.ID, Number: p.Number, Level: level, FromClient: p.FromClient, Heading: md.inline(p.Heading), Line: p.Line, Dump: Dump(p.Dump, p.Marks)}
	for _, s := range p.Text {
		pv.Text = append(pv.Text, md.inline(s))
	}
	for _, n := range p.Notes {
		pv.Notes = append(pv.Notes, md.inline(n))
	}
	for _, f := range p.Frames {
		fv := frame{Title: md.inline(f.Title), Diagram: f.Diagram}
		for _, r := range f.Rows {
			fv.Rows = append(fv.Rows, row{Name: r.Name, Bits: r.Bits, Hex: r.Hex, Mark: r.Mark, Value: md.inline(r.Value), Meaning: md.inline(r.Meaning)})
		}
		pv.Frames = append(pv.Frames, fv)
	}
	for _, pl := range p.Payloads {
		v := payload{Title: md.inline(pl.Title), Unmask: pl.Unmask, Text: template.HTML(escapeDump(pl.Text)), Lang: pl.Lang}
		for _, s := range pl.Steps {
			v.Steps = append(v.Steps, md.inline(s))
		}
		if pl.Hex != nil {
			v.Hex = template.HTML(escapeDump(pl.Hex.String()))
		}
		if pl.Note != "" {
			v.Note = md.inline(pl.Note)
		}
		pv.Payloads = append(pv.Payloads, v)
	}
	return pv
}

// converter turns Markdown into HTML with goldmark. It keeps its buffers
// from one conversion to the next (goldmark would otherwise make a
// buffered writer for each), so it is for one goroutine at a time.
type converter struct {
	md  goldmark.Markdown
	buf bytes.Buffer
	bw  *bufio.Writer
	// spare is a converter for the goroutine that makes a section's
	// packets (see packets), kept from one section to the next.
	spare *converter
	// prefix goes in front of every id and internal link.
	prefix string
}

func newConverter() *converter {
	c := &converter{md: mdsafe.Markdown()}
	c.bw = bufio.NewWriter(&c.buf)
	return c
}

// block converts Markdown to HTML with goldmark (raw HTML is never passed
// through: goldmark drops it unless told otherwise).
func (c *converter) block(s string) template.HTML {
	return template.HTML(c.convert(s))
}

// convert returns the HTML of s as a string.
func (c *converter) convert(s string) string {
	c.buf.Reset()
	c.bw.Reset(&c.buf)
	if err := c.md.Convert([]byte(s), c.bw); err != nil {
		return template.HTMLEscapeString(s)
	}
	out := shortCode.ReplaceAllString(c.buf.String(), `<code class="nw">$1</code>`)
	if c.prefix != "" {
		// goldmark escapes '"' in text, so this is a link's attribute.
		return strings.ReplaceAll(out, `href="#`, `href="#`+c.prefix)
	}
	return out
}

// langClass returns the class that picks a language's fonts, or "".
func langClass(lang string) string {
	if strings.HasPrefix(lang, "zh-") {
		return "lang-" + strings.ToLower(lang)
	}
	return ""
}

// shortCode matches a code span short enough to keep on one line (a
// masking key, a flag, a port): the page's CSS does not let it break.
var shortCode = regexp.MustCompile(`<code>([^<]{1,32})</code>`)

// prefixIDs puts prefix in front of every id of a fragment of HTML or SVG
// that this package or render wrote (in which '"' never occurs in text)
// and of every reference to one: id, href="#…", url(#…) and the aria
// attributes that name ids.
func prefixIDs(s, prefix string) string {
	if prefix == "" {
		return s
	}
	return idRefs.ReplaceAllString(s, "${1}"+prefix)
}

var idRefs = regexp.MustCompile(`((?:\s(?:id|aria-labelledby|aria-describedby)=")|href="#|url\(#)`)

// inline converts one paragraph of Markdown to HTML without the <p>.
func (c *converter) inline(s string) template.HTML {
	h := strings.TrimSpace(c.convert(s))
	if strings.HasPrefix(h, "<p>") && strings.HasSuffix(h, "</p>") && strings.Count(h, "<p>") == 1 {
		h = h[len("<p>") : len(h)-len("</p>")]
	}
	return template.HTML(h)
}

// Dump writes a dump as HTML: its text escaped, each run of bytes that
// belongs to marks wrapped in <span data-m="ID ..."> so that the page can
// highlight a field's bytes.
func Dump(d *render.Dump, marks []render.Mark) template.HTML {
	var b strings.Builder
	b.Grow(d.Shown * 5 / 4)
	var ms markSet
	cur := ""
	open := false
	first := true
	for line := range d.All() {
		if !first {
			b.WriteByte('\n')
		}
		first = false
		for _, c := range line {
			ids := ""
			if c.Byte >= 0 && len(marks) > 0 {
				ids = ms.at(marks, c.Byte)
			}
			if ids != cur {
				if open {
					b.WriteString("</span>")
					open = false
				}
				if ids != "" {
					b.WriteString(`<span data-m="` + ids + `">`)
					open = true
				}
				cur = ids
			}
			b.WriteString(escapeDump(c.Text))
		}
		if open { // keep spans inside lines
			b.WriteString("</span>")
			open = false
			cur = ""
		}
	}
	b.WriteByte('\n')
	return template.HTML(b.String())
}

// escapeDump escapes dump text for HTML, writing tabs as "&#9;": the same
// tab to a browser, but Python-Markdown (MkDocs), which a --fragment may
// pass through, turns a literal tab into spaces even inside raw HTML.
func escapeDump(s string) string {
	s = template.HTMLEscapeString(s)
	if strings.IndexByte(s, '\t') >= 0 {
		s = strings.ReplaceAll(s, "\t", "&#9;")
	}
	return s
}

// markSet finds the marks that cover a byte, remembering the last answer:
// neighbouring bytes are mostly covered by the same marks.
type markSet struct {
	covering []int // indexes of the marks of ids
	scratch  []int
	ids      string
}

// at returns the IDs of the marks covering byte i, space-separated, in a
// stable order.
func (s *markSet) at(marks []render.Mark, i int) string {
	s.scratch = s.scratch[:0]
	for k, m := range marks {
		if i >= m.Start && i < m.End {
			s.scratch = append(s.scratch, k)
		}
	}
	if slices.Equal(s.scratch, s.covering) {
		return s.ids
	}
	s.covering = append(s.covering[:0], s.scratch...)
	ids := make([]string, len(s.covering))
	for j, k := range s.covering {
		ids[j] = marks[k].ID
	}
	sort.Strings(ids)
	s.ids = strings.Join(ids, " ")
	return s.ids
}

// classic writes the classic code block: comments in <span class="cm">,
// each packet's line and dump after an anchor.
func classic(packets []*render.Packet, prefix string) template.HTML {
	var b strings.Builder
	endsBlank := false // the last dump ends with a blank line (an HTTP head's)
	for i, p := range packets {
		if i > 0 && !endsBlank {
			b.WriteByte('\n')
		}
		dump := p.Dump.String()
		endsBlank = strings.HasSuffix(dump, "\n\n")
		b.WriteString(`<span class="pk" id="` + template.HTMLEscapeString(prefix+p.ID) + `">`)
		b.WriteString(`<span class="cm">` + template.HTMLEscapeString(p.Comment()) + `</span>`)
		b.WriteString(`<span class="tline">` + template.HTMLEscapeString(p.Line) + "</span>\n")
		b.WriteString(escapeDump(dump))
		b.WriteString(`</span>`)
	}
	return template.HTML(b.String())
}
