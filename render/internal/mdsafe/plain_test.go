package mdsafe

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

// TestEscapeText checks that escaped text reads as what was escaped, and
// that what would start Markdown, HTML, JSX, an MDX expression or import,
// a Hugo shortcode or an autolink is escaped in a way that every
// generator takes (a backslash before what Python-Markdown escapes, a
// character reference for the rest).
func TestEscapeText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"workerman-chat.pcap", "workerman-chat.pcap"},
		{"my_trace_2.pcap", "my_trace_2.pcap"},
		{"_x_ *y* a--b ...", `\_x\_ \*y\* a\-\-b \.\.\.`},
		{"- item", `\- item`},
		{"2024. x", `2024\. x`},
		{"www.example.com", `www\.example.com`},
		{"http://a.b", "http&#58;//a.b"},
		{"a@b.co", "a&#64;b.co"},
		{"<b >x</b>", "&#60;b \\>x&#60;/b\\>"},
		{"{props} {{< y >}} {{% z %}}", `\{props\} \{\{&#60; y \>\}\} \{\{% z %\}\}`},
		{"&amp; \"q\" 'q'", "&#38;amp; &#34;q&#34; &#39;q&#39;"},
		{"~~s~~ $m$ :smile: a|b ==m== ^x^", "&#126;&#126;s&#126;&#126; &#36;m&#36; &#58;smile&#58; a&#124;b &#61;&#61;m&#61;&#61; &#94;x&#94;"},
		{"export const a = 1", "&#101;xport const a &#61; 1"},
		{"import x", "&#105;mport x"},
		{"（_x_）", `（\_x\_）`},
		{"遠端_埠口", "遠端_埠口"},
	}
	for _, tt := range tests {
		got := EscapeText(tt.in)
		if got != tt.want {
			t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if plain := PlainText("x " + got); plain != "x "+tt.in {
			t.Errorf("PlainText(EscapeText(%q)) = %q", tt.in, plain)
		}
	}
}
