package html

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/templates"
)

// TestCSSScoped checks that every rule of the trace's style sheet applies
// only inside the trace's root element, so that the trace can sit in a
// host page without restyling it.
func TestCSSScoped(t *testing.T) {
	b, err := fs.ReadFile(templates.FS, "layout/page.css")
	if err != nil {
		t.Fatal(err)
	}
	sels := selectors(t, string(b))
	if len(sels) < 50 {
		t.Fatalf("found only %d selectors: the parser is wrong", len(sels))
	}
	// The root itself, or a descendant of it, possibly below a host
	// ancestor given with :where() (which adds no specificity).
	ok := regexp.MustCompile(`^(:where\([^{}]*\) )?\.wstrace(\.[a-z-]+)*([ >].*)?$`)
	for _, s := range sels {
		if !ok.MatchString(s) {
			t.Errorf("selector %q is not scoped under .wstrace", s)
		}
	}
	// And that the check rejects what it should.
	for _, bad := range []string{"body", "pre", ":root", ".wstraces pre", "pre .wstrace"} {
		if ok.MatchString(bad) {
			t.Errorf("the check accepts %q", bad)
		}
	}
}

// selectors returns the selectors of every rule of a style sheet, looking
// inside @media blocks.
func selectors(t *testing.T, css string) []string {
	t.Helper()
	css = regexp.MustCompile(`(?s)/\*.*?\*/`).ReplaceAllString(css, "")
	var out []string
	var walk func(s string)
	walk = func(s string) {
		for {
			open := strings.IndexByte(s, '{')
			if open < 0 {
				if strings.TrimSpace(s) != "" {
					t.Fatalf("text after the last rule: %q", s)
				}
				return
			}
			prelude := strings.TrimSpace(s[:open])
			depth, end := 0, -1
			for i := open; i < len(s); i++ {
				if s[i] == '{' {
					depth++
				} else if s[i] == '}' {
					depth--
					if depth == 0 {
						end = i
						break
					}
				}
			}
			if end < 0 {
				t.Fatalf("unbalanced braces after %q", prelude)
			}
			if strings.HasPrefix(prelude, "@media") {
				walk(s[open+1 : end])
			} else if strings.HasPrefix(prelude, "@") {
				t.Errorf("at-rule %q: not checked", prelude)
			} else {
				depth := 0
				last := 0
				for i, c := range prelude {
					switch c {
					case '(':
						depth++
					case ')':
						depth--
					case ',':
						if depth == 0 {
							out = append(out, strings.TrimSpace(prelude[last:i]))
							last = i + 1
						}
					}
				}
				out = append(out, strings.TrimSpace(prelude[last:]))
			}
			s = s[end+1:]
		}
	}
	walk(css)
	return out
}
