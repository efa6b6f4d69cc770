package markdown

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

func build(t *testing.T, res *annotate.Result, name string, opts render.Options) []byte {
	t.Helper()
	p, err := render.Build(res, render.Capture{Name: name}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden renders each fixture in each style and language and compares
// the page with its golden file.
func TestGolden(t *testing.T) {
	for _, fx := range rendertest.Fixtures {
		res := rendertest.Annotate(t, "../../testdata/"+fx)
		for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
			for _, lang := range render.Languages() {
				name := fmt.Sprintf("%s.%s.%s.md", strings.TrimSuffix(fx, ".pcap"), style, lang)
				t.Run(name, func(t *testing.T) {
					rendertest.Golden(t, name, build(t, res, fx, render.Options{Style: style, Lang: lang}))
				})
			}
		}
	}
}

// TestSeedTutorial is the acceptance test: the classic page of packets
// 12-30 in Traditional Chinese reads like the seed tutorial.
func TestSeedTutorial(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	out := string(build(t, res, "workerman-chat.pcap", render.Options{Style: render.StyleClassic, Lang: "zh-TW", First: 12, Last: 30}))
	seed, err := os.ReadFile("../../testdata/workerman-chat.seed-lines.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(seed)), "\n")

	// The packets' lines, in order, each after a comment whose first line
	// names the phase.
	phases := map[int]string{
		0: "TCP 三向交握的第一次", 1: "TCP 三向交握的第二次", 2: "TCP 三向交握的第三次，完成 TCP 連接",
		3: "WebSocket 連接的建立", 4: "WebSocket 連接的建立", 5: "WebSocket 連接的建立", 6: "WebSocket 連接的建立",
	}
	lines := strings.Split(out, "\n")
	n := 0
	for i, l := range lines {
		if n < len(want) && l == want[n] {
			// Walk back to the comment's first line.
			j := i - 1
			for j > 0 && lines[j] != "/*" {
				j--
			}
			if j <= 0 || lines[i-1] != " */" {
				t.Errorf("packet line %d has no comment before it", n+1)
			} else {
				// The comment's first line: the packet number, then the phase.
				phase := strings.TrimPrefix(lines[j+1], " * ")
				num := fmt.Sprintf("#%d ", n+12)
				if !strings.HasPrefix(phase, num) {
					t.Errorf("packet %d: comment %q does not begin with %q", n+12, phase, num)
				}
				phase = strings.TrimPrefix(phase, num)
				wantPhase, ok := phases[n]
				if !ok {
					wantPhase = "WebSocket 資料傳輸"
				}
				if phase != wantPhase {
					t.Errorf("packet %d: comment names %q, want %q", n+12, phase, wantPhase)
				}
				if !strings.Contains(lines[j+2], "埠口") {
					t.Errorf("packet %d: comment %q does not name the ports", n+12, lines[j+2])
				}
			}
			n++
		}
	}
	if n != len(want) {
		t.Fatalf("found %d of the seed's %d lines in order; next missing: %q", n, len(want), want[n])
	}
	// What the seed could not show: the masked messages, unmasked, and how.
	for _, msg := range []string{`{"type":"login","name":"mynick"}`, `{"type":"say","to_uid":"all","content":"hi,  all !"}`} {
		if !strings.Contains(out, "內容：\n * "+msg) && !strings.Contains(out, "內容："+msg) {
			t.Errorf("the unmasked message %s is not shown", msg)
		}
	}
	if c := strings.Count(out, "XOR"); c < 2 {
		t.Errorf("the page says how it unmasked %d times, want 2", c)
	}
	// The seed leaked its cookies; this page does not.
	if strings.Contains(out, "Hm_lvt") {
		t.Error("the cookie value is on the page")
	}
	for _, w := range []string{"三向交握", "埠口", "封包", "遠端"} {
		if !strings.Contains(out, w) {
			t.Errorf("the page never says %s", w)
		}
	}
}

// TestWireStaysInCode parses every page back with goldmark and checks that
// bytes from the wire can only be text or code: no HTML, no links, no
// images, no emphasis, and the fixtures' <script> and ``` payloads inside
// code blocks.
// rfcLink matches the only links a page makes: to sections of RFCs.
var rfcLink = regexp.MustCompile(`^https://www\.rfc-editor\.org/rfc/rfc[0-9]+#section-[0-9.]+$`)

func TestWireStaysInCode(t *testing.T) {
	for _, fx := range rendertest.Fixtures {
		res := rendertest.Annotate(t, "../../testdata/"+fx)
		for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
			for _, lang := range render.Languages() {
				for _, hex := range []bool{false, true} {
					src := build(t, res, fx, render.Options{Style: style, Lang: lang, Hex: hex})
					doc := mdsafe.Markdown().Parser().Parse(text.NewReader(src))
					var code strings.Builder
					ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
						if !entering {
							return ast.WalkContinue, nil
						}
						switch n.Kind() {
						case ast.KindEmphasis:
							if !layoutEmphasis(n, src) {
								t.Errorf("%s %s %s: emphasis inside a line", fx, style, lang)
							}
						case ast.KindLink:
							// The page's own links to the RFC sections it
							// teaches; nothing from the wire becomes a link.
							if dest := string(n.(*ast.Link).Destination); !rfcLink.MatchString(dest) {
								t.Errorf("%s %s %s: a link to %q", fx, style, lang, dest)
							}
						case ast.KindRawHTML, ast.KindHTMLBlock, ast.KindAutoLink, ast.KindImage:
							t.Errorf("%s %s %s: a %s node", fx, style, lang, n.Kind())
						case ast.KindFencedCodeBlock, ast.KindCodeBlock:
							lines := n.Lines()
							for i := 0; i < lines.Len(); i++ {
								seg := lines.At(i)
								code.Write(seg.Value(src))
							}
						}
						return ast.WalkContinue, nil
					})
					if strings.HasPrefix(fx, "chromium") && !hex {
						for _, payload := range []string{"<script>alert(1)</script> ``` fence"} {
							if !strings.Contains(code.String(), payload) {
								t.Errorf("%s %s %s: %q is not inside a code block", fx, style, lang, payload)
							}
						}
					}
				}
			}
		}
	}
}

