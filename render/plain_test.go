package render

import "testing"

func TestPlainText(t *testing.T) {
	tests := []struct{ md, want string }{
		{"The browser's port 60653 sends a **SYN**.", "The browser's port 60653 sends a SYN."},
		{"text " + CodeSpan("{\"a\":`x`}") + " end", "text {\"a\":`x`} end"},
		{EscapeText("<script>alert(1)</script> *x* [l](u) ```"), "<script>alert(1)</script> *x* [l](u) ```"},
		{"瀏覽器本地埠口 60653 向" + EscapeText("遠端") + "埠口 7272 發送 SYN 封包", "瀏覽器本地埠口 60653 向遠端埠口 7272 發送 SYN 封包"},
		{"a\nb", "a\nb"},
	}
	for _, tt := range tests {
		if got := PlainText(tt.md); got != tt.want {
			t.Errorf("PlainText(%q) = %q, want %q", tt.md, got, tt.want)
		}
	}
}

func TestCodeSpanAndFence(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "`abc`"},
		{"a`b", "``a`b``"},
		{"`a", "`` `a ``"},
		{"```", "```` ``` ````"},
		{"", "` `"},
		{"a\nb", "`a\\nb`"},
	}
	for _, tt := range tests {
		if got := CodeSpan(tt.in); got != tt.want {
			t.Errorf("CodeSpan(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := Fence("a ```` b"); got != "`````" {
		t.Errorf("Fence = %q", got)
	}
	if got := Fence("plain"); got != "```" {
		t.Errorf("Fence = %q", got)
	}
}

func TestWrap(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  []string
	}{
		{"aaa bbb ccc", 7, []string{"aaa bbb", "ccc"}},
		{"就能還原出內容：{\"type\":\"login\"}", 20, []string{"就能還原出內容：", "{\"type\":\"login\"}"}},
		{"一二三四五，六七", 10, []string{"一二三四", "五，六七"}},
		{"averyveryverylongword x", 5, []string{"averyveryverylongword", "x"}},
	}
	for _, tt := range tests {
		got := Wrap(tt.in, tt.width)
		if len(got) != len(tt.want) {
			t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Wrap(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
				break
			}
		}
	}
}
