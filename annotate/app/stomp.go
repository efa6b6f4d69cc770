package app

import (
	"bytes"
	"strconv"
	"strings"
)

// ProtoSTOMP is STOMP's name in records.
const ProtoSTOMP = "stomp"

// STOMP is STOMP 1.0, 1.1 and 1.2 (https://stomp.github.io/) over WebSocket:
// one or more frames per message, each COMMAND, header lines, an empty
// line, a body and a NUL; a message holding only end-of-lines is a
// heart-beat. It is recognised by the subprotocols v10.stomp, v11.stomp and
// v12.stomp (and "stomp"), or, as a guess, by a first client message that
// starts with CONNECT or STOMP.
//
// Records have the frame's command as their type (CONNECT, STOMP,
// CONNECTED, SEND, SUBSCRIBE, UNSUBSCRIBE, ACK, NACK, BEGIN, COMMIT, ABORT,
// DISCONNECT, MESSAGE, RECEIPT, ERROR) or "heart-beat", and the fields:
//
//	version        the version the subprotocol or CONNECTED names
//	headers        every header as "name:value" (escapes decoded in 1.1+,
//	               the passcode "<redacted>" unless Options.Reveal)
//	destination, id, subscription, receipt, receipt_id, message_id, ack,
//	accept_version, host, login, heart_beat, server, session,
//	content_type, content_length, transaction, message
//	               the headers of those names, dashes as underscores
//	body           the body as text (bytes when not UTF-8 text)
//	body_bytes     the body's length
//
// A frame without its NUL is reported with the error "missing-nul"; one
// whose NUL is not where its content-length header says, with
// "content-length-mismatch" (the body then ends at the first NUL). Links:
// CONNECTED, RECEIPT and ERROR "answer" the frame whose receipt (or
// CONNECT) they acknowledge; MESSAGE has a "subscription" link to its
// SUBSCRIBE, ACK and NACK "answer" the MESSAGE they acknowledge.
//
// Catalog keys: app.stomp.<COMMAND>, app.stomp.heart-beat.
type STOMP struct{}

// Name returns "stomp".
func (STOMP) Name() string { return ProtoSTOMP }

// Match recognises the STOMP subprotocols.
func (STOMP) Match(h Handshake) string {
	switch strings.ToLower(h.Protocol) {
	case "v10.stomp", "v11.stomp", "v12.stomp", "stomp":
		return "subprotocol"
	}
	return ""
}

// Sniff recognises a CONNECT or STOMP frame sent first by the client.
func (STOMP) Sniff(m Message) string {
	if m.From == Client && (bytes.HasPrefix(m.Data, []byte("CONNECT\n")) || bytes.HasPrefix(m.Data, []byte("STOMP\n")) ||
		bytes.HasPrefix(m.Data, []byte("CONNECT\r\n")) || bytes.HasPrefix(m.Data, []byte("STOMP\r\n"))) {
		return "heuristic"
	}
	return ""
}

// NewDecoder returns a STOMP decoder.
func (STOMP) NewDecoder(h Handshake, env *Env) Decoder {
	d := &stompDecoder{reveal: env.Options.Reveal, subs: map[string]Loc{}, receipts: map[string]Loc{}, msgs: map[string]Loc{}}
	switch strings.ToLower(h.Protocol) {
	case "v10.stomp":
		d.version = "1.0"
	case "v11.stomp":
		d.version = "1.1"
	case "v12.stomp":
		d.version = "1.2"
	}
	return d
}

type stompDecoder struct {
	version  string
	reveal   bool
	connect  *Loc
	subs     map[string]Loc // subscription id -> SUBSCRIBE
	receipts map[string]Loc // receipt -> frame that asked
	msgs     map[string]Loc // ack / message-id -> MESSAGE
}

// maxSTOMPHeaders bounds the headers read per frame; maxSTOMPMap the ids
// remembered for links.
const (
	maxSTOMPHeaders = 256
	maxSTOMPMap     = 4096
)

var stompCommands = map[string]bool{
	"CONNECT": true, "STOMP": true, "CONNECTED": true, "SEND": true, "SUBSCRIBE": true, "UNSUBSCRIBE": true,
	"ACK": true, "NACK": true, "BEGIN": true, "COMMIT": true, "ABORT": true, "DISCONNECT": true,
	"MESSAGE": true, "RECEIPT": true, "ERROR": true,
}

func (d *stompDecoder) Decode(m Message) []Record {
	if m.Control {
		return nil
	}
	var recs []Record
	b := m.Data
	for len(b) > 0 {
		// End-of-lines between frames, or alone: heart-beats.
		i := 0
		for i < len(b) && (b[i] == '\n' || b[i] == '\r') {
			i++
		}
		if i > 0 {
			if len(recs) == 0 && i == len(b) {
				r := Record{Protocol: ProtoSTOMP, Type: "heart-beat", Loc: m.Loc, From: m.From, Heartbeat: true}
				recs = append(recs, r)
			}
			b = b[i:]
			continue
		}
		var r Record
		r, b = d.frame(m, b)
		r.Part = len(recs)
		recs = append(recs, r)
	}
	return recs
}

