package render

import (
	"fmt"
	"html"
	"strings"
	"unicode/utf8"
)

// A Diagram is a sequence diagram: the ends of the connections as
// participants, and one arrow per packet shown.
type Diagram struct {
	Participants []Participant
	Arrows       []Arrow
	// Omitted counts packets left out of the diagram (the page says why
	// with Note).
	Omitted int
	// Note is a Markdown sentence under the diagram, or "".
	Note string
}

// A Participant is one end: a browser or a server.
type Participant struct {
	Name   string // the role's name, such as "the browser"
	Detail string // its address, such as "127.0.0.1:60653"
	Client bool
}

// An Arrow is one packet going from one participant to another.
type Arrow struct {
	From, To int    // indexes into Participants
	Packet   int    // packet number
	Ref      string // the packet's anchor on the page
	Label    string // plain text
	// Light marks packets that only acknowledge (drawn dashed).
	Light bool
}

// maxLabel is the longest arrow label, in characters, before it is cut.
const maxLabel = 44

func cutLabel(s string) string {
	s = Printable(strings.Join(strings.Fields(s), " "), false)
	if utf8.RuneCountInString(s) <= maxLabel {
		return s
	}
	r := []rune(s)
	return string(r[:maxLabel-1]) + "…"
}

// Mermaid returns the diagram as Mermaid source (without the code fence).
// Labels keep letters, digits and harmless punctuation; every other ASCII
// character is written as a Mermaid entity code (#59; and so on), so that
// nothing in a label can end a statement, start a comment or be read as
// HTML.
func (d *Diagram) Mermaid() string {
	var b strings.Builder
	b.WriteString("sequenceDiagram\n")
	for i, p := range d.Participants {
		fmt.Fprintf(&b, "    participant P%d as %s\n", i, mermaidText(p.Name+" "+p.Detail))
	}
	for _, a := range d.Arrows {
		arrow := "->>"
		if a.Light {
			arrow = "-->>"
		}
		fmt.Fprintf(&b, "    P%d%sP%d: %s\n", a.From, arrow, a.To, mermaidText(fmt.Sprintf("%d %s", a.Packet, cutLabel(a.Label))))
	}
	return b.String()
}

func mermaidText(s string) string {
	var b strings.Builder
	for _, r := range Printable(s, false) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r >= utf8.RuneSelf,
			strings.ContainsRune(" .,/()[]-_+=?!@*'^$|:", r):
			b.WriteRune(r)
		default:
			fmt.Fprintf(&b, "#%d;", r)
		}
	}
	return b.String()
}

// Geometry of the SVG drawing, in pixels.
const (
	svgColumn  = 380 // distance between lifelines
	svgMargin  = 150 // left margin, for the first lifeline's label
	svgHeadH   = 64  // height of the participant boxes
	svgRow     = 34  // vertical distance between arrows
	svgBoxW    = 220
	svgNumberW = 44
)

// SVG returns the diagram as an inline SVG element. All text is escaped;
// the drawing uses classes only (no style attributes), so that the page's
// style sheet colours it and a Content-Security-Policy without
// 'unsafe-inline' styles allows it. Each arrow links to its packet.
func (d *Diagram) SVG(title string) string {
	n := len(d.Participants)
	if n == 0 {
		return ""
	}
	width := svgMargin*2 + svgColumn*(n-1)
	height := svgHeadH + 24 + svgRow*len(d.Arrows) + 16
	x := func(i int) int { return svgMargin + svgColumn*i }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="seq" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" role="img" aria-labelledby="seq-title">`, width, height, width)
	fmt.Fprintf(&b, `<title id="seq-title">%s</title>`, html.EscapeString(title))
	b.WriteString(`<defs><marker id="seq-head" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path class="seq-head" d="M0,0L10,5L0,10z"/></marker></defs>`)
	for i, p := range d.Participants {
		cls := "seq-server"
		if p.Client {
			cls = "seq-client"
		}
		fmt.Fprintf(&b, `<line class="seq-life" x1="%d" y1="%d" x2="%d" y2="%d"/>`, x(i), svgHeadH, x(i), height-8)
		fmt.Fprintf(&b, `<rect class="seq-box %s" x="%d" y="4" width="%d" height="%d" rx="8"/>`, cls, x(i)-svgBoxW/2, svgBoxW, svgHeadH-12)
		fmt.Fprintf(&b, `<text class="seq-name" x="%d" y="28">%s</text>`, x(i), html.EscapeString(cutLabel(p.Name)))
		fmt.Fprintf(&b, `<text class="seq-detail" x="%d" y="46">%s</text>`, x(i), html.EscapeString(cutLabel(p.Detail)))
	}
	for k, a := range d.Arrows {
		y := svgHeadH + 24 + svgRow*k + 14
		cls := "seq-arrow"
		if a.Light {
			cls += " seq-light"
		}
		x1, x2 := x(a.From), x(a.To)
		fmt.Fprintf(&b, `<a href="#%s" class="seq-link">`, html.EscapeString(a.Ref))
		fmt.Fprintf(&b, `<text class="seq-num" x="%d" y="%d">%d</text>`, min(x1, x2)-14, y+4, a.Packet)
		fmt.Fprintf(&b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#seq-head)"/>`, cls, x1, y, x2, y)
		fmt.Fprintf(&b, `<text class="seq-label" x="%d" y="%d">%s</text>`, (x1+x2)/2, y-6, html.EscapeString(cutLabel(a.Label)))
		b.WriteString(`</a>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}
