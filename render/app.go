package render

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
	"github.com/wstrace/wstrace/annotate/websocket"
)

// appPage holds what the page knows of the application protocols
// (package annotate/app): the records, and the heartbeat packets that
// --hide-heartbeats leaves out.
type appPage struct {
	res       *app.Result
	announced map[int]bool // connections whose protocol the page named
	hidden    map[int]bool // packet numbers hidden as heartbeats
	count     int          // heartbeat packets hidden (their ACKs not counted)
}

// appSetup explains the application protocols of the capture and, with
// Options.HideHeartbeats, finds the packets to hide: those whose WebSocket
// messages are all heartbeats (application heartbeats, or WebSocket ping
// and pong frames), and the bare ACKs of such packets.
func (b *builder) appSetup() {
	a := &appPage{res: app.Explain(b.res, app.Options{Reveal: b.opts.NoRedact}), hidden: map[int]bool{}}
	b.app = a
	if !b.opts.HideHeartbeats {
		return
	}
	for _, pi := range b.res.Packets {
		a.markHeartbeat(pi)
	}
}

// markHeartbeat hides the packet if it is a heartbeat or the bare ACK of
// heartbeats only. The packets it acknowledges must have been marked.
func (a *appPage) markHeartbeat(pi *annotate.PacketInfo) {
	if len(pi.Messages) == 0 || pi.Phase == annotate.PhaseTeardown {
		if e, ok := pi.Event(annotate.EventAck); ok && pi.PayloadLength == 0 && pi.Phase == annotate.PhaseAck {
			nums, _ := e.Params.Get("acked_packets").([]int)
			all := len(nums) > 0
			for _, n := range nums {
				all = all && a.hidden[n]
			}
			if all {
				a.hidden[pi.Number] = true
			}
		}
		return
	}
	beat := true
	for _, m := range pi.Messages {
		if m.Opcode == websocket.OpPing || m.Opcode == websocket.OpPong {
			continue
		}
		recs := a.res.OfMessage(m.Index)
		if len(recs) == 0 {
			beat = false
		}
		for _, r := range recs {
			beat = beat && r.Heartbeat
		}
	}
	// A packet that also starts a later message is not hidden.
	for _, f := range pi.Fields {
		if f.Frame != nil && f.Frame.Packet != pi.Number {
			beat = false
		}
	}
	if beat {
		a.hidden[pi.Number] = true
		a.count++
	}
}

// hiddenHeartbeat reports whether --hide-heartbeats hides the packet.
func (b *builder) hiddenHeartbeat(pi *annotate.PacketInfo) bool {
	return b.app != nil && b.app.hidden[pi.Number]
}

// appNote says how many heartbeat packets were hidden.
func (b *builder) appNote() {
	if b.app == nil || !b.opts.HideHeartbeats {
		return
	}
	acks := len(b.app.hidden) - b.app.count
	b.page.Notes = append(b.page.Notes, b.text("ui.note.heartbeats-hidden", map[string]any{"Count": b.app.count, "Acks": acks}))
}

// appProtocolNames are the names pages give the protocols.
var appProtocolNames = map[string]string{
	app.ProtoSocketIO: "Socket.IO", app.ProtoEngineIO: "Engine.IO", app.ProtoSTOMP: "STOMP", app.ProtoMQTT: "MQTT",
	app.ProtoGraphQLTransportWS: "GraphQL over WebSocket (graphql-transport-ws)", app.ProtoGraphQLWS: "GraphQL over WebSocket (graphql-ws)",
	app.ProtoJSONRPC: "JSON-RPC 2.0", app.ProtoSignalR: "SignalR", "graphql": "GraphQL over WebSocket",
}

// appRecordsOf returns the records a packet completes: those of its
// WebSocket messages and of the HTTP body it completes.
func (b *builder) appRecordsOf(pi *annotate.PacketInfo) []*app.Record {
	if b.app == nil {
		return nil
	}
	var recs []*app.Record
	for _, m := range pi.Messages {
		recs = append(recs, b.app.res.OfMessage(m.Index)...)
	}
	return append(recs, b.app.res.OfBody(pi.Number)...)
}

