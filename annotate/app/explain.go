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

// Explain runs an [Analyzer] over an annotated capture: every WebSocket
// message of every connection, and every HTTP body whose request target a
// [BodyProtocol] claims, in capture order.
func Explain(res *annotate.Result, opts Options, protos ...Protocol) *Result {
	a := NewAnalyzer(opts, protos...)
	out := &Result{Streams: map[int]StreamInfo{}, byMsg: map[int][]int{}, byPkt: map[int][]int{}}
	streams := map[*annotate.Connection]*Stream{}
	https := map[*annotate.Connection]*httpState{}
	add := func(recs []Record, byMsg bool) {
		for _, r := range recs {
			out.Records = append(out.Records, r)
			i := len(out.Records) - 1
			if byMsg {
				out.byMsg[r.Loc.Message] = append(out.byMsg[r.Loc.Message], i)
			} else {
				out.byPkt[r.Loc.Packet] = append(out.byPkt[r.Loc.Packet], i)
			}
		}
	}
	flush := func(c *annotate.Connection, hs *httpState, d Dir) {
		b := &hs.body[d]
		if b.pending && b.path != "" {
			recs := a.Body(b.path, d, b.data, Loc{Message: -1, Packet: b.packet})
			if len(recs) > 0 {
				si := out.Streams[c.ID]
				si.Polling = true
				if si.Protocol == "" {
					si.Protocol = recs[0].Protocol
					if si.Protocol == ProtoEngineIO {
						si.Protocol = ProtoSocketIO
					}
					si.Basis = "url"
				}
				out.Streams[c.ID] = si
			}
			add(recs, false)
		}
		*b = httpBody{}
	}
	flushAll := func() {
		for c, hs := range https {
			flush(c, hs, Client)
			flush(c, hs, Server)
		}
	}
	for _, p := range res.Packets {
		c := p.Conn
		if c == nil {
			continue
		}
		d := Client
		if p.From == annotate.Server {
			d = Server
		}
		if !c.WebSocket || (c.Upgrade != nil && p.Number <= c.Upgrade.ResponsePacket) || c.Upgrade == nil {
			https[c] = httpPacket(https[c], p, d, func(hs *httpState, dir Dir) { flush(c, hs, dir) })
		}
		if len(p.Messages) == 0 {
			continue
		}
		flushAll()
		s := streams[c]
		if s == nil {
			var h Handshake
			if u := c.Upgrade; u != nil {
				h = Handshake{Path: u.Path, Offered: u.Protocols, Protocol: u.Protocol}
			}
			s = a.Open(h)
			streams[c] = s
		}
		for _, m := range p.Messages {
			md := Client
			if m.From == annotate.Server {
				md = Server
			}
			am := Message{Loc: Loc{Message: m.Index, Packet: m.Packet}, From: md, Binary: m.Opcode == 2,
				Control: m.Opcode >= 8, Close: m.CloseCode, Data: m.Data, Truncated: m.Truncated || m.Incomplete}
			add(s.Decode(am), true)
		}
		if name, basis := s.Protocol(); name != "" {
			si := out.Streams[c.ID]
			si.Protocol, si.Basis = name, basis
			out.Streams[c.ID] = si
		}
	}
	flushAll()
	return out
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
	packet  int
}

// maxBody caps the body bytes gathered for one HTTP message.
const maxBody = 1 << 20

// httpPacket follows one packet of a connection's HTTP phase.
func httpPacket(hs *httpState, p *annotate.PacketInfo, d Dir, flush func(*httpState, Dir)) *httpState {
	if hs == nil {
		hs = &httpState{}
	}
	if p.PayloadLength > 0 && hs.body[d.Peer()].pending {
		flush(hs, d.Peer())
	}
	for _, e := range p.Events {
		if e.Bool("part") {
			continue
		}
		switch e.Kind {
		case "http-request", "ws-upgrade-request":
			flush(hs, d)
			path := e.String("path")
			if len(hs.paths) < 64 {
				hs.paths = append(hs.paths, path)
			}
			hs.body[d] = httpBody{pending: true, path: path, want: -1, packet: p.Number}
		case "http-response", "ws-upgrade-response":
			flush(hs, d)
			var path string
			if len(hs.paths) > 0 {
				path, hs.paths = hs.paths[0], hs.paths[1:]
			}
			hs.body[d] = httpBody{pending: true, path: path, want: -1, packet: p.Number}
		}
	}
	b := &hs.body[d]
	if !b.pending {
		return hs
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
			b.packet = p.Number
		}
	}
	if b.want >= 0 && int64(len(b.data)) >= b.want {
		flush(hs, d)
	}
	return hs
}
