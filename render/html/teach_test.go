package html

import (
	"regexp"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

// TestTeachingAids: the page has a glossary (id="glossary"), at least
// three exercises whose answers are hidden in <details>, and links to
// the RFC sections it teaches.
func TestTeachingAids(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, lang := range render.Languages() {
		out := string(build(t, res, "workerman-chat.pcap", render.Options{Lang: lang}))
		if !strings.Contains(out, `<section id="glossary"`) || !strings.Contains(out, `<dt><code class="nw">MSS</code></dt>`) {
			t.Errorf("%s: no glossary", lang)
		}
		if n := strings.Count(out, "<details><summary>"); n < 3 {
			t.Errorf("%s: %d exercises with hidden answers, want 3 or more", lang, n)
		}
		for _, href := range []string{"https://www.rfc-editor.org/rfc/rfc6455#section-5.2", "https://www.rfc-editor.org/rfc/rfc6455#section-1.3",
			"https://www.rfc-editor.org/rfc/rfc9293#section-3.4", "https://www.rfc-editor.org/rfc/rfc6455#section-7.4"} {
			if !strings.Contains(out, `<a href="`+href+`"`) {
				t.Errorf("%s: no link to %s", lang, href)
			}
		}
	}
}

// TestFontsPerLanguage: a zh-CN page prefers Simplified Chinese fonts, a
// zh-TW page Traditional ones (by the root element's language class).
func TestFontsPerLanguage(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, tc := range []struct{ lang, first, other string }{{"zh-CN", "SC", "TC"}, {"zh-TW", "TC", "SC"}} {
		out := string(build(t, res, "workerman-chat.pcap", render.Options{Lang: tc.lang}))
		class := "lang-" + strings.ToLower(tc.lang)
		if !strings.Contains(out, `<div class="wstrace wstrace-page `+class+`" lang="`+tc.lang+`">`) {
			t.Fatalf("%s: the root element does not carry the language", tc.lang)
		}
		m := regexp.MustCompile(`\.wstrace\.` + class + ` \{\s*font-family: ([^;]+);`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no font rule for the language", tc.lang)
		}
		fonts := m[1]
		if i, j := strings.Index(fonts, "CJK "+tc.first), strings.Index(fonts, "CJK "+tc.other); i < 0 || j >= 0 && j < i {
			t.Errorf("%s: fonts %s do not put %s first", tc.lang, fonts, tc.first)
		}
	}
}

// TestLayoutDetails: masking keys never break inside (short code spans
// are nowrap), and long payload lines wrap.
func TestLayoutDetails(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	out := string(build(t, res, "workerman-chat.pcap", render.Options{Lang: "en"}))
	if !strings.Contains(out, `<code class="nw">9c 26 5f d1</code>`) || !strings.Contains(out, `.wstrace code.nw { white-space: nowrap;`) {
		t.Error("the masking key may break inside")
	}
	if !regexp.MustCompile(`\.wstrace pre\.content \{[^}]*white-space: pre-wrap`).MatchString(out) {
		t.Error("long payload lines do not wrap")
	}
}
