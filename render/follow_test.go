package render_test

import (
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
)

// TestFollowerMatchesPage feeds a real session to a Follower one packet at a
// time and checks each packet's explanation against the classic page of
// the whole capture: the same title (phase) and the same account of what
// each ACK acknowledges, which needs the packets before it. (Notes a page
// gives once, such as why a dump breaks a line, come with every packet.)
func TestFollowerMatchesPage(t *testing.T) {
	path := filepath.Join("..", "testdata", "workerman-chat.pcap")
	opts := render.Options{Style: render.StyleClassic, Lang: "en"}
	var err error
	if opts.Catalog, err = render.LoadCatalog("en", ""); err != nil {
		t.Fatal(err)
	}
	r, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	whole, err := render.Build(res, render.Capture{Name: "lo"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]string{}
	for _, p := range whole.Packets {
		want[p.Number] = facts(p.Comment())
	}

	r2, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	fl := render.NewFollower(annotate.Options{Location: time.UTC, Emit: func(annotate.Record) error { return nil }}, opts, render.Capture{Name: "lo"})
	n, acks := 0, 0
	for {
		p, err := r2.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		page, err := fl.Add(p)
		if err != nil {
			t.Fatal(err)
		}
		if page == nil || len(page.Packets) != 1 || page.Packets[0].Number != p.Number {
			t.Fatalf("packet %d: the follower's page does not hold just that packet", p.Number)
		}
		n++
		got := facts(page.Packets[0].Comment())
		if got != want[p.Number] {
			t.Errorf("packet %d:\nfollower: %s\npage:     %s", p.Number, got, want[p.Number])
		}
		if strings.Contains(got, "it has received") {
			acks++
		}
	}
	if n != len(res.Packets) || acks < 5 {
		t.Errorf("%d packets followed of %d, %d ACKs explained", n, len(res.Packets), acks)
	}
}

var ackRE = regexp.MustCompile(`sends an ACK[^:]*: it has received .*?\.(?: |$)`)

// facts returns, of a classic comment, its title line and its sentences on
// what an ACK acknowledges.
func facts(comment string) string {
	var lines []string
	for _, l := range strings.Split(comment, "\n") {
		lines = append(lines, strings.TrimPrefix(strings.TrimSpace(l), "* "))
	}
	text := strings.Join(lines, " ")
	title := ""
	if len(lines) > 1 {
		title = lines[1]
	}
	return title + " | " + strings.Join(ackRE.FindAllString(text, -1), " | ")
}
