package render

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

// The tests in this file read the pages of the real fixtures as a teacher
// would, checking sentences against what tcpdump, tshark and the RFCs say
// about the packet they stand above.

var (
	fixtureMu  sync.Mutex
	fixtureRes = map[string]*annotate.Result{}
)

// fixture annotates a capture of testdata once per test binary.
func fixture(t *testing.T, name string) *annotate.Result {
	t.Helper()
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if r, ok := fixtureRes[name]; ok {
		return r
	}
	r := rendertest.Annotate(t, "../testdata/"+name)
	fixtureRes[name] = r
	return r
}

// page builds the page of a fixture.
func page(t *testing.T, name, lang string, opts Options) *Page {
	t.Helper()
	opts.Lang = lang
	p, err := Build(fixture(t, name), Capture{Name: name}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pkt returns packet n of a page.
func pkt(t *testing.T, pg *Page, n int) *Packet {
	t.Helper()
	for _, p := range pg.Packets {
		if p.Number == n {
			return p
		}
	}
	t.Fatalf("packet %d is not on the page", n)
	return nil
}

// says returns everything a packet's explanation says, as one string.
func says(p *Packet) string {
	return p.Heading + "\n" + p.Title + "\n" + strings.Join(p.Text, "\n") + "\n" + strings.Join(p.Notes, "\n")
}

// per language: the words a check looks for.
type per map[string][]string

func (w per) any(lang, s string) bool {
	for _, x := range w[lang] {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// Item 1: "[.]" is only the ACK flag; chromium-ws-plain-any.pcap packet
// 53 is "Flags [.], seq 540:33308, length 32768" on the same page.
func TestLegendAckMayCarryData(t *testing.T) {
	wrong := per{"en": {"carries no data"}, "zh-TW": {"不帶資料"}, "zh-CN": {"不带数据"}}
	right := per{"en": {"may carry data"}, "zh-TW": {"也可能承載資料"}, "zh-CN": {"也可能携带数据"}}
	for _, lang := range Languages() {
		pg := page(t, "chromium-ws-plain-any.pcap", lang, Options{})
		if l := pkt(t, pg, 53).Line; !strings.Contains(l, "Flags [.], seq 540:33308") || !strings.Contains(l, "length 32768") {
			t.Fatalf("packet 53: %s", l)
		}
		found := false
		for _, f := range pg.Legend {
			if f.Label == "`[.]`" {
				found = true
				if wrong.any(lang, f.Value) || !right.any(lang, f.Value) {
					t.Errorf("%s: legend [.] says %q", lang, f.Value)
				}
			}
		}
		if !found {
			t.Errorf("%s: no [.] in the legend", lang)
		}
	}
}

// Item 2: tcpdump prints relative numbers only in packets with the ACK
// flag; the RST of packet 72 has none and shows its absolute number, which
// is 574 past the browser's initial sequence number (tshark: tcp.seq 574).
func TestAbsoluteNumberOfBareRST(t *testing.T) {
	absolute := per{"en": {"absolute"}, "zh-TW": {"絕對序號"}, "zh-CN": {"绝对序列号"}}
	ackOnly := per{"en": {"with the ACK flag"}, "zh-TW": {"帶有 ACK 旗標"}, "zh-CN": {"带 ACK 标志"}}
	for _, lang := range Languages() {
		pg := page(t, "chromium-ws-plain-any.pcap", lang, Options{})
		p := pkt(t, pg, 72)
		if !strings.Contains(p.Line, "Flags [R], seq 4260277745,") {
			t.Fatalf("packet 72: %s", p.Line)
		}
		s := says(p)
		if !absolute.any(lang, s) || !strings.Contains(s, "4260277745") || !strings.Contains(s, " 574") {
			t.Errorf("%s: packet 72 does not explain its absolute number: %s", lang, s)
		}
		if s := says(pkt(t, pg, 3)); !ackOnly.any(lang, s) {
			t.Errorf("%s: packet 3 says relative numbers follow, without the ACK flag's condition: %s", lang, s)
		}
	}
}

// Item 3: RFC 7692 section 6.1 sets RSV1 on a message's first frame only;
// the continuation frame of packet 48 carries deflate data all the same.
func TestContinuationOfCompressedMessage(t *testing.T) {
	wrong := per{"en": {"not compressed"}, "zh-TW": {"未壓縮"}, "zh-CN": {"未压缩"}}
	for _, lang := range Languages() {
		pg := page(t, "chromium-ws-deflate.pcap", lang, Options{})
		p := pkt(t, pg, 48)
		var rsv1 *FieldRow
		for _, ft := range p.Frames {
			for i, r := range ft.Rows {
				if r.Name == "RSV1" && strings.Contains(ft.Rows[3].Value, "0x0") {
					rsv1 = &ft.Rows[i]
				}
			}
		}
		if rsv1 == nil {
			t.Fatalf("%s: packet 48 has no field table of its continuation frame", lang)
		}
		if rsv1.Value != "0" || wrong.any(lang, rsv1.Meaning) || !strings.Contains(rsv1.Meaning, "RFC 7692") {
			t.Errorf("%s: RSV1 of the continuation: %+v", lang, *rsv1)
		}
		if s := says(p); wrong.any(lang, s) {
			t.Errorf("%s: packet 48 says %s", lang, s)
		}
	}
}

// Item 4: the workerman capture has no close frame, FIN or RST; its intro
// must not promise a close. The Chromium captures close.
func TestIntroSaysWhatTheCaptureHolds(t *testing.T) {
	toClose := per{"en": {"to the close"}, "zh-TW": {"走到連線關閉"}, "zh-CN": {"一直到连接关闭"}}
	for _, lang := range Languages() {
		intro := strings.Join(page(t, "workerman-chat.pcap", lang, Options{}).Intro, "\n")
		if toClose.any(lang, intro) {
			t.Errorf("%s: workerman intro promises a close: %s", lang, intro)
		}
		intro = strings.Join(page(t, "chromium-ws-deflate.pcap", lang, Options{}).Intro, "\n")
		if !toClose.any(lang, intro) {
			t.Errorf("%s: deflate intro does not follow the session to its close: %s", lang, intro)
		}
	}
}

// Item 5: packet 24 is the server broadcasting mynick's login (packet 19)
// to the other browser; packet 29 carries what mynick said in packet 26.
func TestBroadcastAndCause(t *testing.T) {
	broadcast := per{"en": {"broadcast"}, "zh-TW": {"廣播"}, "zh-CN": {"广播"}}
	for _, lang := range Languages() {
		pg := page(t, "workerman-chat.pcap", lang, Options{})
		s24, s29 := says(pkt(t, pg, 24)), says(pkt(t, pg, 29))
		if !strings.Contains(s24, " 19") || !strings.Contains(s24, "mynick") || !broadcast.any(lang, s24) {
			t.Errorf("%s: packet 24: %s", lang, s24)
		}
		if !strings.Contains(s29, " 26") || !strings.Contains(s29, "mynick") || !strings.Contains(s29, "hi,  all !") || !broadcast.any(lang, s29) {
			t.Errorf("%s: packet 29: %s", lang, s29)
		}
		if lang == "en" && (strings.Contains(s24, "passes on the message it sent") || strings.Contains(s29, "passes on the message it sent")) {
			t.Errorf("a broadcast is told as passing on the server's own message")
		}
	}
}

// Item 6: packet 53 holds 32,768 of the 70,010 bytes of a frame, so its
// ACK (54) received part of a frame; packet 70 is a FIN, not "a FIN or its
// ACK", and packet 71 acknowledges it.
func TestPartsAndFINsNamed(t *testing.T) {
	part := per{"en": {"part of a WebSocket text frame"}, "zh-TW": {"文字訊框的一部分"}, "zh-CN": {"文本帧的一部分"}}
	vague := per{"en": {"a FIN or"}, "zh-TW": {"FIN 或"}, "zh-CN": {"FIN 或"}}
	fin := per{"en": {"the FIN"}, "zh-TW": {"FIN 封包"}, "zh-CN": {"FIN 包"}}
	for _, lang := range Languages() {
		pg := page(t, "chromium-ws-plain-any.pcap", lang, Options{})
		if s := says(pkt(t, pg, 54)); !part.any(lang, s) {
			t.Errorf("%s: packet 54: %s", lang, s)
		}
		if s := pkt(t, pg, 53).Heading; !part.any(lang, s) {
			t.Errorf("%s: packet 53 heading: %s", lang, s)
		}
		p70, p71 := pkt(t, pg, 70), pkt(t, pg, 71)
		if vague.any(lang, says(p70)) || !fin.any(lang, p70.Heading) {
			t.Errorf("%s: packet 70: %s", lang, says(p70))
		}
		if s := says(p71); vague.any(lang, s) || !strings.Contains(s, "70") {
			t.Errorf("%s: packet 71: %s", lang, s)
		}
	}
}

// Item 7: the unmasking table shows a space as a visible space: the close
// frame of packet 62 carries 1000 "see you".
func TestUnmaskShowsSpace(t *testing.T) {
	pg := page(t, "chromium-ws-plain-any.pcap", "en", Options{})
	p := pkt(t, pg, 62)
	if len(p.Payloads) == 0 || len(p.Payloads[0].Unmask) != 4 {
		t.Fatalf("packet 62 has no unmasking table")
	}
	text := p.Payloads[0].Unmask[3]
	if got := strings.Join(text[1:], ""); got != "..see␠yo…" {
		t.Errorf("unmasked text row %q, want %q", got, "..see␠yo…")
	}
}

// Item 10: every packet a classic page mentions can be found on it: each
// comment begins with its packet's number (#15), and a mention of a packet
// the selection leaves out says so.
func TestPacketNumbersVisible(t *testing.T) {
	ref := regexp.MustCompile(`packets? (\d+(?:(?:, | and )\d+)*)`)
	for _, tc := range []struct {
		name        string
		first, last int
	}{{"workerman-chat.pcap", 12, 30}, {"workerman-chat.pcap", 0, 0}, {"chromium-ws-plain-any.pcap", 40, 72}} {
		pg := page(t, tc.name, "en", Options{Style: StyleClassic, First: tc.first, Last: tc.last})
		var all strings.Builder
		for _, p := range pg.Packets {
			c := p.Comment()
			if want := fmt.Sprintf("/*\n * #%d ", p.Number); !strings.HasPrefix(c, want) {
				t.Errorf("%s: the comment of packet %d begins %q", tc.name, p.Number, c[:min(len(c), 30)])
			}
			all.WriteString(strings.Join(p.CommentLines(), " "))
			all.WriteString("\n")
		}
		text := all.String()
		outside := 0
		for _, m := range ref.FindAllStringSubmatchIndex(text, -1) {
			nums := regexp.MustCompile(`\d+`).FindAllString(text[m[2]:m[3]], -1)
			for _, s := range nums {
				n, _ := strconv.Atoi(s)
				shown := (tc.first == 0 || n >= tc.first) && (tc.last == 0 || n <= tc.last)
				if !shown {
					outside++
					if rest := text[m[1]:min(len(text), m[1]+40)]; !strings.Contains(rest, "not shown on this page") {
						t.Errorf("%s %d-%d: %q mentions packet %d, not on the page, without saying so", tc.name, tc.first, tc.last, text[m[0]:m[1]]+rest, n)
					}
				}
			}
		}
		if tc.first == 12 && outside == 0 {
			t.Errorf("%s %d-%d: no mention of a packet outside the selection (packet 24 answers 19, 25 acknowledges 9-11)", tc.name, tc.first, tc.last)
		}
	}
}

// Item 8: the story. Messages are told by what they carry (JSON type,
// name, chat text, decoded), broadcasts by how many browsers get them,
// and the introduction lists the session's steps.
func TestStory(t *testing.T) {
	browsers := per{"en": {"to 2 browsers"}, "zh-TW": {"送給 2 個瀏覽器"}, "zh-CN": {"发给 2 个浏览器"}}
	said := per{"en": {"`mynick` says `hi,  all !` (packet 26)"}, "zh-TW": {"`mynick` 說 `hi,  all !`（封包 26）"}, "zh-CN": {"`mynick` 说 `hi,  all !`（包 26）"}}
	open := per{"en": {"still open"}, "zh-TW": {"仍未關閉"}, "zh-CN": {"仍未关闭"}}
	for _, lang := range Languages() {
		pg := page(t, "workerman-chat.pcap", lang, Options{})
		intro := strings.Join(pg.Intro, "\n")
		if !said.any(lang, intro) || !strings.Contains(intro, "`猪猪`") || !open.any(lang, intro) || !strings.Contains(intro, "\n1. ") || !strings.Contains(intro, "\n5. ") {
			t.Errorf("%s: the introduction does not tell the session's steps:\n%s", lang, intro)
		}
		if s := says(pkt(t, pg, 8)); !strings.Contains(s, "`login`") || !strings.Contains(s, "`猪猪`") {
			t.Errorf("%s: packet 8 does not say it logs in as 猪猪 (decoded): %s", lang, s)
		}
		if s := says(pkt(t, pg, 22)); !browsers.any(lang, s) || !strings.Contains(s, "22") || !strings.Contains(s, "24") {
			t.Errorf("%s: packet 22 is not told as a broadcast to 2 browsers: %s", lang, s)
		}
		for _, p := range pg.Packets {
			if s := strings.Join(p.Text, " "); strings.Contains(s, `\u732a`) && !strings.Contains(s, "猪猪") {
				t.Errorf("%s: packet %d quotes \\u escapes without decoding them: %s", lang, p.Number, s)
			}
		}
	}
}

// Item 9: the arithmetic, as tcpdump prints the numbers: seq 1:716 is 715
// bytes, ack 716 the next byte expected; packet 20's ack 754 acknowledges
// packet 19; win 256 with wscale 7 is 32,768 bytes, explained once per
// end of each connection; the SYN's MSS; why the browser sends a RST.
func TestArithmetic(t *testing.T) {
	pg := page(t, "workerman-chat.pcap", "en", Options{})
	for n, want := range map[int][]string{
		15: {"`seq 1:716`", "716 − 1 = 715 bytes", "`ack 1`: the next byte the browser expects from the server is byte 1"},
		16: {"`ack 716`: the next byte the server expects from the browser is byte 716"},
		20: {"`ack 754`", "rides on the data", "packet 19 arrived"},
		14: {"`win 256`", "`wscale 7`", "256 × 128 = 32,768 bytes"},
		12: {"maximum segment size", "16396"},
	} {
		s := says(pkt(t, pg, n))
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("packet %d does not say %q: %s", n, w, s)
			}
		}
	}
	if l := pkt(t, pg, 20).Line; !strings.Contains(l, "seq 157:267, ack 754,") {
		t.Fatalf("packet 20: %s", l)
	}
	scales := 0
	for _, p := range pg.Packets {
		scales += strings.Count(strings.Join(p.Text, " "), "is scaled")
	}
	if scales != 4 {
		t.Errorf("window scaling explained %d times, want 4 (each end of each connection once)", scales)
	}
	for _, lang := range Languages() {
		s := says(pkt(t, page(t, "chromium-ws-plain-any.pcap", lang, Options{}), 72))
		if !strings.Contains(s, "RFC 9293") || !strings.Contains(s, "3.6.1") || !strings.Contains(s, "71") {
			t.Errorf("%s: packet 72 does not say why the browser sends a RST: %s", lang, s)
		}
	}
}

// tables returns the packets of a page that have a field table.
func tables(pg *Page) []int {
	var out []int
	for _, p := range pg.Packets {
		if len(p.Frames) > 0 {
			out = append(out, p.Number)
		}
	}
	return out
}

// Item 11: each connection's first frame of each kind gets a field table
// (the seed's own connection, packets 12-30, too), and so does every
// frame that shows something new: a first fragment, a continuation, a
// 16- or 64-bit length, a close code.
func TestFieldTablesPerConnection(t *testing.T) {
	pg := page(t, "workerman-chat.pcap", "en", Options{})
	got := tables(pg)
	for _, n := range []int{8, 9, 19, 20} { // the first client and server text frame of each connection
		if !slices.Contains(got, n) {
			t.Errorf("workerman: packet %d has no field table (tables on %v)", n, got)
		}
	}
	pg = page(t, "chromium-ws-plain-any.pcap", "en", Options{})
	got = tables(pg)
	// 46: the first fragment (FIN 0) of part-one,part-two,part-three (tshark:
	// websocket.fin 0); 48
	// and 50: continuations; 53: a 64-bit length; 59: a 16-bit one; 62: a
	// close code.
	for _, n := range []int{46, 48, 50, 53, 59, 62} {
		if !slices.Contains(got, n) {
			t.Errorf("plain-any: packet %d has no field table (tables on %v)", n, got)
		}
	}
	var code *FieldRow
	for _, ft := range pkt(t, pg, 62).Frames {
		for i, r := range ft.Rows {
			if r.Name == "Status code" {
				code = &ft.Rows[i]
			}
		}
	}
	if code == nil || code.Value != "1000" || !strings.Contains(code.Meaning, "normal closure") || code.Hex != "03 e8" {
		t.Errorf("the close frame's status code row: %+v", code)
	}
}

// Item 13: the language. Chinese pages put 、 between listed numbers, use
// full-width colons and no half-width space after 。; zh-TW says 承載
// rather than 裝著 and 傳送/送出 in the new prose; zh-CN says 这个数据包携带了
// and 使用掩码键…进行掩码处理; English lists read "packets 9, 10, 11 and 24".
func TestLanguage(t *testing.T) {
	for _, lang := range Languages() {
		pg := page(t, "workerman-chat.pcap", lang, Options{})
		var all strings.Builder
		for _, p := range pg.Packets {
			all.WriteString(says(p) + "\n")
		}
		all.WriteString(strings.Join(pg.Intro, "\n"))
		s := all.String()
		ack := says(pkt(t, pg, 25))
		switch lang {
		case "en":
			if !strings.Contains(ack, "packets 9, 10, 11 and 24") {
				t.Errorf("en: packet 25: %s", ack)
			}
		case "zh-TW", "zh-CN":
			if !strings.Contains(ack, "9、10、11 和 24") {
				t.Errorf("%s: packet 25 does not list with 、: %s", lang, ack)
			}
			if strings.Contains(s, "。 ") {
				t.Errorf("%s: a half-width space after 。", lang)
			}
		}
		if lang == "zh-TW" && (strings.Contains(s, "裝著") || !strings.Contains(s, "承載")) {
			t.Errorf("zh-TW: 裝著 rather than 承載")
		}
		if lang == "zh-CN" {
			if strings.Contains(s, "这个包装着") || !strings.Contains(s, "这个帧携带了") || !strings.Contains(s, "使用掩码键") || !strings.Contains(s, "进行掩码处理") {
				t.Errorf("zh-CN: wording")
			}
		}
	}
	// The new prose of zh-TW never says 發送.
	c, err := LoadCatalog("zh-TW", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range c.Keys() {
		for _, prefix := range []string{"story.", "arith.", "ex.", "gloss.", "ui.step", "ui.frame.title", "field.close-code"} {
			if strings.HasPrefix(k, prefix) && strings.Contains(c.src[k], "發送") {
				t.Errorf("zh-TW %s says 發送", k)
			}
		}
	}
}

// The ACK of a FIN is one past the FIN's own sequence number (tcpdump:
// "Flags [F.], seq 766" then "ack 767" in chromium-ws-deflate.pcap).
func TestAckOfFIN(t *testing.T) {
	pg := page(t, "chromium-ws-deflate.pcap", "en", Options{})
	if l := pkt(t, pg, 62).Line; !strings.Contains(l, "Flags [F.], seq 766, ack 582") {
		t.Fatalf("packet 62: %s", l)
	}
	if s := says(pkt(t, pg, 63)); !strings.Contains(s, "`ack 767`") || !strings.Contains(s, "FIN took sequence number 766") {
		t.Errorf("packet 63: %s", s)
	}
}
