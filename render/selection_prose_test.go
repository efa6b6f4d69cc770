package render_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"

	"github.com/wstrace/wstrace/internal/capturetest"
	"github.com/wstrace/wstrace/render"
)

// brokenProse matches what a sentence shows when a value it needs is
// missing: empty or nested brackets, a space before a closing one, two
// spaces before an opening one, a port 0.
var brokenProse = regexp.MustCompile(`\(\)|（）|\(\s*\(|\( |\s\)|[^ ]  \(|（ |, \(|（（|port 0\b|埠口 0\b|端口 0\b`)

// TestSelectionProse explains real captures through a Collector (the path
// of wstrace render) with selections that leave out the packets sentences
// refer to — the SYN, the upgrade, the other connection of a broadcast —
// and checks that no sentence is left with a hole where a value should be.
func TestSelectionProse(t *testing.T) {
	selections := []render.Options{
		{First: 13, Last: 30}, {First: 18, Last: 30}, {First: 5}, {Last: 10}, {Conn: 1}, {Conn: 2},
	}
	for _, file := range []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap", "socketio-chat.pcap"} {
		pkts := capturetest.Read(t, filepath.Join("..", "testdata", file))
		for _, lang := range render.Languages() {
			for _, sel := range selections {
				opts := sel
				opts.Lang, opts.Style = lang, render.StyleClassic
				name := fmt.Sprintf("%s/%s/packets=%d-%d,conn=%d", file, lang, sel.First, sel.Last, sel.Conn)
				t.Run(name, func(t *testing.T) {
					col := render.NewCollector(opts)
					aopts := annotate.Options{Location: time.UTC, Emit: col.Record}
					if _, err := annotate.Annotate(&capturetest.List{Packets: pkts}, aopts); err != nil {
						t.Fatal(err)
					}
					page, err := col.Build(render.Capture{Name: file})
					if err != nil {
						t.Fatal(err)
					}
					for _, p := range page.Packets {
						for _, s := range append([]string{p.Title}, p.Text...) {
							if m := brokenProse.FindString(s); m != "" {
								t.Errorf("packet %d: %q in %q", p.Number, m, s)
							}
						}
					}
				})
			}
		}
	}
}
