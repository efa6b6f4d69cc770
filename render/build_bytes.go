package render

import (
	"bytes"
	"fmt"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/render/internal/redact"
)

// This file lays out a packet's bytes: the dump, the frame field tables,
// the payloads.

// netData returns the packet's bytes from the network-layer header on.
func netData(pi *annotate.PacketInfo) ([]byte, int) {
	if pi.Packet == nil {
		return nil, 0
	}
	off := int(pi.LinkHeaderLength)
	if pi.Decoded != nil {
		off = pi.Decoded.LinkHeaderLength
	}
	if off > len(pi.Packet.Data) {
		off = len(pi.Packet.Data)
	}
	return pi.Packet.Data[off:], off
}

// dump lays out the packet's bytes, redacted, with the notes they call for.
func (b *builder) dump(pi *annotate.PacketInfo, p *Packet) {
	data, linkLen := netData(pi)
	redacted := false
	if !b.opts.NoRedact && pi.Captured > 0 {
		payloadAt := pi.PayloadOffset - linkLen
		if payloadAt >= 0 && payloadAt <= len(data) {
			payload := data[payloadAt:min(len(data), payloadAt+pi.Captured)]
			masked, reds := redact.Payload(payload, pi.Fields)
			if len(reds) > 0 {
				data = append(append(append([]byte(nil), data[:payloadAt]...), masked...), data[payloadAt+len(payload):]...)
				redacted = true
				for _, r := range reds {
					p.Notes = append(p.Notes, b.text("ui.note.redacted", map[string]any{"What": Wire(r.What), "Bytes": r.Bytes}))
					if !slices.Contains(b.redacted, r.What) {
						b.redacted = append(b.redacted, r.What)
					}
				}
				p.Line = redact.Line(p.Line, pi)
			}
		}
	}
	switch {
	case pi.Packet == nil:
	case redacted:
		cp := *pi.Packet
		cp.Data = append(append([]byte(nil), cp.Data[:linkLen]...), data...)
		cp.Comments = nil
		p.captured = &cp
	default:
		// Unchanged: the pcapng writer replaces the comments anyway.
		p.captured = pi.Packet
	}
	p.Dump = newDump(data, b.opts.Hex, b.opts.maxBytes())
	// tcpdump -A prints the bytes 0x0a and 0x09 as they are, even in the
	// headers, where they break a line or open a gap: say so once.
	if !b.opts.Hex && !b.rawExplained {
		head := data
		if at := pi.PayloadOffset - linkLen; at >= 0 && at <= len(data) {
			head = data[:at]
		}
		if i := bytes.IndexAny(head, "\n\t"); i >= 0 {
			b.rawExplained = true
			p.Notes = append(p.Notes, b.text("ui.note.raw-bytes", map[string]any{"Tab": head[i] == '\t', "Offset": i, "OffsetHex": fmt.Sprintf("0x%04x", i)}))
		}
	}
	if p.Dump.Omitted > 0 {
		p.Notes = append(p.Notes, b.text("ui.note.cut", map[string]any{"Shown": p.Dump.Shown, "More": p.Dump.Omitted, "Max": b.opts.maxBytes()}))
	}
	if pi.Packet != nil && pi.Packet.Length > len(pi.Packet.Data) {
		p.Notes = append(p.Notes, b.text("ui.note.snap", map[string]any{"Captured": len(pi.Packet.Data), "Length": pi.Packet.Length}))
	}
	// Marks for every field the page can point at.
	for i, f := range pi.Fields {
		start, end := f.Data.Start-linkLen, f.Data.End-linkLen
		if start < 0 || end <= start {
			continue
		}
		p.Marks = append(p.Marks, Mark{ID: fmt.Sprintf("%s-%d", p.ID, i), Start: start, End: end})
	}
}

// markFor returns the ID of the mark of field i of the packet, or "".
func markFor(p *Packet, i int) string {
	id := fmt.Sprintf("%s-%d", p.ID, i)
	for _, m := range p.Marks {
		if m.ID == id {
			return id
		}
	}
	return ""
}

