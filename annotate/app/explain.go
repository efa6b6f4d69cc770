package app

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/wstrace/wstrace/annotate"
)

// Result is the application side of a whole capture.
type Result struct {
	// Records lists every record in capture order.
	Records []Record
	// Streams gives, per connection ID, the protocol its WebSocket
	// messages speak and how it was recognised ("subprotocol", "url",
	// "handshake", "heuristic"); Polling the connections whose HTTP
	// bodies carried Engine.IO long-polling payloads.
	Streams map[int]StreamInfo
	byMsg   map[int][]int
	byPkt   map[int][]int
}

// StreamInfo is what was recognised on one connection.
type StreamInfo struct {
	Protocol, Basis string
	Polling         bool
}

// NewResult indexes records (in capture order) made by an [Analyzer]
// fed by hand.
func NewResult(recs []Record) *Result {
	out := &Result{Streams: map[int]StreamInfo{}, byMsg: map[int][]int{}, byPkt: map[int][]int{}}
	for _, r := range recs {
		out.add(r)
	}
	return out
}

func (r *Result) add(rec Record) {
	r.Records = append(r.Records, rec)
	i := len(r.Records) - 1
	if rec.Loc.Message >= 0 {
		r.byMsg[rec.Loc.Message] = append(r.byMsg[rec.Loc.Message], i)
	} else {
		r.byPkt[rec.Loc.Packet] = append(r.byPkt[rec.Loc.Packet], i)
	}
}

// OfMessage returns the records a WebSocket message carried.
func (r *Result) OfMessage(index int) []*Record {
	return r.pick(r.byMsg[index])
}

// OfBody returns the records of the HTTP body that the numbered packet
// completed.
func (r *Result) OfBody(packet int) []*Record {
	return r.pick(r.byPkt[packet])
}

func (r *Result) pick(ix []int) []*Record {
	if len(ix) == 0 {
		return nil
	}
	out := make([]*Record, len(ix))
	for i, j := range ix {
		out[i] = &r.Records[j]
	}
	return out
}

// Heartbeats counts the heartbeat records.
func (r *Result) Heartbeats() int {
	n := 0
	for i := range r.Records {
		if r.Records[i].Heartbeat {
			n++
		}
	}
	return n
}

// Explain runs a [Tracker] over an annotated capture: each packet (for the
// HTTP bodies it completes), then the WebSocket messages it completes, in
// capture order.
func Explain(res *annotate.Result, opts Options, protos ...Protocol) *Result {
	t := NewTracker(opts, protos...)
	out := &Result{Streams: map[int]StreamInfo{}, byMsg: map[int][]int{}, byPkt: map[int][]int{}}
	for _, p := range res.Packets {
		for _, r := range t.Packet(p) {
			out.add(r)
		}
		for _, m := range p.Messages {
			for _, r := range t.Message(m) {
				out.add(r)
			}
		}
	}
	out.Streams = t.Streams()
	return out
}

// Tracker feeds an [Analyzer] from a streaming annotator's records
// (annotate.Options.Emit), or from a Result: hand it every packet, in
// capture order, and every message, in index order, each once.
type Tracker struct {
	a       *Analyzer
	streams map[*annotate.Connection]*Stream
	https   map[*annotate.Connection]*httpState
	info    map[int]StreamInfo
}

// NewTracker returns a Tracker over an Analyzer that knows the given
// protocols (Builtin() when none are given).
func NewTracker(opts Options, protos ...Protocol) *Tracker {
	return &Tracker{a: NewAnalyzer(opts, protos...), streams: map[*annotate.Connection]*Stream{},
		https: map[*annotate.Connection]*httpState{}, info: map[int]StreamInfo{}}
}

// Streams returns, per connection ID, what was recognised so far.
func (t *Tracker) Streams() map[int]StreamInfo {
	out := make(map[int]StreamInfo, len(t.info))
	for k, v := range t.info {
		out[k] = v
	}
	return out
}

// Stream returns what was recognised so far on the connection with the
// given ID.
func (t *Tracker) Stream(id int) (StreamInfo, bool) {
	si, ok := t.info[id]
	return si, ok
}

// Forget drops what the tracker holds for a connection that has ended (a
// streaming annotator's RecordConnection), so that its memory does not grow
// with the number of connections. Engine.IO sessions, which outlive
// connections, are kept.
func (t *Tracker) Forget(c *annotate.Connection) {
	delete(t.streams, c)
	delete(t.https, c)
	if c != nil {
		delete(t.info, c.ID)
	}
}

