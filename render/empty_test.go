package render_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
	"github.com/wstrace/wstrace/render/markdown"
)

// TestEmptyPage checks the page of a capture with no packet, and of a
// selection that keeps none: it says so, and shows no made-up time.
func TestEmptyPage(t *testing.T) {
	chat := rendertest.Annotate(t, "../testdata/workerman-chat.pcap")
	tests := []struct {
		name string
		res  *annotate.Result
		opts render.Options
		want string
	}{
		{"empty capture", &annotate.Result{}, render.Options{}, "holds no packet"},
		{"empty capture, classic", &annotate.Result{}, render.Options{Style: render.StyleClassic, Lang: "zh-TW"}, "沒有任何封包"},
		{"nothing selected", chat, render.Options{First: 500, Last: 600}, "None of the 30 packets"},
		{"nothing selected, classic", chat, render.Options{Style: render.StyleClassic, Conn: 9, Lang: "zh-CN"}, "30 个包都没有显示"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := render.Build(tt.res, render.Capture{Name: "x.pcap"}, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := markdown.Write(&b, page); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.Contains(out, tt.want) {
				t.Errorf("page does not say %q:\n%s", tt.want, out)
			}
			for _, bad := range []string{"0001-01-01", "```\n\n```"} {
				if strings.Contains(out, bad) {
					t.Errorf("page holds %q:\n%s", bad, out)
				}
			}
		})
	}
}
