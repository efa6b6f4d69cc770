package app

import (
	"bytes"
	"encoding/json"
)

// ProtoSignalR is SignalR's name in records.
const ProtoSignalR = "signalr"

// SignalR is the ASP.NET Core SignalR JSON hub protocol
// (https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md):
// JSON records each ended by 0x1E. It is recognised by its handshake, a
// first client message {"protocol":"json","version":1} and 0x1E.
//
// Records have the types "handshake" (the request, and the server's answer:
// {} or an error) and the hub message types by their specification names:
// Invocation, StreamItem, Completion, StreamInvocation, CancelInvocation,
// Ping, Close, Ack, Sequence; and the fields:
//
//	hub_protocol, version    the handshake request's
//	error                    a handshake answer's, a Completion's or a Close's
//	invocation_id, target, arguments, stream_ids
//	                         an invocation's
//	item                     a StreamItem's
//	result                   a Completion's
//	allow_reconnect          a Close's
//
// StreamItem, Completion and CancelInvocation have an "invocation" link to
// the invocation with their invocation id. Ping is a heartbeat.
//
// Catalog keys: app.signalr.<type>.
type SignalR struct{}

// Name returns "signalr".
func (SignalR) Name() string { return ProtoSignalR }

// Match never recognises a handshake: SignalR names no subprotocol.
func (SignalR) Match(h Handshake) string { return "" }

// Sniff recognises the handshake request.
func (SignalR) Sniff(m Message) string {
	if m.From != Client || m.Binary || len(m.Data) > 4096 || !bytes.HasSuffix(m.Data, []byte{0x1e}) ||
		!mayHold(m.Data, "protocol") {
		return ""
	}
	obj, e := jsonObject(bytes.TrimSuffix(m.Data, []byte{0x1e}))
	if e == "" && obj["protocol"] == "json" {
		return "handshake"
	}
	return ""
}

// NewDecoder returns a SignalR decoder.
func (SignalR) NewDecoder(h Handshake, env *Env) Decoder {
	return &signalrDecoder{inv: map[string]Loc{}}
}

type signalrDecoder struct {
	shook [3]bool
	inv   map[string]Loc
}

var signalrTypes = [...]string{"", "Invocation", "StreamItem", "Completion", "StreamInvocation", "CancelInvocation",
	"Ping", "Close", "Ack", "Sequence"}

func (d *signalrDecoder) Decode(m Message) []Record {
	if m.Control || m.From > Server {
		return nil
	}
	var recs []Record
	b := m.Data
	for len(b) > 0 && len(recs) < 1024 {
		one, rest, _ := bytes.Cut(b, []byte{0x1e})
		b = rest
		r := Record{Protocol: ProtoSignalR, Loc: m.Loc, From: m.From, Part: len(recs)}
		obj, e := jsonObject(one)
		if !d.shook[m.From] {
			d.shook[m.From] = true
			r.Type = "handshake"
			r.Error = e
			if p, ok := obj["protocol"].(string); ok {
				r.Fields.Set("hub_protocol", p)
			}
			if v, ok := obj["version"].(json.Number); ok {
				if i, err := v.Int64(); err == nil {
					r.Fields.Set("version", i)
				}
			}
			if er, ok := obj["error"].(string); ok {
				r.Fields.Set("error", er)
			}
			recs = append(recs, r)
			continue
		}
		if e != "" {
			r.Type, r.Error = "unknown", e
			recs = append(recs, r)
			continue
		}
		var t int64 = -1
		if n, ok := obj["type"].(json.Number); ok {
			t, _ = n.Int64()
		}
		if t < 1 || t >= int64(len(signalrTypes)) {
			r.Type, r.Error = "unknown", "bad-type"
			recs = append(recs, r)
			continue
		}
		r.Type = signalrTypes[t]
		id, hasID := obj["invocationId"].(string)
		if hasID {
			r.Fields.Set("invocation_id", id)
		}
		for _, k := range [][2]string{{"target", "target"}, {"arguments", "arguments"}, {"streamIds", "stream_ids"},
			{"item", "item"}, {"result", "result"}, {"error", "error"}, {"allowReconnect", "allow_reconnect"}} {
			if str, ok := obj[k[0]].(string); ok {
				r.Fields.Set(k[1], str) // target, error: strings by the spec
			} else if b, ok := obj[k[0]].(bool); ok {
				r.Fields.Set(k[1], b)
			} else if v := rawMember(one, k[0]); v != nil {
				r.Fields.Set(k[1], v)
			}
		}
		switch r.Type {
		case "Invocation", "StreamInvocation":
			if hasID && len(d.inv) < 4096 {
				d.inv[id] = m.Loc
			}
		case "StreamItem", "Completion", "CancelInvocation":
			if l, ok := d.inv[id]; ok && hasID {
				r.Links = append(r.Links, Link{Rel: "invocation", Loc: l})
			}
		case "Ping":
			r.Heartbeat = true
		}
		recs = append(recs, r)
	}
	return recs
}

// Vocabulary lists the catalog key suffixes of SignalR's records.
func (SignalR) Vocabulary() []string {
	return vocabulary(ProtoSignalR, append([]string{"handshake", "unknown"}, signalrTypes[1:]...)...)
}
