package render

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"github.com/wstrace/wstrace/render/internal/mdsafe"

	"github.com/wstrace/wstrace/annotate"
)

// glossaryTerms are the terms the glossary explains, in order: the term
// as the protocols write it, and the catalog key of its definition.
var glossaryTerms = []struct{ term, key string }{
	{"SYN", "gloss.syn"}, {"ACK", "gloss.ack"}, {"seq", "gloss.seq"}, {"MSS", "gloss.mss"},
	{"wscale", "gloss.wscale"}, {"PSH", "gloss.psh"}, {"FIN", "gloss.fin"}, {"RST", "gloss.rst"},
	{"Sec-WebSocket-Accept", "gloss.accept"}, {"opcode", "gloss.opcode"}, {"MASK", "gloss.mask"},
	{"RSV1", "gloss.rsv1"}, {"close code", "gloss.close-code"},
}

// rfcSections are the sections a page can teach, with the catalog key of
// their title; deflate and wscale mark those that only some pages need.
var rfcSections = []struct {
	rfc, section, key string
	only              string // "", "deflate" or "wscale"
}{
	{"9293", "3.1", "ref.9293-3.1", ""}, {"9293", "3.4", "ref.9293-3.4", ""},
	{"9293", "3.5", "ref.9293-3.5", ""}, {"9293", "3.6", "ref.9293-3.6", ""},
	{"7323", "2", "ref.7323-2", "wscale"},
	{"6455", "1.3", "ref.6455-1.3", ""}, {"6455", "4.2.2", "ref.6455-4.2.2", ""},
	{"6455", "5.2", "ref.6455-5.2", ""}, {"6455", "5.3", "ref.6455-5.3", ""},
	{"6455", "5.4", "ref.6455-5.4", ""}, {"6455", "5.5", "ref.6455-5.5", ""},
	{"6455", "7.4", "ref.6455-7.4", ""},
	{"7692", "7", "ref.7692-7", "deflate"},
}

// rfcURL returns the address of a section of an RFC on www.rfc-editor.org.
func rfcURL(rfc, section string) string {
	return "https://www.rfc-editor.org/rfc/rfc" + rfc + "#section-" + section
}

// teach adds the glossary, the references and the exercises.
func (b *builder) teach() {
	pg := b.page
	if len(b.selectedInfo) == 0 {
		return
	}
	for _, g := range glossaryTerms {
		pg.Glossary = append(pg.Glossary, Fact{Label: mdsafe.CodeSpan(g.term), Value: b.text(g.key, nil)})
	}
	deflate, wscale := false, false
	for _, pi := range b.selectedInfo {
		if c := pi.Conn; c != nil && c.Deflate != nil {
			deflate = true
		}
		if pi.WindowScaled {
			wscale = true
		}
	}
	for _, r := range rfcSections {
		if r.only == "deflate" && !deflate || r.only == "wscale" && !wscale {
			continue
		}
		pg.References = append(pg.References, Reference{Title: b.text(r.key, nil), URL: rfcURL(r.rfc, r.section)})
	}
	for _, ex := range []func() (string, string){b.exerciseAccept, b.exerciseUnmask, b.exerciseAck} {
		if q, a := ex(); q != "" {
			pg.Exercises = append(pg.Exercises, Exercise{Question: q, Answer: a})
		}
	}
}

// exerciseAccept asks for the Sec-WebSocket-Accept of the first upgrade
// shown.
func (b *builder) exerciseAccept() (string, string) {
	for _, pi := range b.selectedInfo {
		c := pi.Conn
		if pi.Phase != annotate.PhaseUpgradeRequest || c == nil || c.Upgrade == nil || c.Upgrade.Key == "" {
			continue
		}
		u := c.Upgrade
		sum := sha1.Sum([]byte(u.Key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
		d := map[string]any{
			"Packet": pi.Number, "Key": Wire(u.Key), "SHA1": hex.EncodeToString(sum[:]),
			"Accept": base64.StdEncoding.EncodeToString(sum[:]), "Response": u.ResponsePacket, "Valid": u.AcceptValid,
		}
		return b.text("ex.accept.q", d), b.text("ex.accept.a", d)
	}
	return "", ""
}

// exerciseUnmask asks to unmask the first four bytes of the first masked
// frame shown.
func (b *builder) exerciseUnmask() (string, string) {
	for _, pi := range b.selectedInfo {
		for _, fr := range pi.Frames {
			if !fr.Masked || len(fr.Payload) < 4 {
				continue
			}
			var wire, plain [4]byte
			for i := range 4 {
				plain[i] = fr.Payload[i]
				wire[i] = plain[i] ^ fr.MaskKey[i]
			}
			// The unmasked bytes of a compressed message are deflate data,
			// not text.
			compressed := fr.Message != nil && fr.Message.Compressed
			text := ""
			if !compressed {
				for _, c := range plain {
					if c < 0x20 || c >= 0x7f {
						text = ""
						break
					}
					text += string(rune(c))
				}
			}
			d := map[string]any{
				"Packet": pi.Number, "Wire": hexBytes(wire[:]), "Key": hexBytes(fr.MaskKey[:]),
				"Plain": hexBytes(plain[:]), "Text": Wire(text), "Compressed": compressed,
			}
			return b.text("ex.unmask.q", d), b.text("ex.unmask.a", d)
		}
	}
	return "", ""
}

// exerciseAck asks why an acknowledgement has its number: the first pure
// ACK shown that acknowledges the data of several packets (or of one).
func (b *builder) exerciseAck() (string, string) {
	var pick *annotate.PacketInfo
	var nums []int
	for _, pi := range b.selectedInfo {
		if pi.Phase != annotate.PhaseAck || !pi.Relative {
			continue
		}
		e, ok := pi.Event(annotate.EventAck)
		if !ok {
			continue
		}
		n, _ := e.Params.Get("acked_packets").([]int)
		if len(n) > len(nums) {
			pick, nums = pi, n
		}
		if len(nums) > 1 {
			break
		}
	}
	if pick == nil {
		return "", ""
	}
	var ranges []string
	for _, n := range nums {
		if p := b.packets[n]; p != nil && p.Relative {
			ranges = append(ranges, b.text("ex.ack.range", map[string]any{"Packet": n, "Seq": p.Seq, "End": p.Seq + uint32(p.PayloadLength), "Len": p.PayloadLength}))
		}
	}
	base := b.baseData(pick, &b.ackBase)
	d := map[string]any{
		"Packet": pick.Number, "Ack": pick.Ack, "Last": pick.Ack - 1, "From": base.From, "To": base.To,
		"Ranges": b.listOf(ranges), "Packets": b.joinList(nums), "Count": len(nums),
	}
	return b.text("ex.ack.q", d), b.text("ex.ack.a", d)
}

// listOf writes items as a list in the page's language: "a, b and c".
func (b *builder) listOf(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return b.text("ui.list", map[string]any{"Head": items[:len(items)-1], "Last": items[len(items)-1]})
}