// appText returns the sentences that say what the application did in a
// packet, one per record.
func (b *builder) appText(pi *annotate.PacketInfo) []string {
	var out []string
	recs := b.appRecordsOf(pi)
	if len(recs) > 0 && pi.Conn != nil && !b.app.announced[pi.Conn.ID] {
		if b.app.announced == nil {
			b.app.announced = map[int]bool{}
		}
		b.app.announced[pi.Conn.ID] = true
		if si, ok := b.app.res.Streams[pi.Conn.ID]; ok && si.Protocol != "" {
			sub := ""
			if u := pi.Conn.Upgrade; u != nil {
				sub = u.Protocol
			}
			out = append(out, strings.TrimSpace(b.text("app.detected", map[string]any{
				"Protocol": Wire(appProtocolNames[si.Protocol]), "Basis": si.Basis, "Sub": Wire(sub), "Polling": si.Polling,
			})))
		}
	}
	for _, r := range recs {
		key := "app." + app.CatalogKey(r)
		if !b.cat.Has(key) {
			key = "app.generic"
		}
		d := b.appData(r)
		s := strings.TrimSpace(b.text(key, d))
		if r.Error != "" {
			s += " " + strings.TrimSpace(b.text("app.error", d))
		}
		if r.Guess {
			s += " " + strings.TrimSpace(b.text("app.guess", d))
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// appData is what an "app." message sees: From and To (role names),
// Client (the client sent it), Protocol (its name), Type, F (the fields:
// strings, numbers and lists as Wire text, strings cut to a preview,
// booleans), A (the fields of the record it
// answers, with Type and Packet; nil when none), Error, Packets (the packets of a record
// carried by several messages).
func (b *builder) appData(r *app.Record) map[string]any {
	from, to := b.client, b.server
	if r.From == app.Server {
		from, to = b.server, b.client
	}
	d := map[string]any{
		"From": from, "To": to, "Protocol": Wire(appProtocolNames[r.Protocol]), "Type": Wire(r.Type),
		"F": appFields(r.Fields), "Error": Wire(r.Error), "Heartbeat": r.Heartbeat, "Client": r.From == app.Client,
		"A": nil, "Packets": "",
	}
	if len(r.Links) > 0 {
		l := r.Links[0]
		if t := b.appLinked(l); t != nil {
			a := appFields(t.Fields)
			a["Type"], a["Packet"], a["Rel"] = Wire(t.Type), l.Loc.Packet, l.Rel
			d["A"] = a
		}
	}
	if len(r.Parts) > 1 {
		var pk []int
		for _, m := range r.Parts {
			if msg := b.messageAt(m); msg != nil {
				pk = append(pk, msg.Packet)
			}
		}
		d["Packets"] = joinInts(pk)
	}
	return d
}

// appLinked returns the record a link points at.
func (b *builder) appLinked(l app.Link) *app.Record {
	var recs []*app.Record
	if l.Loc.Message >= 0 {
		recs = b.app.res.OfMessage(l.Loc.Message)
	} else {
		recs = b.app.res.OfBody(l.Loc.Packet)
	}
	for _, r := range recs {
		if r.Part == l.Part {
			return r
		}
	}
	return nil
}

// appPreview is how many characters of a field value a sentence quotes.
const appPreview = 60

// appFields turns fields into template values.
func appFields(fs app.Fields) map[string]any {
	m := make(map[string]any, len(fs))
	for _, f := range fs {
		m[f.Name] = appValue(f.Value)
	}
	return m
}

func appValue(v any) any {
	switch v := v.(type) {
	case string:
		return Wire(cutRunes([]byte(v), appPreview))
	case bool:
		return v
	case int64:
		// As text: a template's "if" takes ack id 0 as present.
		return Wire(strconv.FormatInt(v, 10))
	case []string:
		return Wire(cutRunes([]byte(strings.Join(v, ", ")), appPreview))
	case []int64:
		s := make([]string, len(v))
		for i, n := range v {
			s[i] = strconv.FormatInt(n, 10)
		}
		return Wire(strings.Join(s, ", "))
	case []any:
		// Arguments: each as JSON, separated by commas.
		s := make([]string, len(v))
		for i, x := range v {
			s[i] = app.Text(x)
		}
		return Wire(cutRunes([]byte(strings.Join(s, ", ")), appPreview))
	case json.Number:
		return Wire(v.String())
	}
	return Wire(cutRunes([]byte(app.Text(v)), appPreview))
}

// appLabel is a diagram label by meaning ("EVENT say", "PUBLISH
// chat/room1"), or "" when the packet completes no record.
func (b *builder) appLabel(pi *annotate.PacketInfo) string {
	var parts []string
	for _, r := range b.appRecordsOf(pi) {
		label := r.Type
		f := r.Fields
		for _, k := range []string{"event", "destination", "topic", "method", "target", "operation_name"} {
			if s := f.String(k); s != "" {
				label += " " + s
				break
			}
		}
		if r.Type == "ACK" || r.Type == "BINARY_ACK" {
			if id, ok := f.Int("ack_id"); ok {
				label += " " + strconv.FormatInt(id, 10)
			}
		}
		if r.Type == "SUBSCRIBE" && r.Protocol == app.ProtoMQTT {
			label += " " + strings.Join(f.Get("topics").([]string), ", ")
		}
		if f.Has("probe") {
			label += " probe"
		}
		if c, ok := f.Int("code"); ok {
			label += " " + strconv.FormatInt(c, 10)
		}
		parts = append(parts, oneLine(cutRunes([]byte(label), 32)))
	}
	if len(parts) > 3 {
		parts = append(parts[:3], "…")
	}
	return strings.Join(parts, "; ")
}

// arrowText is a packet's label in the diagram: by meaning when the
// application protocol is known, before the HTTP request or status line of
// a long-polling exchange.
func (b *builder) arrowText(pi *annotate.PacketInfo) string {
	l := b.appLabel(pi)
	if l == "" {
		return b.arrowLabel(pi)
	}
	if len(pi.Messages) == 0 {
		if h := b.arrowLabel(pi); h != "" {
			return l + "; " + h
		}
	}
	return l
}
