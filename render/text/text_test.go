package text

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

func TestGolden(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
		for _, lang := range render.Languages() {
			for _, color := range []bool{false, true} {
				name := fmt.Sprintf("workerman-chat.%s.%s.txt", style, lang)
				if color {
					name = fmt.Sprintf("workerman-chat.%s.%s.color.txt", style, lang)
					if lang != "en" {
						continue
					}
				}
				t.Run(name, func(t *testing.T) {
					p, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, render.Options{Style: style, Lang: lang})
					if err != nil {
						t.Fatal(err)
					}
					var b bytes.Buffer
					if err := Write(&b, p, Options{Color: color}); err != nil {
						t.Fatal(err)
					}
					if !color && bytes.ContainsRune(b.Bytes(), 0x1b) {
						t.Error("escape sequences without Color")
					}
					if color && !bytes.Contains(b.Bytes(), []byte("\x1b[1m")) {
						t.Error("no colour with Color")
					}
					rendertest.Golden(t, name, b.Bytes())
				})
			}
		}
	}
}

// TestNoTerminalControl checks that nothing from the wire reaches the
// terminal as a control character, whatever the payloads hold.
func TestNoTerminalControl(t *testing.T) {
	for _, fx := range rendertest.Fixtures {
		res := rendertest.Annotate(t, "../../testdata/"+fx)
		for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
			p, err := render.Build(res, render.Capture{Name: fx}, render.Options{Style: style, MaxBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := Write(&b, p, Options{}); err != nil {
				t.Fatal(err)
			}
			for i, r := range b.String() {
				if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r < 0xa0 {
					t.Fatalf("%s %s: control character %U at byte %d", fx, style, r, i)
				}
			}
		}
	}
}

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file is a terminal")
	}
	if !strings.Contains(reset, "\x1b[") {
		t.Error("bad reset sequence")
	}
}

// TestTeachingAids: the terminal page ends with the glossary, the
// exercises and their answers, and the RFC sections, like the others.
func TestTeachingAids(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	p, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, render.Options{Lang: "en"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := Write(&b, p, Options{Width: 100}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"\nGlossary\n", "  MSS: the maximum segment size", "\nExercises\n", "  3. Packet 25 reads ack 515. Why 515?",
		"\nAnswers\n", "T4ac8BmLRxdtfd+u5mMU2tSMafo=", "https://www.rfc-editor.org/rfc/rfc6455#section-5.2"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q", want)
		}
	}
}
