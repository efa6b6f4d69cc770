package render

import (
	"fmt"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
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
	// Name is the role's name, told apart from the other ends of the same
	// role by its port when there are several, such as "the browser,
	// port 60653".
	Name   string
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
	// Section is the part of its connection's life the packet belongs to
	// (one of [Sections]); Band names it in the diagram (plain text).
	// Arrows in a row with the same Band are drawn over one band.
	Section, Band string
}

// maxLabel is the longest arrow label, in characters, before it is cut.
const maxLabel = 44

func cutLabel(s string) string {
	s = mdsafe.Printable(strings.Join(strings.Fields(s), " "), false)
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
	for k, a := range d.Arrows {
		if a.Band != "" && (k == 0 || d.Arrows[k-1].Band != a.Band || d.Arrows[k-1].Section != a.Section) && len(d.Participants) > 0 {
			fmt.Fprintf(&b, "    Note over P0,P%d: %s\n", len(d.Participants)-1, mermaidText(cutBand(a.Band)))
		}
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
	for _, r := range mdsafe.Printable(s, false) {
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

// Geometry of the SVG drawing, in pixels. The drawing keeps its size
// whatever the window (the page scrolls it sideways), so that its labels
// stay readable on a projector.
const (
	svgColumn  = 430 // distance between lifelines
	svgMargin  = 160 // left margin, for the bands' names and the numbers
	svgHeadH   = 64  // height of the participant boxes
	svgRow     = 36  // vertical distance between arrows
	svgBoxW    = 300
	svgNumberW = 44
)

// SVG returns the diagram as an inline SVG element. All text is escaped;
// the drawing uses classes only (no style attributes), so that the page's
// style sheet colours it and a Content-Security-Policy without
// 'unsafe-inline' styles allows it. Each arrow links to its packet and
// carries its number in data-packet, for the page's presenter mode to
// highlight; each run of arrows of one phase lies on a band named after
// the phase.
func (d *Diagram) SVG(title string) string {
	n := len(d.Participants)
	if n == 0 {
		return ""
	}
	width := svgMargin*2 + svgColumn*(n-1)
	top := svgHeadH + 10
	height := top + svgRow*len(d.Arrows) + 16
	x := func(i int) int { return svgMargin + svgColumn*i }
	rowY := func(k int) int { return top + svgRow*k + svgRow/2 + 4 }
	var b strings.Builder
	// The participants are a drawing of their own, above the arrows, so
	// that a page may keep them in view while the arrows scroll.
	fmt.Fprintf(&b, `<div class="seq-heads"><svg class="seq seq-top" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" aria-hidden="true">`, width, svgHeadH, width, svgHeadH)
	for i, p := range d.Participants {
		cls := "seq-server"
		if p.Client {
			cls = "seq-client"
		}
		fmt.Fprintf(&b, `<line class="seq-life" x1="%d" y1="%d" x2="%d" y2="%d"/>`, x(i), svgHeadH-12, x(i), svgHeadH)
		fmt.Fprintf(&b, `<rect class="seq-box %s" x="%d" y="4" width="%d" height="%d" rx="8"/>`, cls, x(i)-svgBoxW/2, svgBoxW, svgHeadH-12)
		fmt.Fprintf(&b, `<text class="seq-name" x="%d" y="28">%s</text>`, x(i), html.EscapeString(cutLabel(p.Name)))
		fmt.Fprintf(&b, `<text class="seq-detail" x="%d" y="46">%s</text>`, x(i), html.EscapeString(cutLabel(p.Detail)))
	}
	b.WriteString(`</svg></div>`)
	height -= svgHeadH
	top -= svgHeadH
	fmt.Fprintf(&b, `<svg class="seq" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="seq-title">`, width, height, width, height)
	fmt.Fprintf(&b, `<title id="seq-title">%s</title>`, html.EscapeString(title))
	// The participants again, for whoever reads the drawing alone.
	ends := make([]string, len(d.Participants))
	for i, p := range d.Participants {
		ends[i] = cutLabel(p.Name) + " " + p.Detail
	}
	fmt.Fprintf(&b, `<desc>%s</desc>`, html.EscapeString(strings.Join(ends, "; ")))
	b.WriteString(`<defs><marker id="seq-head" viewBox="0 0 10 10" refX="10" refY="5" markerUnits="userSpaceOnUse" markerWidth="14" markerHeight="14" orient="auto-start-reverse"><path class="seq-head" d="M0,0L10,5L0,10z"/></marker></defs>`)
	// The bands first, under everything else.
	for k := 0; k < len(d.Arrows); {
		end := k + 1
		for end < len(d.Arrows) && d.Arrows[end].Band == d.Arrows[k].Band && d.Arrows[end].Section == d.Arrows[k].Section {
			end++
		}
		if a := d.Arrows[k]; a.Band != "" {
			y := top + svgRow*k
			fmt.Fprintf(&b, `<g class="seq-band seq-band-%s"><rect x="0" y="%d" width="%d" height="%d"/>`,
				cssName(a.Section), y, width, svgRow*(end-k))
			// The name again every few rows, so that a window on a long
			// band still shows it.
			for r := k; r < end; r += bandRepeat {
				fmt.Fprintf(&b, `<text x="8" y="%d">%s</text>`, top+svgRow*r+15, html.EscapeString(cutBand(a.Band)))
			}
			b.WriteString(`</g>`)
		}
		k = end
	}
	for i := range d.Participants {
		fmt.Fprintf(&b, `<line class="seq-life" x1="%d" y1="0" x2="%d" y2="%d"/>`, x(i), x(i), height-8)
	}
	for k, a := range d.Arrows {
		y := rowY(k)
		cls := "seq-arrow"
		if a.Light {
			cls += " seq-light"
		}
		x1, x2 := x(a.From), x(a.To)
		fmt.Fprintf(&b, `<a href="#%s" class="seq-link" data-packet="%d">`, html.EscapeString(a.Ref), a.Packet)
		fmt.Fprintf(&b, `<rect class="seq-hit" x="%d" y="%d" width="%d" height="%d"/>`, min(x1, x2)-svgNumberW, y-svgRow+10, abs(x2-x1)+svgNumberW, svgRow-2)
		fmt.Fprintf(&b, `<text class="seq-num" x="%d" y="%d">%d</text>`, min(x1, x2)-14, y+5, a.Packet)
		fmt.Fprintf(&b, `<line class="%s" x1="%d" y1="%d" x2="%d" y2="%d" marker-end="url(#seq-head)"/>`, cls, x1, y, x2, y)
		fmt.Fprintf(&b, `<text class="seq-label" x="%d" y="%d">%s</text>`, (x1+x2)/2, y-7, html.EscapeString(cutLabel(a.Label)))
		b.WriteString(`</a>`)
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// bandRepeat is how many rows apart a band's name is written.
const bandRepeat = 5

// maxBand is the longest band name, in characters, before it is cut.
const maxBand = 18

func cutBand(s string) string {
	s = mdsafe.Printable(strings.Join(strings.Fields(s), " "), false)
	if r := []rune(s); len(r) > maxBand {
		return string(r[:maxBand-1]) + "…"
	}
	return s
}

// cssName keeps the letters, digits and dashes of s, for a class name.
func cssName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
