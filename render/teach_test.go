package render

import (
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
