package app

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
)

// ProtoMQTT is MQTT's name in records.
const ProtoMQTT = "mqtt"

// MQTT is MQTT 3.1, 3.1.1 and 5.0 over binary WebSocket messages (the
// messages carry a byte stream: a packet may span several messages and a
// message hold several packets). It is recognised by the subprotocols mqtt
// and mqttv3.1, or, as a guess, by a first client message that is a
// CONNECT naming MQTT or MQIsdp.
//
// Records have the control packet's name as their type (CONNECT, CONNACK,
// PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE, SUBACK, UNSUBSCRIBE,
// UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH) and the fields:
//
//	remaining_length   the fixed header's Remaining Length
//	version            "3.1", "3.1.1" or "5.0", from CONNECT
//	protocol_name, protocol_level, clean_start, keep_alive, client_id,
//	will_topic, will_qos, will_retain, will_payload, username, password
//	                   CONNECT's (the password "<redacted>" unless
//	                   Options.Reveal)
//	session_present, reason_code, reason_name
//	                   CONNACK's, and the reason code of v5 acknowledgements,
//	                   DISCONNECT and AUTH
//	topic, qos, retain, dup, packet_id, payload, payload_bytes
//	                   PUBLISH's (payload as text, or "<N bytes>")
//	topics, qos_list   SUBSCRIBE's and UNSUBSCRIBE's filters and requested
//	                   QoS
//	reason_codes, reason_names
//	                   SUBACK's and v5 UNSUBACK's codes
//
// A packet larger than Options.MaxPacket is reported with the bytes kept
// and the error "packet-too-large" (its remaining length is never used to
// allocate); a packet that ends early has the error "short-packet".
// Acknowledgements (CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK,
// UNSUBACK, PINGRESP) "answer" the packet they acknowledge. PINGREQ and
// PINGRESP are heartbeats.
//
// Catalog keys: app.mqtt.<TYPE>.
type MQTT struct{}

// Name returns "mqtt".
func (MQTT) Name() string { return ProtoMQTT }

// Match recognises the MQTT subprotocols.
func (MQTT) Match(h Handshake) string {
	switch strings.ToLower(h.Protocol) {
	case "mqtt", "mqttv3.1":
		return "subprotocol"
	}
	return ""
}

// Sniff recognises a CONNECT packet sent first by the client.
func (MQTT) Sniff(m Message) string {
	if m.From != Client || len(m.Data) < 8 || m.Data[0] != 0x10 {
		return ""
	}
	i := 1
	for i < len(m.Data) && i < 5 && m.Data[i]&0x80 != 0 {
		i++
	}
	i++
	if i+2 > len(m.Data) {
		return ""
	}
	rest := m.Data[i+2:]
	if bytes.HasPrefix(rest, []byte("MQTT")) || bytes.HasPrefix(rest, []byte("MQIsdp")) {
		return "heuristic"
	}
	return ""
}

// NewDecoder returns an MQTT decoder.
func (MQTT) NewDecoder(h Handshake, env *Env) Decoder {
	return &mqttDecoder{opts: env.Options, waits: map[string]Loc{}, waitp: map[string]int{}}
}

var mqttTypes = [...]string{"reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
	"SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"}

type mqttDecoder struct {
	opts  Options
	level byte
	dirs  [3]mqttStream
	waits map[string]Loc // "TYPE|dir|packet id" -> the packet that waits for its answer
	waitp map[string]int
}

// mqttStream is one direction's packet being put together.
type mqttStream struct {
	buf   []byte // the packet's bytes so far (at most MaxPacket)
	total int64  // the whole packet's length once its header is read, else -1
	got   int64  // bytes of it seen
	parts []int
}

// maxMQTTWaits bounds the packet ids remembered for links.
const maxMQTTWaits = 4096

