package mdsafe

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

// FuzzEscapeText checks that any text, escaped, reads back as itself and
// makes nothing but a paragraph of text: no emphasis, link, autolink,
// code, HTML or heading.
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"workerman-chat.pcap", "<b >x</b> {{< y >}} *a* _b_ [l](u) `c`", "export const a = 1",
		"http://a.b www.c.d e@f.gh", "- x", "1. x", "# h", "> q", "a--b...", "&amp; &#38;", "~~s~~ $m$ :x: a|b", "（_x_）"} {
		f.Add(s)
	}
	md := Markdown()
	allowed := regexp.MustCompile(`^<p>[^<]*</p>\n$`)
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.TrimSpace(Printable(s, false))
		if want == "" || strings.ContainsAny(want, "\t") || strings.Contains(want, "  ") {
			return // white space is the generators' to fold
		}
		e := EscapeText(want)
		if got := PlainText(e); got != want {
			t.Fatalf("PlainText(EscapeText(%q)) = %q", want, got)
		}
		var b bytes.Buffer
		if err := md.Convert([]byte(e), &b); err != nil {
			t.Fatal(err)
		}
		if !allowed.Match(b.Bytes()) {
			t.Fatalf("EscapeText(%q) = %q makes %q", want, e, b.String())
		}
	})
}
