package render

import (
	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/render/internal/redact"
)

// SectionTLS is the section of a wss:// connection's TLS handshake, between
// the TCP handshake and the WebSocket upgrade (which TLS then carries).
const SectionTLS = "tls"

// tlsSection returns the section a TLS phase moves its connection to, ""
// for other phases.
func tlsSection(ph annotate.Phase) string {
	switch ph {
	case annotate.PhaseTLSClientHello, annotate.PhaseTLSServerHello, annotate.PhaseTLSHandshake,
		annotate.PhaseTLSChangeCipherSpec, annotate.PhaseTLSApplicationData:
		return SectionTLS
	}
	return ""
}

// tlsPayloads shows, beside the packet's wire bytes, the plaintext of each
// application-data record the packet completes and the key log decrypted:
// what TLS hands to HTTP and WebSocket.
func (b *builder) tlsPayloads(pi *annotate.PacketInfo, p *Packet) {
	for _, r := range pi.TLSRecords {
		if !r.Decrypted || r.Inner != "application_data" || len(r.Plaintext) == 0 {
			continue
		}
		args := b.args()
		args["Record"], args["From"], args["Length"], args["Plain"] = r.Index, b.roleName(r.From), r.Length, len(r.Plaintext)
		v := &Payload{Title: b.text("ui.payload.tls-record", args)}
		args = b.args()
		args["Length"], args["Plain"] = r.Length, len(r.Plaintext)
		v.Steps = []string{b.text("ui.payload.tls-decrypt", args)}
		data := r.Plaintext
		if !b.opts.NoRedact {
			data = redact.Head(data)
		}
		if limit := b.opts.maxBytes(); limit > 0 && len(data) > limit {
			data = data[:limit]
			args := b.args()
			args["Shown"], args["More"], args["Size"] = len(data), len(r.Plaintext)-len(data), len(r.Plaintext)
			v.Note = b.text("ui.note.payload-cut", args)
		}
		v.Hex = newDump(data, true, 0)
		p.Payloads = append(p.Payloads, v)
	}
}
