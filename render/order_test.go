package render_test

import (
	"slices"
	"testing"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

// TestOrderTime checks --order time: the sections run in capture order,
// each packet in one of them once, section IDs unique, a phase's
// introduction only once; the default order groups by connection.
func TestOrderTime(t *testing.T) {
	res := rendertest.Annotate(t, "../testdata/workerman-chat.pcap")
	for _, lang := range render.Languages() {
		page, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, render.Options{Lang: lang, Order: render.OrderTime})
		if err != nil {
			t.Fatal(err)
		}
		var numbers []int
		ids := map[string]bool{}
		intros := 0
		for _, s := range page.Sections {
			if ids[s.ID] {
				t.Errorf("%s: section ID %q twice", lang, s.ID)
			}
			ids[s.ID] = true
			if s.Level != 2 || s.Title == "" || len(s.Packets) == 0 {
				t.Errorf("%s: section %q: level %d, title %q, %d packets", lang, s.ID, s.Level, s.Title, len(s.Packets))
			}
			if len(s.Prose) > 0 {
				intros++
			}
			for _, p := range s.Packets {
				numbers = append(numbers, p.Number)
			}
		}
		want := make([]int, len(page.Packets))
		for i, p := range page.Packets {
			want[i] = p.Number
		}
		if !slices.Equal(numbers, want) {
			t.Errorf("%s: the sections hold packets %v, want capture order %v", lang, numbers, want)
		}
		// At most one introduction per section: connect, tls, upgrade,
		// messages, close, teardown, other.
		if intros == 0 || intros > 7 {
			t.Errorf("%s: %d sections with an introduction", lang, intros)
		}
	}
	// The default tells each connection whole: the seed capture's second
	// connection starts at packet 12 and its packets come after all of the
	// first connection's.
	page, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, render.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var numbers []int
	for _, s := range page.Sections {
		for _, p := range s.Packets {
			numbers = append(numbers, p.Number)
		}
	}
	if slices.IsSorted(numbers) {
		t.Errorf("the default order is capture order: %v", numbers)
	}
}

func TestParseOrder(t *testing.T) {
	for in, want := range map[string]render.Order{"": render.OrderConn, "conn": render.OrderConn, "TIME": render.OrderTime} {
		if got, err := render.ParseOrder(in); err != nil || got != want {
			t.Errorf("ParseOrder(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := render.ParseOrder("random"); err == nil {
		t.Error("ParseOrder accepts random")
	}
}
