package render

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture/decode"
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
		learnNick(out, m)
	}
	return out
}

// learnNick records the name a client gives in a message, if it is the
// first its connection gave.
func learnNick(nick map[*annotate.Connection]Wire, m *annotate.Message) {
	if m.From != annotate.Client || m.Conn == nil || nick[m.Conn] != "" {
		return
	}
	if g := gistOf(m); g.Name != "" {
		nick[m.Conn] = g.Name
	}
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
	if m == nil || m.Opcode.IsControl() || m.Conn == nil {
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
		// A Follower forgets packets older than its window; they were
		// shown when they came, unless a filter may have left them out.
		return b.opts.EarlierShown && b.opts.Filter == nil
	}
	o := b.opts
	switch {
	case o.First > 0 && n < o.First && !o.EarlierShown, o.Last > 0 && n > o.Last:
		return false
	case o.Conn > 0 && (pi.Conn == nil || pi.Conn.ID != o.Conn):
		return false
	case o.Filter != nil && !o.Filter(pi):
		return false
	}
	return true
}

// maxSteps is how many steps an introduction lists at most.
const maxSteps = 16

// stepData is what a step of the session's story sees.
type stepData struct {
	// Kind is "connect", "message", "close", "fin", "rst", "open" or
	// "more".
	Kind           string
	Client, Server Wire
	// Who names the end that acts: its nick, or the client on Port.
	Nick       Wire
	Port       uint16
	FromClient bool
	// Msg is what a client's message carries.
	Msg     gist
	Opcode  string
	Size    int64
	Binary  bool
	Code    int
	Packets string // the packets of the step
	Answers string // the server's messages it caused, on the page
	Upgrade string // the packets of the upgrade
	Copies  int
	Count   int
	Ports   string
}

// steps lists what happens in the packets shown, in order: who connects,
// logs in, says what, closes.
func (b *builder) steps() []string {
	if b.nick == nil {
		b.nick = nicks(b.res)
	}
	type connState struct {
		step          *stepData // its connect step, nil for none
		request       int       // the packet that completes its upgrade request
		closed, ended bool
	}
	state := map[int]*connState{} // by connection ID: a streaming page's packets may hold copies of a connection
	var steps []*stepData
	more := 0
	add := func(d *stepData) {
		if len(steps) >= maxSteps {
			more++
			return
		}
		steps = append(steps, d)
	}
	// answers: the shown packets of the server messages a message caused.
	caused := map[*annotate.Message][]int{}
	for _, pi := range b.selectedInfo {
		for _, m := range pi.Messages {
			if c := m.CausedBy; c != nil {
				caused[c] = append(caused[c], m.Packet)
			}
		}
	}
	base := func(c *annotate.Connection, kind string) *stepData {
		return &stepData{Kind: kind, Client: b.client, Server: b.server, Nick: b.nick[c], Port: c.Client.Port()}
	}
	for _, pi := range b.selectedInfo {
		c := pi.Conn
		if c == nil {
			continue
		}
		st := state[c.ID]
		if st == nil {
			st = &connState{}
			state[c.ID] = st
		}
		if pi.Phase == annotate.PhaseHandshake1 {
			d := base(c, "connect")
			d.Nick = ""
			d.Packets = strconv.Itoa(pi.Number)
			if len(steps) < maxSteps {
				st.step = d
			}
			add(d)
		}
		// The upgrade: the packets that complete its request and its
		// 101 response.
		for _, e := range pi.Events {
			switch {
			case e.Bool("part"):
			case e.Kind == annotate.EventWSUpgradeRequest:
				st.request = pi.Number
			case e.Kind == annotate.EventWSUpgradeResponse && e.Int("status") == 101 && st.request > 0 && st.step != nil:
				st.step.Upgrade = b.joinList([]int{st.request, pi.Number})
			}
		}
		for _, m := range pi.Messages {
			switch {
			case m.Opcode == websocket.OpClose && !st.closed:
				st.closed = true
				d := base(c, "close")
				d.FromClient = m.From == annotate.Client
				d.Code = m.CloseCode
				d.Packets = strconv.Itoa(m.Packet)
				add(d)
			case !m.Opcode.IsControl() && m.From == annotate.Client:
				d := base(c, "message")
				d.FromClient = true
				d.Msg = gistOf(m)
				if d.Msg.Name != "" {
					d.Nick = "" // the message gives the name: name the sender by its port
				}
				d.Opcode = b.opcodeName(m.Opcode)
				d.Size, d.Binary = m.Size, !messageIsText(m)
				d.Packets = strconv.Itoa(m.Packet)
				if a := caused[m]; len(a) > 0 {
					d.Answers, d.Copies = b.joinList(a), len(a)
				}
				add(d)
			}
		}
		if f, ok := tcpFlags(pi); ok && !st.ended && f&(decode.FIN|decode.RST) != 0 {
			st.ended = true
			kind := "fin"
			if f&decode.RST != 0 {
				kind = "rst"
			}
			d := base(c, kind)
			d.FromClient = pi.From == annotate.Client
			d.Packets = strconv.Itoa(pi.Number)
			add(d)
		}
	}
	if len(steps) < 2 {
		return nil // one step is no story
	}
	if more > 0 {
		d := &stepData{Kind: "more", Count: more, Client: b.client, Server: b.server}
		steps = append(steps, d)
	}
	var open []int
	seen := map[int]bool{}
	for _, pi := range b.selectedInfo {
		if c := pi.Conn; c != nil && !seen[c.ID] {
			seen[c.ID] = true
			if !state[c.ID].ended {
				open = append(open, int(c.Client.Port()))
			}
		}
	}
	if len(open) > 0 {
		d := &stepData{Kind: "open", Client: b.client, Server: b.server, Count: len(open), Ports: b.joinList(open)}
		steps = append(steps, d)
	}
	out := []string{b.text("ui.steps", nil)}
	for i, d := range steps {
		out = append(out, strconv.Itoa(i+1)+". "+strings.TrimSpace(b.text("ui.step", d)))
	}
	return out
}
