package app

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Protocol names used in records.
const (
	ProtoEngineIO = "engine.io"
	ProtoSocketIO = "socket.io"
)

// EngineIO is Engine.IO v3 and v4 (https://socket.io/docs/v4/engine-io-protocol/)
// with Socket.IO v4 and v5 packets inside
// (https://socket.io/docs/v4/socket-io-protocol/), over WebSocket and over
// HTTP long-polling. It is recognised by the request target's EIO and
// transport query parameters (any path: /socket.io/ is only the default),
// or by a first server message that is an open packet.
//
// Engine.IO records (protocol "engine.io") have the types open, close, ping,
// pong, message (a message that is not Socket.IO), upgrade and noop, and the
// fields:
//
//	eio            3 or 4, the protocol revision (query parameter EIO)
//	transport      "polling" or "websocket"
//	sid, upgrades, ping_interval, ping_timeout, max_payload
//	               the open packet's handshake values (max_payload: v4)
//	data           a ping/pong payload ("probe" during the upgrade) or a
//	               message's text; bytes for binary data
//	probe          true for the upgrade's 2probe/3probe
//
// Pings and pongs other than the probe are heartbeats; in v4 the server
// pings and the client answers, in v3 the other way round. A pong links to
// the ping it "answers".
//
// Socket.IO records (protocol "socket.io") have the types CONNECT,
// DISCONNECT, EVENT, ACK, CONNECT_ERROR (ERROR with EIO=3), BINARY_EVENT,
// BINARY_ACK, and "attachment" for the binary Engine.IO message that
// carries an attachment, and the fields:
//
//	namespace      "/" unless the packet names another
//	event          the event name (EVENT, BINARY_EVENT)
//	args           the arguments (EVENT: after the name; ACK: all)
//	ack_id         the acknowledgement id
//	attachments    how many binary attachments follow (BINARY_*)
//	auth           CONNECT's payload: "<redacted>" unless Options.Reveal;
//	auth_keys      its member names
//	sid            the server's CONNECT answer (v5)
//	message, data  CONNECT_ERROR's
//	num, bytes     an attachment's number and size
//	eio            3 or 4
//
// An ACK "answers" the EVENT or BINARY_EVENT the peer sent with its ack id
// (in the same namespace); an attachment is an "attachment_of" its
// BINARY_EVENT or BINARY_ACK. The session (its sid) is followed from the
// polling requests onto the WebSocket connection that upgrades it.
//
// Catalog keys: app.socket.io.<TYPE>, app.engine.io.<type>.
type EngineIO struct{}

// Name returns "socket.io".
func (EngineIO) Name() string { return ProtoSocketIO }

// Match recognises the EIO query parameter.
func (EngineIO) Match(h Handshake) string {
	if eioVersion(h.Path) != 0 && h.Protocol == "" {
		return "url"
	}
	return ""
}

// MatchBody recognises a polling request target.
func (EngineIO) MatchBody(path string) bool {
	return eioVersion(path) != 0 && (Handshake{Path: path}).Query("transport") == "polling"
}

// eioVersion returns the EIO query parameter (3 or 4), 0 when absent.
func eioVersion(path string) int {
	h := Handshake{Path: path}
	if h.Query("transport") == "" {
		return 0
	}
	switch h.Query("EIO") {
	case "3":
		return 3
	case "4":
		return 4
	}
	return 0
}

// Sniff recognises an open packet sent first.
func (EngineIO) Sniff(m Message) string {
	if m.From == Server && !m.Binary && bytes.HasPrefix(m.Data, []byte(`0{"sid":`)) {
		return "heuristic"
	}
	return ""
}

// eioSession is one Engine.IO session, shared by its polling requests and
// its WebSocket connection.
type eioSession struct {
	eio    int
	sid    string
	reveal bool
	acks   map[string]Loc // "dir|namespace|id" -> the packet that asked
	ackp   map[string]int
	ping   [3]*Record // last ping per Dir
	// pending binary attachments per Dir
	pend [3]pendingBinary
}

type pendingBinary struct {
	left, next int
	of         Loc
	ofPart     int
}

func (s *eioSession) init() {
	if s.acks == nil {
		s.acks = make(map[string]Loc)
		s.ackp = make(map[string]int)
	}
}

