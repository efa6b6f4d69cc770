package annotate

import (
	"slices"
	"testing"
)

// causes returns, for each server message that has a cause, the packet of
// the message and the packet of its cause.
func causes(res *Result) map[int]int {
	out := map[int]int{}
	for _, m := range res.Messages {
		if m.CausedBy != nil {
			out[m.Packet] = m.CausedBy.Packet
		}
	}
	return out
}

// TestCausedBy links the server's messages of the seed capture to the
// browsers' messages whose content they carry: the login notice of packet
// 24 (to the other browser) to mynick's login in 19, the chat line of 29
// to what mynick said in 26.
func TestCausedBy(t *testing.T) {
	res := annotateFile(t, "workerman-chat.pcap", Options{})
	got := causes(res)
	want := map[int]int{10: 8, 20: 19, 22: 19, 24: 19, 27: 26, 29: 26}
	for p, c := range want {
		if got[p] != c {
			t.Errorf("packet %d: caused by packet %d, want %d", p, got[p], c)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("packet %d: caused by packet %d, want no cause", p, got[p])
		}
	}
	for _, pi := range res.Packets {
		for _, e := range pi.Events {
			if e.Kind == "ws-message" && e.Message.CausedBy != nil {
				if e.Int("caused_by") != int64(e.Message.CausedBy.Index) || e.Int("cause_packet") != int64(e.Message.CausedBy.Packet) {
					t.Errorf("packet %d: event params %v", pi.Number, e.Params)
				}
			}
		}
	}
}

// TestCausedByChromium: in the Chromium captures the server's messages
// carry what the mynick tab sent: its login name, its chat lines, the
// frag request; a server message never points at a later or server message.
func TestCausedByChromium(t *testing.T) {
	for _, name := range []string{"chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap"} {
		res := annotateFile(t, name, Options{})
		n := 0
		for _, m := range res.Messages {
			c := m.CausedBy
			if c == nil {
				continue
			}
			n++
			if m.From != Server || c.From != Client || c.Index >= m.Index {
				t.Errorf("%s: message %d (packet %d) caused by message %d (packet %d, %s)", name, m.Index, m.Packet, c.Index, c.Packet, c.From)
			}
		}
		if n < 4 {
			t.Errorf("%s: only %d server messages have a cause", name, n)
		}
	}
}

func TestJSONStrings(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{"type":"login","name":"\u732a\u732a"}`, []string{"login", "猪猪"}},
		{`{"a":["x",{"b":"y"}],"c":{"d":"e"},"f":1,"g":"h"}`, []string{"x", "y", "e", "h"}},
		{`["k",{"k":"v"}]`, []string{"k", "v"}},
		{`{"a":`, nil},
	} {
		if got := jsonStrings([]byte(tc.in), 10); !slices.Equal(got, tc.want) {
			t.Errorf("jsonStrings(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCausedByUserList: the user list the server sends the second tab
// names both tabs; it answers the second tab's login (packet 22), the
// latest of the two logins it carries a name of.
func TestCausedByUserList(t *testing.T) {
	got := causes(annotateFile(t, "chromium-ws-plain-any.pcap", Options{}))
	for p, c := range map[int]int{9: 8, 23: 22, 24: 22, 33: 31, 40: 37} {
		if got[p] != c {
			t.Errorf("packet %d: caused by packet %d, want %d", p, got[p], c)
		}
	}
}