// frameTables adds a field table for each frame whose header starts in the
// packet and that is the first of its kind on the page.
func (b *builder) frameTables(pi *annotate.PacketInfo, p *Packet) {
	data, linkLen := netData(pi)
	for i, f := range pi.Fields {
		if f.Kind != annotate.FieldWSFlagsOpcode || f.Frame == nil {
			continue
		}
		fr := f.Frame
		// A table for the first frame of each kind on each connection: a
		// new opcode, sender, length form, RSV1, a fragment, a
		// continuation of a compressed message, a close code.
		connID := 0
		if fr.Conn != nil {
			connID = fr.Conn.ID
		}
		inCompressed := fr.Message != nil && fr.Message.Compressed && fr.RSV&4 == 0
		kind := fmt.Sprintf("%d/%d/%v/%d/%v/%d/%v/%v", connID, fr.Opcode, fr.Masked, fr.LengthBits, fr.RSV&4 != 0, pi.From, fr.FIN, inCompressed)
		if b.shown[kind] {
			continue
		}
		b.shown[kind] = true
		// The header's fields in this packet.
		fields := map[annotate.FieldKind]int{annotate.FieldWSFlagsOpcode: i}
		for j, g := range pi.Fields {
			if g.Frame == fr && j != i {
				fields[g.Kind] = j
			}
		}
		bytesOf := func(kind annotate.FieldKind) []byte {
			j, ok := fields[kind]
			if !ok {
				return nil
			}
			r := pi.Fields[j].Data
			return annotate.Range{Start: r.Start - linkLen, End: r.End - linkLen}.In(data)
		}
		b0, b1 := bytesOf(annotate.FieldWSFlagsOpcode), bytesOf(annotate.FieldWSMaskLength)
		if len(b0) != 1 || len(b1) != 1 {
			continue
		}
		fd := b.frameData(fr)
		t := &FrameTable{Title: b.text("ui.frame.title", map[string]any{"Opcode": fd.Opcode, "From": b.roleName(pi.From), "LengthBits": fr.LengthBits,
			"Compressed": fd.RSV1, "Fragment": !fr.FIN && fr.Opcode != websocket.OpContinuation, "InCompressed": fd.InCompressed, "Packet": pi.Number})}
		bit := func(v byte, n uint) string { return strconv.Itoa(int(v>>n) & 1) }
		row := func(name, bits, value, meaning string, field annotate.FieldKind, raw []byte) {
			mark := ""
			if j, ok := fields[field]; ok {
				mark = markFor(p, j)
			}
			t.Rows = append(t.Rows, FieldRow{Name: name, Bits: bits, Value: value, Meaning: meaning, Hex: hexBytes(raw), Mark: mark})
		}
		set := func(v bool) map[string]any { return map[string]any{"Set": v, "Frame": fd} }
		row("FIN", bit(b0[0], 7), bit(b0[0], 7), b.text("field.fin", set(b0[0]&0x80 != 0)), annotate.FieldWSFlagsOpcode, b0)
		row("RSV1", bit(b0[0], 6), bit(b0[0], 6), b.text("field.rsv1", set(b0[0]&0x40 != 0)), annotate.FieldWSFlagsOpcode, b0)
		row("RSV2, RSV3", bit(b0[0], 5)+bit(b0[0], 4), bit(b0[0], 5)+bit(b0[0], 4), b.text("field.rsv", set(b0[0]&0x30 != 0)), annotate.FieldWSFlagsOpcode, b0)
		op := b0[0] & 0x0f
		row("opcode", fmt.Sprintf("%04b", op), fmt.Sprintf("0x%x", op), b.text("field.opcode", map[string]any{"Name": b.opcodeName(websocket.Opcode(op)), "Control": websocket.Opcode(op).IsControl()}), annotate.FieldWSFlagsOpcode, b0)
		row("MASK", bit(b1[0], 7), bit(b1[0], 7), b.text("field.mask", set(b1[0]&0x80 != 0)), annotate.FieldWSMaskLength, b1)
		l7 := b1[0] & 0x7f
		row("Payload len", fmt.Sprintf("%07b", l7), strconv.Itoa(int(l7)), b.text("field.length", map[string]any{"Value": int(l7), "Frame": fd}), annotate.FieldWSMaskLength, b1)
		diagram := []bitField{{"FIN", 1, uint64(b0[0] >> 7)}, {"RSV1", 1, uint64(b0[0]>>6) & 1}, {"RSV2", 1, uint64(b0[0]>>5) & 1}, {"RSV3", 1, uint64(b0[0]>>4) & 1},
			{"opcode", 4, uint64(op)}, {"MASK", 1, uint64(b1[0] >> 7)}, {"Payload len", 7, uint64(l7)}}
		if ext := bytesOf(annotate.FieldWSExtendedLength); len(ext) == 2 || len(ext) == 8 {
			var v uint64
			for _, c := range ext {
				v = v<<8 | uint64(c)
			}
			row("Extended payload length", fmt.Sprintf("%d bits", len(ext)*8), groupDigits(strconv.FormatUint(v, 10)), b.text("field.ext-length", map[string]any{"Value": v, "Bits": len(ext) * 8}), annotate.FieldWSExtendedLength, ext)
			diagram = append(diagram, bitField{"Extended payload length", len(ext) * 8, v})
		}
		if key := bytesOf(annotate.FieldWSMaskingKey); len(key) == 4 {
			row("Masking-key", "32 bits", hexBytes(key), b.text("field.masking-key", map[string]any{"Key": hexBytes(key)}), annotate.FieldWSMaskingKey, key)
			diagram = append(diagram, bitField{"Masking-key", 32, uint64(key[0])<<24 | uint64(key[1])<<16 | uint64(key[2])<<8 | uint64(key[3])})
		}
		payload := bytesOf(annotate.FieldWSPayload)
		row("Payload data", b.text("ui.frame.payload-bits", map[string]any{"Bytes": fr.PayloadLength}), "", b.text("field.payload", map[string]any{"Frame": fd, "Here": len(payload), "Partial": uint64(len(payload)) < fr.PayloadLength}), annotate.FieldWSPayload, cutBytes(payload, 8))
		if fr.Opcode == websocket.OpClose && len(fr.Payload) >= 2 {
			// The close frame's status code: the payload's first two
			// bytes, unmasked (RFC 6455 section 5.5.1).
			code := int(fr.Payload[0])<<8 | int(fr.Payload[1])
			name := ""
			if key := "close." + strconv.Itoa(code); b.cat.Has(key) {
				name = b.plain(key)
			}
			row("Status code", "16 bits", strconv.Itoa(code), b.text("field.close-code", map[string]any{"Code": code, "Name": Wire(name), "Masked": fr.Masked}), "", fr.Payload[:2])
		}
		t.Diagram = bitDiagram(diagram)
		p.Frames = append(p.Frames, t)
	}
}