// session returns the session the request target names (by sid), or a new
// one.
func eioSessionFor(path string, env *Env) *eioSession {
	h := Handshake{Path: path}
	v := eioVersion(path)
	if sid := h.Query("sid"); sid != "" {
		s := env.Session("eio:"+sid, func() any { return &eioSession{eio: v, sid: sid} }).(*eioSession)
		s.reveal = env.Options.Reveal
		return s
	}
	return &eioSession{eio: v, reveal: env.Options.Reveal}
}

// NewDecoder returns the decoder of one WebSocket connection.
func (EngineIO) NewDecoder(h Handshake, env *Env) Decoder {
	s := eioSessionFor(h.Path, env)
	if s.eio == 0 {
		s.eio = 4
	}
	return &eioDecoder{s: s, env: env}
}

type eioDecoder struct {
	s   *eioSession
	env *Env
}

func (d *eioDecoder) Decode(m Message) (recs []Record) {
	if m.Control {
		return nil
	}
	defer func() {
		for i := range recs {
			recs[i].Session = d.s.sid
		}
	}()
	if m.Binary {
		data := m.Data
		if d.s.eio == 3 && len(data) > 0 {
			data = data[1:] // the packet type byte (4, message)
		}
		recs = d.s.binary(m.From, data, m.Loc, 0, "websocket", recs)
	} else {
		recs = d.s.packet(m.From, m.Data, m.Loc, 0, "websocket", d.env, recs)
	}
	return recs
}

// DecodeBody decodes a polling payload.
func (EngineIO) DecodeBody(path string, from Dir, body []byte, at Loc, env *Env) (recs []Record) {
	s := eioSessionFor(path, env)
	if from == Server && string(body) == "ok" {
		return nil // the server's answer to a POST: nothing but "accepted"
	}
	part := 0
	add := func(p []byte, binary bool) {
		if binary {
			recs = s.binary(from, p, at, part, "polling", recs)
		} else {
			recs = s.packet(from, p, at, part, "polling", env, recs)
		}
		part = len(recs)
	}
	defer func() {
		for i := range recs {
			recs[i].Session = s.sid
		}
	}()
	if s.eio == 3 {
		eio3Payload(body, add)
		return recs
	}
	for len(body) > 0 {
		p, rest, _ := bytes.Cut(body, []byte{0x1e})
		body = rest
		if len(p) > 0 && p[0] == 'b' {
			bin, err := base64.StdEncoding.DecodeString(string(p[1:]))
			if err == nil {
				add(bin, true)
				continue
			}
		}
		add(p, false)
	}
	return recs
}

// eio3Payload splits an Engine.IO v3 polling payload: "<length>:<packet>"
// repeated, the length counted in UTF-16 code units, or the binary form
// (0 or 1, the length's decimal digits as bytes, 255, the packet).
func eio3Payload(b []byte, add func([]byte, bool)) {
	for len(b) > 0 {
		if b[0] == 0 || b[0] == 1 {
			isBin := b[0] == 1
			i, n := 1, 0
			for i < len(b) && b[i] <= 9 && i < 12 {
				n = n*10 + int(b[i])
				i++
			}
			if i >= len(b) || b[i] != 255 {
				return
			}
			i++
			end := i
			if isBin {
				end = min(len(b), i+n)
			} else {
				end = i + utf16Bytes(b[i:], n)
			}
			p := b[i:end]
			b = b[end:]
			if isBin && len(p) > 0 {
				add(p[1:], true)
			} else {
				add(p, false)
			}
			continue
		}
		colon := bytes.IndexByte(b, ':')
		if colon <= 0 || colon > 10 {
			add(b, false)
			return
		}
		n, err := strconv.Atoi(string(b[:colon]))
		if err != nil || n < 0 {
			add(b, false)
			return
		}
		b = b[colon+1:]
		end := utf16Bytes(b, n)
		p := b[:end]
		b = b[end:]
		if len(p) > 1 && p[0] == 'b' { // "b4<base64>": a binary message
			if bin, err := base64.StdEncoding.DecodeString(string(p[2:])); err == nil {
				add(bin, true)
				continue
			}
		}
		add(p, false)
	}
}