// layoutEmphasis reports whether an emphasis node is one the layouts make:
// its delimiter opens the line, or follows a list marker.
func layoutEmphasis(n ast.Node, src []byte) bool {
	t, ok := n.FirstChild().(*ast.Text)
	if !ok {
		return false
	}
	start := t.Segment.Start
	line := start
	for line > 0 && src[line-1] != '\n' {
		line--
	}
	prefix := strings.TrimPrefix(string(src[line:start]), "- ")
	return strings.Trim(prefix, "*") == ""
}

func TestOptions(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/chromium-ws-plain-any.pcap")
	t.Run("max-bytes", func(t *testing.T) {
		out := string(build(t, res, "x.pcap", render.Options{MaxBytes: 100}))
		if !strings.Contains(out, "The dump shows the first 100 bytes; the capture holds") {
			t.Error("no note about the bytes cut")
		}
		if !strings.Contains(out, "Shown: the first 100 bytes; the message holds 69,900 more (70,000 in all).") {
			t.Error("no note about the message cut")
		}
		if strings.Contains(out, strings.Repeat("x", 101)) {
			t.Error("more than 100 bytes of the big message are shown")
		}
	})
	t.Run("no limit", func(t *testing.T) {
		out := string(build(t, res, "x.pcap", render.Options{MaxBytes: -1}))
		if !strings.Contains(out, strings.Repeat("x", 70000)) {
			t.Error("the big message is not shown in full")
		}
	})
	t.Run("conn and range", func(t *testing.T) {
		out := string(build(t, res, "x.pcap", render.Options{Conn: 2, First: 20, Last: 30}))
		for _, h := range regexp.MustCompile(`Packet (\d+):`).FindAllStringSubmatch(out, -1) {
			var n int
			fmt.Sscan(h[1], &n)
			if n < 20 || n > 30 {
				t.Errorf("packet %d is outside 20-30", n)
			}
		}
		if strings.Contains(out, "Connection 1") || !strings.Contains(out, "**Packets:** 9 of 72") {
			t.Errorf("selection not applied")
		}
	})
	t.Run("names", func(t *testing.T) {
		out := string(build(t, res, "x.pcap", render.Options{ClientName: "Alice's *tab*", ServerName: "the chat server"}))
		if !strings.Contains(out, `Alice&#39;s \*tab\*'s port`) || !strings.Contains(out, "the chat server's port 9003") {
			t.Error("role names not used")
		}
	})
	t.Run("filter", func(t *testing.T) {
		out := string(build(t, res, "x.pcap", render.Options{Filter: func(pi *annotate.PacketInfo) bool { return pi.Phase == annotate.PhaseWSControl }}))
		if strings.Contains(out, "an ACK") || !strings.Contains(out, "control frame") {
			t.Error("filter not applied")
		}
	})
}

