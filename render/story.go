package render

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate"
)

// The JSON members a story reads, in order of preference: what kind of
// message it is, the name a user gives, what a user says.
var (
	kindMembers = []string{"type", "event", "action", "cmd"}
	nameMembers = []string{"name", "client_name", "nick", "nickname", "username", "user"}
	saidMembers = []string{"content", "text", "message", "msg"}
)

// storyRunes is how much of a value a story quotes.
const storyRunes = 60

// gist is what a message carries, read from its JSON members (decoded, so
// that "\u732a\u732a" reads 猪猪).
type gist struct {
	Kind, Name, Said Wire
}

// gistOf reads a text message's JSON object, if it is one.
func gistOf(m *annotate.Message) gist {
	var g gist
	if m == nil || !m.JSON || len(m.Data) > 64<<10 {
		return g
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(m.Data, &obj) != nil {
		return g
	}
	member := func(names []string) Wire {
		for _, n := range names {
			var s string
			if raw, ok := obj[n]; ok && json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) != "" {
				return Wire(cutString(s, storyRunes))
			}
		}
		return ""
	}
	g.Kind, g.Name, g.Said = member(kindMembers), member(nameMembers), member(saidMembers)
	return g
}

// cutString cuts s to n characters, marking the cut with "…".
func cutString(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// nicks returns, for each connection, the name its client gave in its
// first message that names one (a chat login).
func nicks(res *annotate.Result) map[*annotate.Connection]Wire {
	out := map[*annotate.Connection]Wire{}
	for _, m := range res.Messages {
		if m.From != annotate.Client || m.Conn == nil || out[m.Conn] != "" {
			continue
		}
		if g := gistOf(m); g.Name != "" {
			out[m.Conn] = g.Name
		}
	}
	return out
}

// storyData is what the sentence telling a message's story sees.
type storyData struct {
	From, Client, Server Wire
	FromClient           bool
	gist
	// Nick is the name the sender's client gave (client messages).
	Nick Wire
	// ToPort is the client port of the message's connection.
	ToPort uint16
	// Cause is the packet of the client message that caused this one (0
	// for none); CauseSame reports that it came on the same connection.
	Cause        int
	CauseSame    bool
	CausePort    uint16
	CauseNick    Wire
	CauseKind    Wire
	CauseSaid    Wire
	CauseOutside bool
	Copies       int
	CopyPackets  string
}

// story tells what a data message carries and why it was sent, or "".
func (b *builder) story(m *annotate.Message) string {
	if m == nil || m.Opcode >= 8 || m.Conn == nil {
		return ""
	}
	if b.nick == nil {
		b.nick = nicks(b.res)
	}
	d := &storyData{From: b.roleName(m.From), Client: b.client, Server: b.server, FromClient: m.From == annotate.Client,
		gist: gistOf(m), ToPort: m.Conn.Client.Port()}
	if d.FromClient {
		d.Nick = b.nick[m.Conn]
	}
	if c := m.CausedBy; c != nil && c.Conn != nil {
		d.Cause, d.CauseSame, d.CausePort, d.CauseNick = c.Packet, c.Conn == m.Conn, c.Conn.Client.Port(), b.nick[c.Conn]
		cg := gistOf(c)
		d.CauseKind, d.CauseSaid = cg.Kind, cg.Said
		d.CauseOutside = !b.shownPacket(c.Packet)
	}
	if m.RelayOf == nil && m.From == annotate.Server && len(m.Relays) > 0 {
		nums := []int{m.Packet}
		for _, r := range m.Relays {
			nums = append(nums, r.Packet)
		}
		d.Copies, d.CopyPackets = len(nums), b.joinList(nums)
	}
	if d.Kind == "" && d.Said == "" && d.Cause == 0 && d.Copies == 0 {
		return ""
	}
	return strings.TrimSpace(b.text("story.message", d))
}

// joinList writes numbers as a list in the page's language: "9, 10 and
// 11", "9、10 和 11".
func (b *builder) joinList(nums []int) string {
	s := make([]string, len(nums))
	for i, n := range nums {
		s[i] = strconv.Itoa(n)
	}
	if len(s) == 1 {
		return s[0]
	}
	return b.text("ui.list", map[string]any{"Head": s[:len(s)-1], "Last": s[len(s)-1]})
}

// shownPacket reports whether the page shows the packet with number n.
func (b *builder) shownPacket(n int) bool {
	pi := b.packets[n]
	if pi == nil {
		return false
	}
	o := b.opts
	switch {
	case o.First > 0 && n < o.First, o.Last > 0 && n > o.Last:
		return false
	case o.Conn > 0 && (pi.Conn == nil || pi.Conn.ID != o.Conn):
		return false
	case o.Filter != nil && !o.Filter(pi):
		return false
	}
	return true
}