// Packet follows a packet's HTTP exchange and returns the records of the
// HTTP body it completes, if a protocol claims the request's target. Only
// bodies whose length Content-Length gives are read (Engine.IO's are).
func (t *Tracker) Packet(p *annotate.PacketInfo) []Record {
	c := p.Conn
	if c == nil {
		return nil
	}
	if c.WebSocket && c.Upgrade != nil && c.Upgrade.ResponsePacket > 0 && p.Number > c.Upgrade.ResponsePacket {
		delete(t.https, c)
		return nil
	}
	d := Client
	if p.From == annotate.Server {
		d = Server
	}
	hs := t.https[c]
	if hs == nil {
		hs = &httpState{}
		t.https[c] = hs
	}
	var recs []Record
	hs.packet(p, d, t.a.Claims, func(b *httpBody) {
		r := t.a.Body(b.path, d, b.data, Loc{Message: -1, Packet: p.Number})
		if len(r) > 0 {
			si := t.info[c.ID]
			si.Polling = true
			if si.Protocol == "" {
				si.Protocol, si.Basis = r[0].Protocol, "url"
				if si.Protocol == ProtoEngineIO {
					si.Protocol = ProtoSocketIO
				}
			}
			t.info[c.ID] = si
		}
		recs = append(recs, r...)
	})
	return recs
}

// Message returns the records of a WebSocket message.
func (t *Tracker) Message(m *annotate.Message) []Record {
	c := m.Conn
	s := t.streams[c]
	if s == nil {
		var h Handshake
		if c != nil && c.Upgrade != nil {
			u := c.Upgrade
			h = Handshake{Path: u.Path, Offered: u.Protocols, Protocol: u.Protocol}
		}
		s = t.a.Open(h)
		t.streams[c] = s
	}
	d := Client
	if m.From == annotate.Server {
		d = Server
	}
	recs := s.Decode(Message{Loc: Loc{Message: m.Index, Packet: m.Packet}, From: d, Binary: m.Opcode == 2,
		Control: m.Opcode >= 8, Close: m.CloseCode, Data: m.Data, Truncated: m.Truncated || m.Incomplete})
	if name, basis := s.Protocol(); name != "" && c != nil {
		si := t.info[c.ID]
		si.Protocol, si.Basis = name, basis
		t.info[c.ID] = si
	}
	return recs
}

// httpState follows the HTTP requests and responses of one connection
// and gathers their bodies.
type httpState struct {
	paths []string // request targets waiting for their responses
	body  [3]httpBody
}

type httpBody struct {
	pending bool
	path    string
	want    int64 // Content-Length, -1 unknown
	data    []byte
}

// maxBody caps the body bytes gathered for one HTTP message.
const maxBody = 1 << 20

// packet follows one packet; done is called with each body it completes.
func (hs *httpState) packet(p *annotate.PacketInfo, d Dir, claims func(string) bool, done func(*httpBody)) {
	for _, e := range p.Events {
		if e.Bool("part") {
			continue
		}
		switch e.Kind {
		case annotate.EventHTTPRequest, annotate.EventWSUpgradeRequest:
			path := e.String("path")
			if len(hs.paths) < 64 {
				hs.paths = append(hs.paths, path)
			}
			hs.body[d] = httpBody{pending: claims(path), path: path, want: -1}
		case annotate.EventHTTPResponse, annotate.EventWSUpgradeResponse:
			var path string
			if len(hs.paths) > 0 {
				path, hs.paths = hs.paths[0], hs.paths[1:]
			}
			hs.body[d] = httpBody{pending: claims(path), path: path, want: -1}
		}
	}
	b := &hs.body[d]
	if !b.pending {
		return
	}
	data := p.Packet.Data
	for _, f := range p.Fields {
		if f.Data.End > len(data) {
			continue
		}
		switch f.Kind {
		case "http-header":
			if strings.EqualFold(f.Name, "Content-Length") {
				_, v, _ := bytes.Cut(data[f.Data.Start:f.Data.End], []byte(":"))
				if n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64); err == nil {
					b.want = n
				}
			}
		case "http-body":
			if len(b.data)+f.Data.Len() <= maxBody {
				b.data = append(b.data, data[f.Data.Start:f.Data.End]...)
			}
		}
	}
	if b.want >= 0 && int64(len(b.data)) >= b.want {
		if b.path != "" && b.want > 0 {
			done(b)
		}
		*b = httpBody{}
	}
}