func TestRedaction(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
		out := string(build(t, res, "x.pcap", render.Options{Style: style}))
		if strings.Contains(out, "Hm_lvt") || strings.Contains(out, "1402048017") {
			t.Errorf("%s: cookie value on the page", style)
		}
		if !strings.Contains(out, "Cookie: ****") || !strings.Contains(out, "Redacted: the value of Cookie") {
			t.Errorf("%s: the page does not say what it redacted", style)
		}
		out = string(build(t, res, "x.pcap", render.Options{Style: style, NoRedact: true}))
		if !strings.Contains(out, "Cookie: Hm_lvt_abcf9330bef79b4aba5b24fa373506d9=1402048017") {
			t.Errorf("%s: --no-redact lost the cookie", style)
		}
	}
}

func TestTemplatesOverride(t *testing.T) {
	dir := t.TempDir()
	os.MkdirAll(dir+"/layout", 0o755)
	os.MkdirAll(dir+"/messages", 0o755)
	os.WriteFile(dir+"/layout/classic.md.tmpl", []byte("# {{.Title}}\n{{range .Packets}}{{.Number}} {{.Title}}\n{{end}}"), 0o644)
	os.WriteFile(dir+"/messages/en.txt", []byte("section.messages = Chatting\n"), 0o644)
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	out := string(build(t, res, "x.pcap", render.Options{Style: render.StyleClassic, Templates: dir, First: 18, Last: 19}))
	if out != "# Capturing the traffic\n18 WebSocket opening handshake\n19 Chatting\n" {
		t.Errorf("override not applied:\n%s", out)
	}
}

// TestTeachingAids: the glossary, at least three exercises with their
// answers, and links to the RFC sections the page teaches, in every
// language and style.
func TestTeachingAids(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
		for _, lang := range render.Languages() {
			out := string(build(t, res, "workerman-chat.pcap", render.Options{Style: style, Lang: lang}))
			if colon := map[string]string{"en": "- **Capture:** ", "zh-TW": "- **擷取檔：** ", "zh-CN": "- **抓包文件：** "}[lang]; style == render.StyleGuide && !strings.Contains(out, colon) {
				t.Errorf("%s %s: no %q", style, lang, colon)
			}
			for _, want := range []string{
				"](https://www.rfc-editor.org/rfc/rfc6455#section-5.2)", "](https://www.rfc-editor.org/rfc/rfc6455#section-5.3)",
				"](https://www.rfc-editor.org/rfc/rfc6455#section-4.2.2)", "](https://www.rfc-editor.org/rfc/rfc9293#section-3.4)",
				"- `MSS`", "- `wscale`", "- `RSV1`", "- `opcode`",
				"`T4ac8BmLRxdtfd+u5mMU2tSMafo=`", // the Accept for packet 4's key
				"`7b 22 74 79`",                  // packet 8's first bytes, unmasked
				"`ack 515`",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("%s %s: no %q", style, lang, want)
				}
			}
		}
	}
}

// TestLayoutDetails: no three blank lines after an HTTP head (tcpdump's
// own two are enough), and the raw newline and tab bytes of -A dumps are
// explained once per page.
func TestLayoutDetails(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
		for _, lang := range render.Languages() {
			out := string(build(t, res, "workerman-chat.pcap", render.Options{Style: style, Lang: lang}))
			if strings.Contains(out, "\n\n\n\n") {
				t.Errorf("%s %s: three blank lines", style, lang)
			}
			if n := strings.Count(out, "0x0a"); lang == "en" && n != 3 { // one note: "is 0x0a", "0x0a (newline)", "before a 0x0a"
				t.Errorf("%s %s: the raw bytes of -A dumps are explained %d times", style, lang, n/3)
			}
			// The note names the byte by its offset as tcpdump -X numbers it
			// (from 0 at the IP header): packet 1's byte 0x002f is the 0x0a
			// ("0x0020: a002 8000 0bc5 0000 0204 400c 0402 080a").
			if !strings.Contains(out, "47（0x002f") && !strings.Contains(out, "offset 47 (0x002f,") {
				t.Errorf("%s %s: the raw-byte note does not name offset 47 (0x002f)", style, lang)
			}
		}
	}
}