func cutBytes(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}

// payloads shows each message the packet completes.
func (b *builder) payloads(pi *annotate.PacketInfo, p *Packet) {
	for _, e := range pi.Events {
		m := e.Message
		if e.Kind != annotate.EventWSMessage || m == nil {
			continue
		}
		md := b.messageData(m)
		args := b.args()
		args["Message"], args["From"] = md, b.roleName(m.From)
		v := &Payload{Title: b.text("ui.payload.title", args)}
		if md.Masked && len(m.Frames) > 0 {
			fr := m.Frames[0]
			args := b.args()
			args["Key"], args["Message"] = md.Key, md
			v.Steps = append(v.Steps, b.text("ui.payload.unmask", args))
			v.Unmask = b.unmaskRows(fr, !md.Compressed)
		}
		if md.Compressed {
			args := b.args()
			args["Message"] = md
			v.Steps = append(v.Steps, b.text("ui.payload.inflate", args))
		}
		limit := b.opts.maxBytes()
		data := m.Data
		if limit > 0 && len(data) > limit {
			data = data[:limit]
		}
		if more := m.Size - int64(len(data)); more > 0 {
			args := b.args()
			args["Shown"], args["More"], args["Size"] = len(data), more, m.Size
			v.Note = b.text("ui.note.payload-cut", args)
		}
		isText := messageIsText(m)
		switch {
		case m.Opcode == websocket.OpClose:
			if m.CloseCode == 0 && len(m.Data) == 0 {
				v.Text = ""
			} else {
				v.Text = mdsafe.Printable(fmt.Sprintf("%d %s", m.CloseCode, m.CloseReason), true)
				v.Lang = "text"
			}
		case isText:
			text := string(data)
			if len(m.Data) > len(data) {
				for !utf8.ValidString(text) && len(text) > 0 {
					text = text[:len(text)-1]
				}
			}
			v.Text = mdsafe.Printable(text, true)
			v.Lang = "text"
			if m.JSON {
				v.Lang = "json"
			}
		default:
			v.Hex = newDump(data, true, 0)
		}
		p.Payloads = append(p.Payloads, v)
	}
}

// unmaskRows is a worked example of unmasking the first bytes of a frame:
// the bytes on the wire, the key repeated, their XOR and its characters.
func (b *builder) unmaskRows(fr *annotate.Frame, withText bool) [][]string {
	n := min(len(fr.Payload), 8)
	if n == 0 {
		return nil
	}
	row := func(label string) []string { return append(make([]string, 0, n+2), b.plain(label)) }
	wire, key, xor, chars := row("ui.unmask.wire"), row("ui.unmask.key"), row("ui.unmask.xor"), row("ui.unmask.text")
	for i := 0; i < n; i++ {
		k := fr.MaskKey[i%4]
		c := fr.Payload[i]
		wire = append(wire, hexByte(c^k))
		key = append(key, hexByte(k))
		xor = append(xor, hexByte(c))
		ch := "."
		switch {
		case c == ' ':
			ch = "␠" // a space, made visible
		case c > 0x20 && c < 0x7f:
			ch = printableASCII[c-0x20 : c-0x20+1]
		}
		chars = append(chars, ch)
	}
	if len(fr.Payload) > n {
		for _, r := range []*[]string{&wire, &key, &xor, &chars} {
			*r = append(*r, "…")
		}
	}
	if !withText { // compressed: the XOR gives deflate data, not text
		return [][]string{wire, key, xor}
	}
	return [][]string{wire, key, xor, chars}
}