func (d *mqttDecoder) Decode(m Message) []Record {
	if m.Control || m.From > Server {
		return nil
	}
	st := &d.dirs[m.From]
	var recs []Record
	b := m.Data
	max := d.opts.maxPacket()
	for len(b) > 0 {
		if len(st.parts) == 0 || st.parts[len(st.parts)-1] != m.Message {
			if len(st.parts) < 64 {
				st.parts = append(st.parts, m.Message)
			}
		}
		if st.total <= 0 {
			// Read the fixed header: a byte and 1-4 length bytes.
			for len(b) > 0 && st.total <= 0 {
				st.buf = append(st.buf, b[0])
				st.got++
				b = b[1:]
				if len(st.buf) >= 2 {
					n, size, ok := mqttVarint(st.buf[1:])
					if ok {
						st.total = int64(1+size) + n
					} else if size >= 4 {
						recs = append(recs, Record{Protocol: ProtoMQTT, Type: mqttTypes[st.buf[0]>>4], Loc: m.Loc,
							From: m.From, Error: "bad-remaining-length"})
						*st = mqttStream{}
						return d.number(recs)
					}
				}
			}
			if st.total <= 0 {
				break
			}
		}
		need := st.total - st.got
		take := int64(len(b))
		if take > need {
			take = need
		}
		keep := int64(max) - int64(len(st.buf))
		if keep > take {
			keep = take
		}
		if keep > 0 {
			st.buf = append(st.buf, b[:keep]...)
		}
		st.got += take
		b = b[take:]
		if st.got == st.total {
			r := d.packet(m, st, len(recs))
			recs = append(recs, r)
			*st = mqttStream{}
		}
	}
	if m.Truncated {
		*st = mqttStream{} // bytes are missing: the stream is out of step
	}
	return d.number(recs)
}

func (d *mqttDecoder) number(recs []Record) []Record {
	for i := range recs {
		recs[i].Part = i
	}
	return recs
}

// mqttVarint reads a Variable Byte Integer: value, bytes used, and whether
// it is complete (false with size 4 means malformed).
func mqttVarint(b []byte) (int64, int, bool) {
	var n int64
	mul := int64(1)
	for i := 0; i < 4; i++ {
		if i >= len(b) {
			return 0, i, false
		}
		n += int64(b[i]&0x7f) * mul
		if b[i]&0x80 == 0 {
			return n, i + 1, true
		}
		mul *= 128
	}
	return 0, 4, false
}

// mqttReader reads the variable header and payload of a packet.
type mqttReader struct {
	b   []byte
	bad bool
}

func (r *mqttReader) byte() byte {
	if len(r.b) < 1 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *mqttReader) u16() int64 {
	if len(r.b) < 2 {
		r.bad = true
		r.b = nil
		return 0
	}
	v := binary.BigEndian.Uint16(r.b)
	r.b = r.b[2:]
	return int64(v)
}

