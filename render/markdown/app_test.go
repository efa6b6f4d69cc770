package markdown

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
)

// Application fields come from the wire: a Socket.IO argument that holds a
// Markdown fence and HTML stays inside code spans. The fixture's server
// frames are unmasked, so the test puts the hostile text in place of
// "hi, all ！" (the same length) there.
func TestAppFieldsStayInCode(t *testing.T) {
	data, err := os.ReadFile("../../testdata/socketio-chat.pcap")
	if err != nil {
		t.Fatal(err)
	}
	const hostile = "```<i>x</i>"
	data = bytes.ReplaceAll(data, []byte("hi, all ！"), []byte(hostile))
	r, err := capture.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range render.Languages() {
		src := build(t, res, "hostile.pcap", render.Options{Lang: lang})
		if !bytes.Contains(src, []byte("said")) {
			t.Fatalf("%s: no sentence about the said event", lang)
		}
		doc := mdsafe.Markdown().Parser().Parse(text.NewReader(src))
		var spans strings.Builder
		ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n.Kind() {
			case ast.KindRawHTML, ast.KindHTMLBlock:
				t.Errorf("%s: raw HTML %q", lang, n.Text(src))
			case ast.KindCodeSpan:
				spans.Write(n.Text(src))
				spans.WriteByte('\n')
			}
			return ast.WalkContinue, nil
		})
		if !strings.Contains(spans.String(), `{"from":"mynick","text":"`+hostile+`"}`) {
			t.Errorf("%s: the argument is not in a code span:\n%s", lang, spans.String())
		}
	}
}
