package render

import (
	"regexp"
	"strings"
	"testing"
)

func TestDiagram(t *testing.T) {
	d := &Diagram{
		Participants: []Participant{{Name: "the <b>browser</b>", Detail: "127.0.0.1:1", Client: true}, {Name: "the server", Detail: "127.0.0.1:2"}},
		Arrows: []Arrow{
			{From: 0, To: 1, Packet: 1, Ref: "p1", Label: "[S]"},
			{From: 1, To: 0, Packet: 2, Ref: "p2", Label: `text {"a":"<script>alert(1)</script>; %% #x ` + "```" + `"}`, Light: true},
		},
	}
	m := d.Mermaid()
	entity := regexp.MustCompile(`#[0-9]+;`)
	for _, line := range strings.Split(m, "\n")[1:] {
		label := line
		if i := strings.Index(line, ": "); i >= 0 {
			label = line[i+2:]
		} else if i := strings.Index(line, " as "); i >= 0 {
			label = line[i+4:]
		}
		label = entity.ReplaceAllString(label, "")
		if i := strings.IndexAny(label, "<>;%#`\"{}&\\"); i >= 0 {
			t.Errorf("Mermaid label keeps %q: %s", label[i], line)
		}
	}
	if !strings.Contains(m, "P1-->>P0: 2 text #123;#34;a#34;:#34;#60;script#62;") {
		t.Errorf("unexpected Mermaid:\n%s", m)
	}
	svg := d.SVG("title <x>")
	if strings.Contains(svg, "<script") || strings.Contains(svg, "<b>") || strings.Contains(svg, "<x>") {
		t.Errorf("SVG lets markup through:\n%s", svg)
	}
	if strings.Contains(svg, "style=") {
		t.Error("SVG uses style attributes, which the page's CSP forbids")
	}
	if !strings.Contains(svg, `href="#p2"`) {
		t.Error("arrows do not link to their packets")
	}
}