func (r *mqttReader) bin() []byte {
	n := int(r.u16())
	if r.bad {
		return nil
	}
	if n > len(r.b) {
		r.bad = true
		v := r.b
		r.b = nil
		return v
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *mqttReader) str() string { return string(r.bin()) }

// props skips MQTT 5 properties.
func (r *mqttReader) props() {
	n, size, ok := mqttVarint(r.b)
	if !ok {
		r.bad = true
		r.b = nil
		return
	}
	r.b = r.b[size:]
	if n > int64(len(r.b)) {
		r.bad = true
		r.b = nil
		return
	}
	r.b = r.b[n:]
}

// packet parses a whole (or capped) packet.
func (d *mqttDecoder) packet(m Message, st *mqttStream, part int) Record {
	b := st.buf
	t := b[0] >> 4
	flags := b[0] & 0x0f
	_, size, _ := mqttVarint(b[1:])
	rec := Record{Protocol: ProtoMQTT, Type: mqttTypes[t], Loc: m.Loc, From: m.From, Part: part}
	if len(st.parts) > 1 {
		rec.Parts = append([]int(nil), st.parts...)
	}
	rem := st.total - int64(1+size)
	rec.Fields.Set("remaining_length", rem)
	r := &mqttReader{b: b[1+size:]}
	capped := st.total > int64(len(b))
	v5 := d.level == 5
	f := &rec.Fields
	switch t {
	case 1: // CONNECT
		f.Set("protocol_name", r.str())
		d.level = r.byte()
		v5 = d.level == 5
		f.Set("protocol_level", int64(d.level))
		switch d.level {
		case 3:
			f.Set("version", "3.1")
		case 4:
			f.Set("version", "3.1.1")
		case 5:
			f.Set("version", "5.0")
		}
		cf := r.byte()
		f.Set("clean_start", cf&0x02 != 0)
		f.Set("keep_alive", r.u16())
		if v5 {
			r.props()
		}
		f.Set("client_id", r.str())
		if cf&0x04 != 0 {
			if v5 {
				r.props()
			}
			f.Set("will_topic", r.str())
			f.Set("will_qos", int64(cf>>3&3))
			f.Set("will_retain", cf&0x20 != 0)
			f.Set("will_payload", bodyValue(r.bin()))
		}
		if cf&0x80 != 0 {
			f.Set("username", r.str())
		}
		if cf&0x40 != 0 {
			pw := r.bin()
			if d.opts.Reveal {
				f.Set("password", string(pw))
			} else {
				f.Set("password", redacted)
			}
		}
		d.wait("CONNACK", m.From.Peer(), 0, &rec)
	case 2: // CONNACK
		f.Set("session_present", r.byte()&1 != 0)
		code := r.byte()
		f.Set("reason_code", int64(code))
		f.Set("reason_name", mqttConnackName(code, v5))
		d.answer(&rec, 0)
	case 3: // PUBLISH
		qos := int64(flags >> 1 & 3)
		f.Set("dup", flags&0x08 != 0)
		f.Set("qos", qos)
		f.Set("retain", flags&0x01 != 0)
		f.Set("topic", r.str())
		var id int64
		if qos > 0 {
			id = r.u16()
			f.Set("packet_id", id)
		}
		if v5 {
			r.props()
		}
		if !r.bad {
			payload := r.b
			n := int64(len(payload))
			if capped {
				n += st.total - int64(len(b))
			}
			f.Set("payload_bytes", n)
			f.Set("payload", bodyValue(payload))
			r.b = nil
		}
		switch qos {
		case 1:
			d.wait("PUBACK", m.From.Peer(), id, &rec)
		case 2:
			d.wait("PUBREC", m.From.Peer(), id, &rec)
		}
	case 4, 5, 6, 7, 11: // PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK
		id := r.u16()
		f.Set("packet_id", id)
		if v5 && len(r.b) > 0 && t != 11 {
			code := r.byte()
			f.Set("reason_code", int64(code))
			f.Set("reason_name", mqttReasonName(t, code))
			if len(r.b) > 0 {
				r.props()
			}
		}
		if t == 11 && v5 {
			r.props()
			d.reasonList(t, r, f)
		}
		d.answer(&rec, id)
		switch t {
		case 5:
			d.wait("PUBREL", m.From.Peer(), id, &rec)
		case 6:
			d.wait("PUBCOMP", m.From.Peer(), id, &rec)
		}
	case 8, 10: // SUBSCRIBE, UNSUBSCRIBE
		id := r.u16()
		f.Set("packet_id", id)
		if v5 {
			r.props()
		}
		var topics []string
		var qos []int64
		for len(r.b) > 0 && !r.bad && len(topics) < 1024 {
			topics = append(topics, r.str())
			if t == 8 {
				qos = append(qos, int64(r.byte()&3))
			}
		}
		f.Set("topics", topics)
		if t == 8 {
			f.Set("qos_list", qos)
			d.wait("SUBACK", m.From.Peer(), id, &rec)
		} else {
			d.wait("UNSUBACK", m.From.Peer(), id, &rec)
		}
	case 9: // SUBACK
		id := r.u16()
		f.Set("packet_id", id)
		if v5 {
			r.props()
		}
		d.reasonList(t, r, f)
		d.answer(&rec, id)
	case 12: // PINGREQ
		rec.Heartbeat = true
		d.wait("PINGRESP", m.From.Peer(), 0, &rec)
	case 13: // PINGRESP
		rec.Heartbeat = true
		d.answer(&rec, 0)
	case 14, 15: // DISCONNECT, AUTH
		if len(r.b) > 0 {
			code := r.byte()
			f.Set("reason_code", int64(code))
			f.Set("reason_name", mqttReasonName(t, code))
			if len(r.b) > 0 {
				r.props()
			}
		}
	}
	switch {
	case capped:
		rec.Error = "packet-too-large"
	case r.bad:
		rec.Error = "short-packet"
	}
	return rec
}

func (d *mqttDecoder) reasonList(t byte, r *mqttReader, f *Fields) {
	var codes []int64
	var names []string
	for len(r.b) > 0 && len(codes) < 1024 {
		c := r.byte()
		codes = append(codes, int64(c))
		names = append(names, mqttReasonName(t, c))
	}
	f.Set("reason_codes", codes)
	f.Set("reason_names", names)
}

// wait remembers that rec expects an answer of type t from dir.
func (d *mqttDecoder) wait(t string, from Dir, id int64, rec *Record) {
	if len(d.waits) >= maxMQTTWaits {
		return
	}
	k := t + "|" + from.String() + "|" + strconv.FormatInt(id, 10)
	d.waits[k] = rec.Loc
	d.waitp[k] = rec.Part
}

// answer links rec to the packet it answers.
func (d *mqttDecoder) answer(rec *Record, id int64) {
	k := rec.Type + "|" + rec.From.String() + "|" + strconv.FormatInt(id, 10)
	if l, ok := d.waits[k]; ok {
		rec.Links = append(rec.Links, Link{Rel: "answers", Loc: l, Part: d.waitp[k]})
		delete(d.waits, k)
		delete(d.waitp, k)
	}
}

// mqttConnackName names a CONNACK return code (3.1.1) or reason code (5).
func mqttConnackName(c byte, v5 bool) string {
	if v5 {
		return mqttReasonName(2, c)
	}
	switch c {
	case 0:
		return "Connection Accepted"
	case 1:
		return "unacceptable protocol version"
	case 2:
		return "identifier rejected"
	case 3:
		return "Server unavailable"
	case 4:
		return "bad user name or password"
	case 5:
		return "not authorized"
	}
	return ""
}

var mqttReasons = map[byte]string{
	0x00: "Success", 0x01: "Granted QoS 1", 0x02: "Granted QoS 2", 0x04: "Disconnect with Will Message",
	0x10: "No matching subscribers", 0x11: "No subscription existed", 0x18: "Continue authentication",
	0x19: "Re-authenticate", 0x80: "Unspecified error", 0x81: "Malformed Packet", 0x82: "Protocol Error",
	0x83: "Implementation specific error", 0x84: "Unsupported Protocol Version", 0x85: "Client Identifier not valid",
	0x86: "Bad User Name or Password", 0x87: "Not authorized", 0x88: "Server unavailable", 0x89: "Server busy",
	0x8A: "Banned", 0x8B: "Server shutting down", 0x8C: "Bad authentication method", 0x8D: "Keep Alive timeout",
	0x8E: "Session taken over", 0x8F: "Topic Filter invalid", 0x90: "Topic Name invalid",
	0x91: "Packet Identifier in use", 0x92: "Packet Identifier not found", 0x93: "Receive Maximum exceeded",
	0x94: "Topic Alias invalid", 0x95: "Packet too large", 0x96: "Message rate too high", 0x97: "Quota exceeded",
	0x98: "Administrative action", 0x99: "Payload format invalid", 0x9A: "Retain not supported",
	0x9B: "QoS not supported", 0x9C: "Use another server", 0x9D: "Server moved",
	0x9E: "Shared Subscriptions not supported", 0x9F: "Connection rate exceeded", 0xA0: "Maximum connect time",
	0xA1: "Subscription Identifiers not supported", 0xA2: "Wildcard Subscriptions not supported",
}

// mqttReasonName names a reason code of a packet of type t as MQTT 5 does
// (the 3.1.1 SUBACK codes are the same numbers: 0-2 granted QoS, 0x80
// failure).
func mqttReasonName(t, c byte) string {
	if c == 0 {
		switch t {
		case 9:
			return "Granted QoS 0"
		case 14:
			return "Normal disconnection"
		}
		return "Success"
	}
	return mqttReasons[c]
}

// Vocabulary lists the catalog key suffixes of MQTT's records.
func (MQTT) Vocabulary() []string {
	return vocabulary(ProtoMQTT, mqttTypes[:]...)
}