// utf16Bytes returns how many bytes of b hold its first n UTF-16 code
// units (all of b when it holds fewer).
func utf16Bytes(b []byte, n int) int {
	i := 0
	for n > 0 && i < len(b) {
		r, size := utf8.DecodeRune(b[i:])
		i += size
		if utf16.RuneLen(r) == 2 {
			n -= 2
		} else {
			n--
		}
	}
	return i
}

var eioTypes = [...]string{"open", "close", "ping", "pong", "message", "upgrade", "noop"}

// packet decodes one text Engine.IO packet.
func (s *eioSession) packet(from Dir, p []byte, at Loc, part int, transport string, env *Env, recs []Record) []Record {
	r := Record{Protocol: ProtoEngineIO, Loc: at, Part: part, From: from}
	if len(p) == 0 || p[0] < '0' || p[0] > '6' {
		r.Type = "message"
		r.Error = "bad-packet-type"
		r.Fields.Set("eio", int64(s.eio))
		return append(recs, r)
	}
	r.Type = eioTypes[p[0]-'0']
	r.Fields.Set("eio", int64(s.eio))
	r.Fields.Set("transport", transport)
	data := p[1:]
	switch r.Type {
	case "open":
		obj, e := jsonObject(data)
		if e != "" {
			r.Error = e
			break
		}
		if sid, ok := obj["sid"].(string); ok {
			r.Fields.Set("sid", sid)
			if s.sid == "" {
				s.sid = sid
				env.Alias("eio:"+sid, s)
			}
		}
		if u, ok := obj["upgrades"].([]any); ok {
			var ups []string
			for _, x := range u {
				if str, ok := x.(string); ok {
					ups = append(ups, str)
				}
			}
			r.Fields.Set("upgrades", ups)
		}
		for _, k := range [][2]string{{"pingInterval", "ping_interval"}, {"pingTimeout", "ping_timeout"}, {"maxPayload", "max_payload"}} {
			if n, ok := obj[k[0]].(json.Number); ok {
				if i, err := n.Int64(); err == nil {
					r.Fields.Set(k[1], i)
				}
			}
		}
	case "ping", "pong":
		if len(data) > 0 {
			r.Fields.Set("data", string(data))
		}
		if string(data) == "probe" {
			r.Fields.Set("probe", true)
		} else {
			r.Heartbeat = true
		}
		if r.Type == "ping" {
			s.ping[from] = &Record{Loc: at, Part: part}
		} else if pp := s.ping[from.Peer()]; pp != nil {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: pp.Loc, Part: pp.Part})
			s.ping[from.Peer()] = nil
		}
	case "message":
		return s.socketIO(from, data, at, part, recs)
	}
	return append(recs, r)
}

// binary handles a binary Engine.IO message: a Socket.IO attachment when
// one is awaited, else a plain message.
func (s *eioSession) binary(from Dir, data []byte, at Loc, part int, transport string, recs []Record) []Record {
	pb := &s.pend[from]
	if pb.left > 0 {
		r := Record{Protocol: ProtoSocketIO, Type: "attachment", Loc: at, Part: part, From: from}
		r.Fields.Set("num", int64(pb.next))
		r.Fields.Set("bytes", int64(len(data)))
		r.Links = []Link{{Rel: "attachment_of", Loc: pb.of, Part: pb.ofPart}}
		pb.left--
		pb.next++
		return append(recs, r)
	}
	r := Record{Protocol: ProtoEngineIO, Type: "message", Loc: at, Part: part, From: from}
	r.Fields.Set("eio", int64(s.eio))
	r.Fields.Set("transport", transport)
	r.Fields.Set("bytes", int64(len(data)))
	return append(recs, r)
}

var sioTypes = [...]string{"CONNECT", "DISCONNECT", "EVENT", "ACK", "CONNECT_ERROR", "BINARY_EVENT", "BINARY_ACK"}

