// Package html writes a tutorial page ([render.Page]) as one
// self-contained HTML file: inline CSS, an inline SVG sequence diagram, a
// small inline script, and a Content-Security-Policy that allows those two
// by their hashes and nothing else, so the page makes no network request.
//
// Text written in Markdown (the catalog's sentences, with everything from
// the wire escaped) goes through goldmark with raw HTML disabled; raw text
// (tcpdump lines, dumps, payloads) is escaped by html/template. The layout
// is templates/layout/page.html.tmpl with page.css and page.js, which
// `--templates DIR` can replace.
package html

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"sort"
	"strings"

	"github.com/yuin/goldmark"

	"github.com/wstrace/wstrace/render"
)

// Write writes the page as HTML.
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
	t, err := template.New("page").Option("missingkey=error").Parse(src)
	if err != nil {
		return fmt.Errorf("html: layout: %w", err)
	}
	v := newView(p)
	v.CSS = template.CSS(css)
	v.Script = template.JS(js)
	v.CSP = "default-src 'none'; style-src " + hash(css) + "; script-src " + hash(js) +
		"; img-src data:; base-uri 'none'; form-action 'none'"
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("html: layout: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("html: %w", err)
	}
	return nil
}

// hash returns the CSP source expression that allows exactly s.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// view is what the layout sees.
type view struct {
	Lang, Generator string
	TitleText       string
	Title           template.HTML
	Intro           []template.HTML
	Labels          map[string]template.HTML
	TOC             []tocEntry
	Summary         []fact
	Notes           []template.HTML
	Diagram         template.HTML
	DiagramNote     template.HTML
	Classic         template.HTML
	Sections        []section
	Legend          []fact
	CSS             template.CSS
	Script          template.JS
	CSP             string
}

type tocEntry struct {
	ID    string
	Level int
	Title template.HTML
}

type fact struct{ Label, Value template.HTML }

type section struct {
	ID      string
	Level   int
	Title   template.HTML
	Prose   []template.HTML
	Packets []packet
}

type packet struct {
	ID         string
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
	Text   string
	Lang   string
	Hex    string
	Note   template.HTML
}

func newView(p *render.Page) *view {
	md := render.NewMarkdown()
	v := &view{
		Lang: p.Lang, Generator: p.Generator,
		TitleText: render.PlainText(p.Title),
		Title:     inline(md, p.Title),
		Labels:    map[string]template.HTML{},
	}
	for _, k := range []string{"ui.label.contents", "ui.label.summary", "ui.label.diagram", "ui.label.legend", "ui.label.packets",
		"ui.label.field", "ui.label.bits", "ui.label.value", "ui.label.meaning", "ui.label.bytes", "ui.label.generated", "ui.label.top"} {
		v.Labels[strings.TrimPrefix(k, "ui.label.")] = inline(md, p.Label(k))
	}
	for _, s := range p.Intro {
		v.Intro = append(v.Intro, block(md, s))
	}
	v.TOC = append(v.TOC, tocEntry{ID: "summary", Level: 2, Title: v.Labels["summary"]})
	for _, f := range p.Summary {
		v.Summary = append(v.Summary, fact{Label: inline(md, f.Label), Value: inline(md, f.Value)})
	}
	for _, n := range p.Notes {
		v.Notes = append(v.Notes, inline(md, n))
	}
	if d := p.Diagram; d != nil && p.Style == render.StyleGuide {
		v.Diagram = template.HTML(d.SVG(render.PlainText(p.Label("ui.label.diagram"))))
		if d.Note != "" {
			v.DiagramNote = inline(md, d.Note)
		}
		v.TOC = append(v.TOC, tocEntry{ID: "diagram", Level: 2, Title: v.Labels["diagram"]})
	}
	if p.Style == render.StyleClassic {
		v.Classic = classic(p.Packets)
		v.TOC = append(v.TOC, tocEntry{ID: "packets", Level: 2, Title: v.Labels["packets"]})
	} else {
		for _, s := range p.Sections {
			sv := section{ID: s.ID, Level: s.Level, Title: inline(md, s.Title)}
			for _, para := range s.Prose {
				sv.Prose = append(sv.Prose, block(md, para))
			}
			for _, pk := range s.Packets {
				sv.Packets = append(sv.Packets, packetView(md, pk, min(s.Level+1, 6)))
			}
			v.Sections = append(v.Sections, sv)
			v.TOC = append(v.TOC, tocEntry{ID: s.ID, Level: s.Level, Title: sv.Title})
		}
	}
	for _, f := range p.Legend {
		v.Legend = append(v.Legend, fact{Label: inline(md, f.Label), Value: inline(md, f.Value)})
	}
	v.TOC = append(v.TOC, tocEntry{ID: "legend", Level: 2, Title: v.Labels["legend"]})
	return v
}

