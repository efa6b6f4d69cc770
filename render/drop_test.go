package render_test

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
)

// TestBuildWithoutDecoded checks that a page made from an annotation
// without the decoded headers (annotate.Options.DropDecoded) is the same.
func TestBuildWithoutDecoded(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.pcap")
	more, _ := filepath.Glob("../testdata/corpus/*.pcap*")
	files = append(files, more...)
	if len(files) < 3 {
		t.Fatalf("only %d captures", len(files))
	}
	annotateWith := func(name string, opts annotate.Options) *annotate.Result {
		r, err := capture.OpenFile(name)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		opts.Location = time.UTC
		res, err := annotate.Annotate(r, opts)
		if err != nil && res == nil {
			t.Fatal(err)
		}
		return res
	}
	for _, name := range files {
		kept := annotateWith(name, annotate.Options{})
		dropped := annotateWith(name, annotate.Options{DropDecoded: true})
		for _, opts := range []render.Options{{}, {Hex: true, Style: render.StyleClassic}} {
			want, err := render.Build(kept, render.Capture{Name: name}, opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := render.Build(dropped, render.Capture{Name: name}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s %+v: the page differs without the decoded headers", name, opts)
			}
		}
	}
}