// socketIO decodes the Socket.IO packet inside an Engine.IO message:
// <type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>].
func (s *eioSession) socketIO(from Dir, p []byte, at Loc, part int, recs []Record) []Record {
	s.init()
	r := Record{Protocol: ProtoSocketIO, Loc: at, Part: part, From: from}
	if len(p) == 0 || p[0] < '0' || p[0] > '6' {
		r.Protocol = ProtoEngineIO
		r.Type = "message"
		r.Fields.Set("eio", int64(s.eio))
		r.Fields.Set("data", string(p))
		return append(recs, r)
	}
	t := p[0] - '0'
	r.Type = sioTypes[t]
	if t == 4 && s.eio == 3 {
		r.Type = "ERROR"
	}
	p = p[1:]
	attachments := int64(-1)
	if t == 5 || t == 6 {
		i := 0
		for i < len(p) && i < 10 && p[i] >= '0' && p[i] <= '9' {
			i++
		}
		if i > 0 && i < len(p) && p[i] == '-' {
			attachments, _ = strconv.ParseInt(string(p[:i]), 10, 64)
			p = p[i+1:]
		}
	}
	ns := "/"
	if len(p) > 0 && p[0] == '/' {
		end := bytes.IndexByte(p, ',')
		if end < 0 {
			ns, p = string(p), nil
		} else {
			ns, p = string(p[:end]), p[end+1:]
		}
	}
	r.Fields.Set("namespace", ns)
	ackID := int64(-1)
	{
		i := 0
		for i < len(p) && i < 18 && p[i] >= '0' && p[i] <= '9' {
			i++
		}
		if i > 0 {
			ackID, _ = strconv.ParseInt(string(p[:i]), 10, 64)
			p = p[i:]
		}
	}
	var payload any
	if len(p) > 0 {
		v, e := decodeJSON(p)
		if e != "" {
			r.Error = e
		}
		payload = v
	}
	switch t {
	case 0: // CONNECT
		if obj, ok := payload.(map[string]any); ok {
			if from == Client {
				r.Fields.Set("auth_keys", sortedKeys(obj))
				if s.envReveal() {
					r.Fields.Set("auth", json.RawMessage(p))
				} else {
					r.Fields.Set("auth", redacted)
				}
			} else if sid, ok := obj["sid"].(string); ok {
				r.Fields.Set("sid", sid)
			}
		}
	case 2, 5: // EVENT, BINARY_EVENT
		if arr, ok := payload.([]any); ok && len(arr) > 0 {
			args := rawElements(p)
			if name, ok := arr[0].(string); ok {
				r.Fields.Set("event", name)
				if len(args) > 0 {
					args = args[1:]
				}
			}
			r.Fields.Set("args", args)
		}
	case 3, 6: // ACK, BINARY_ACK
		if _, ok := payload.([]any); ok {
			r.Fields.Set("args", rawElements(p))
		}
	case 4: // CONNECT_ERROR
		switch v := payload.(type) {
		case map[string]any:
			if msg, ok := v["message"].(string); ok {
				r.Fields.Set("message", msg)
			}
			if d := rawMember(p, "data"); d != nil {
				r.Fields.Set("data", d)
			}
		case string:
			r.Fields.Set("message", v)
		}
	}
	if ackID >= 0 {
		r.Fields.Set("ack_id", ackID)
		key := strconv.Itoa(int(from)) + "|" + ns + "|" + strconv.FormatInt(ackID, 10)
		switch t {
		case 2, 5:
			s.acks[key] = at
			s.ackp[key] = part
		case 3, 6:
			key = strconv.Itoa(int(from.Peer())) + key[1:]
			if l, ok := s.acks[key]; ok {
				r.Links = append(r.Links, Link{Rel: "answers", Loc: l, Part: s.ackp[key]})
				delete(s.acks, key)
				delete(s.ackp, key)
			}
		}
	}
	if attachments >= 0 {
		r.Fields.Set("attachments", attachments)
		if attachments > 0 {
			s.pend[from] = pendingBinary{left: int(min(attachments, 1<<20)), of: at, ofPart: part}
		}
	}
	r.Fields.Set("eio", int64(s.eio))
	return append(recs, r)
}

// envReveal is set by the decoder that owns the session.
func (s *eioSession) envReveal() bool { return s.reveal }

// Text returns a JSON value as compact JSON, as it would appear on the wire
// (without encoding/json's escaping of <, > and &).
func Text(v any) string {
	var b strings.Builder
	e := json.NewEncoder(&b)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Vocabulary lists the catalog key suffixes of EngineIO's records.
func (EngineIO) Vocabulary() []string {
	return append(vocabulary(ProtoEngineIO, eioTypes[:]...), vocabulary(ProtoSocketIO, append(sioTypes[:], "ERROR", "attachment")...)...)
}