// frame parses one frame from b and returns what follows it.
func (d *stompDecoder) frame(m Message, b []byte) (Record, []byte) {
	r := Record{Protocol: ProtoSTOMP, Loc: m.Loc, From: m.From}
	line, rest, _ := bytes.Cut(b, []byte{'\n'})
	cmd := string(bytes.TrimSuffix(line, []byte{'\r'}))
	if !stompCommands[cmd] {
		r.Type = "unknown"
		r.Error = "bad-command"
		if len(cmd) > 64 {
			cmd = cmd[:64]
		}
		r.Fields.Set("command", cmd)
		return r, nil
	}
	r.Type = cmd
	if d.version != "" {
		r.Fields.Set("version", d.version)
	}
	var headers []string
	var contentLength = int64(-1)
	seen := map[string]bool{}
	b = rest
	for {
		if len(b) == 0 {
			r.Error = "missing-nul"
			break
		}
		line, rest, found := bytes.Cut(b, []byte{'\n'})
		b = rest
		line = bytes.TrimSuffix(line, []byte{'\r'})
		if len(line) == 0 {
			break
		}
		if !found {
			r.Error = "missing-nul"
			b = nil
			break
		}
		if len(headers) >= maxSTOMPHeaders {
			r.Error = "too-many-headers"
			continue
		}
		name, value, _ := strings.Cut(string(line), ":")
		if cmd != "CONNECT" && cmd != "CONNECTED" && cmd != "STOMP" && d.version != "1.0" {
			name, value = stompUnescape(name), stompUnescape(value)
		}
		if name == "passcode" && !d.reveal {
			value = redacted
		}
		headers = append(headers, name+":"+value)
		if seen[name] { // the first occurrence counts (STOMP 1.2)
			continue
		}
		seen[name] = true
		switch name {
		case "destination", "id", "subscription", "receipt", "receipt-id", "message-id", "ack",
			"accept-version", "host", "login", "heart-beat", "server", "session", "content-type",
			"transaction", "message", "version":
			r.Fields.Set(strings.ReplaceAll(name, "-", "_"), value)
		case "passcode":
			r.Fields.Set("passcode", value)
		case "content-length":
			if n, err := strconv.ParseInt(value, 10, 64); err == nil && n >= 0 {
				contentLength = n
				r.Fields.Set("content_length", n)
			}
		}
	}
	r.Fields.Set("headers", headers)
	if r.Error == "" {
		var body []byte
		if contentLength >= 0 && contentLength < int64(len(b)) && b[contentLength] == 0 {
			body, b = b[:contentLength], b[contentLength+1:]
		} else if i := bytes.IndexByte(b, 0); i >= 0 {
			body, b = b[:i], b[i+1:]
			if contentLength >= 0 {
				// The NUL is not where content-length says: a peer that
				// counted characters, not bytes, say.
				r.Error = "content-length-mismatch"
			}
		} else {
			body, b = b, nil
			r.Error = "missing-nul"
		}
		if len(body) > 0 {
			r.Fields.Set("body_bytes", int64(len(body)))
			r.Fields.Set("body", bodyValue(body))
		}
	}
	if cmd == "CONNECTED" {
		if v := r.Fields.String("version"); v != "" {
			d.version = v
		}
	}
	d.link(&r)
	return r, b
}

// link records and follows the ids that tie frames together.
func (d *stompDecoder) link(r *Record) {
	remember := func(m map[string]Loc, k string) {
		if k != "" && len(m) < maxSTOMPMap {
			m[k] = r.Loc
		}
	}
	if rc := r.Fields.String("receipt"); rc != "" {
		remember(d.receipts, rc)
	}
	switch r.Type {
	case "CONNECT", "STOMP":
		l := r.Loc
		d.connect = &l
	case "CONNECTED":
		if d.connect != nil {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: *d.connect})
		}
	case "SUBSCRIBE":
		remember(d.subs, r.Fields.String("id"))
	case "MESSAGE":
		if l, ok := d.subs[r.Fields.String("subscription")]; ok {
			r.Links = append(r.Links, Link{Rel: "subscription", Loc: l})
		}
		if a := r.Fields.String("ack"); a != "" {
			remember(d.msgs, a)
		} else {
			remember(d.msgs, r.Fields.String("message_id"))
		}
	case "ACK", "NACK":
		if l, ok := d.msgs[r.Fields.String("id")]; ok {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: l})
		} else if l, ok := d.msgs[r.Fields.String("message_id")]; ok {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: l})
		}
	case "RECEIPT", "ERROR":
		if l, ok := d.receipts[r.Fields.String("receipt_id")]; ok {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: l})
		}
	}
}

// stompUnescape decodes STOMP 1.1/1.2 header escapes.
func stompUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 'c':
				b.WriteByte(':')
			case '\\':
				b.WriteByte('\\')
			default:
				b.WriteByte('\\')
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// bodyValue returns a body as a string when it is UTF-8 text, else its
// length as "<N bytes>".
func bodyValue(b []byte) string {
	const max = 4096
	cut := b
	if len(cut) > max {
		cut = cut[:max]
	}
	if isText(cut) {
		return string(cut)
	}
	return "<" + strconv.Itoa(len(b)) + " bytes>"
}

// isText reports UTF-8 without control characters other than tab and
// line ends.
func isText(b []byte) bool {
	s := string(b)
	for i, r := range s {
		if r == 0xFFFD && !strings.HasPrefix(s[i:], "\uFFFD") {
			return false
		}
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' {
			return false
		}
	}
	return true
}

// Vocabulary lists the catalog key suffixes of STOMP's records.
func (STOMP) Vocabulary() []string {
	return vocabulary(ProtoSTOMP, "CONNECT", "STOMP", "CONNECTED", "SEND", "SUBSCRIBE", "UNSUBSCRIBE", "ACK", "NACK", "BEGIN", "COMMIT", "ABORT", "DISCONNECT", "MESSAGE", "RECEIPT", "ERROR", "heart-beat", "unknown")
}