func packetView(md goldmark.Markdown, p *render.Packet, level int) packet {
	pv := packet{ID: p.ID, Level: level, FromClient: p.FromClient, Heading: inline(md, p.Heading), Line: p.Line, Dump: Dump(p.Dump, p.Marks)}
	for _, s := range p.Text {
		pv.Text = append(pv.Text, inline(md, s))
	}
	for _, n := range p.Notes {
		pv.Notes = append(pv.Notes, inline(md, n))
	}
	for _, f := range p.Frames {
		fv := frame{Title: inline(md, f.Title), Diagram: f.Diagram}
		for _, r := range f.Rows {
			fv.Rows = append(fv.Rows, row{Name: r.Name, Bits: r.Bits, Hex: r.Hex, Mark: r.Mark, Value: inline(md, r.Value), Meaning: inline(md, r.Meaning)})
		}
		pv.Frames = append(pv.Frames, fv)
	}
	for _, pl := range p.Payloads {
		v := payload{Title: inline(md, pl.Title), Unmask: pl.Unmask, Text: pl.Text, Lang: pl.Lang}
		for _, s := range pl.Steps {
			v.Steps = append(v.Steps, inline(md, s))
		}
		if pl.Hex != nil {
			v.Hex = pl.Hex.String()
		}
		if pl.Note != "" {
			v.Note = inline(md, pl.Note)
		}
		pv.Payloads = append(pv.Payloads, v)
	}
	return pv
}

// block converts Markdown to HTML with goldmark (raw HTML is never passed
// through: goldmark drops it unless told otherwise).
func block(md goldmark.Markdown, s string) template.HTML {
	var b bytes.Buffer
	if err := md.Convert([]byte(s), &b); err != nil {
		return template.HTML(template.HTMLEscapeString(s))
	}
	return template.HTML(b.String())
}

// inline converts one paragraph of Markdown to HTML without the <p>.
func inline(md goldmark.Markdown, s string) template.HTML {
	h := strings.TrimSpace(string(block(md, s)))
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
	cur := ""
	open := false
	for i, line := range d.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		for _, c := range line {
			ids := ""
			if c.Byte >= 0 {
				ids = marksAt(marks, c.Byte)
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
			b.WriteString(template.HTMLEscapeString(c.Text))
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

// marksAt returns the IDs of the marks covering byte i, space-separated,
// in a stable order.
func marksAt(marks []render.Mark, i int) string {
	var ids []string
	for _, m := range marks {
		if i >= m.Start && i < m.End {
			ids = append(ids, m.ID)
		}
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}

// classic writes the classic code block: comments in <span class="cm">,
// each packet's line and dump after an anchor.
func classic(packets []*render.Packet) template.HTML {
	var b strings.Builder
	for i, p := range packets {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(`<span class="pk" id="` + template.HTMLEscapeString(p.ID) + `">`)
		b.WriteString(`<span class="cm">` + template.HTMLEscapeString(p.Comment()) + `</span>`)
		b.WriteString(`<span class="tline">` + template.HTMLEscapeString(p.Line) + "</span>\n")
		b.WriteString(template.HTMLEscapeString(p.Dump.String()))
		b.WriteString(`</span>`)
	}
	return template.HTML(b.String())
}
