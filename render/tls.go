package render

import (
	"bytes"

	"github.com/wstrace/wstrace/annotate"
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
			data = redactHead(data)
		}
		if limit := b.opts.maxBytes(); limit > 0 && len(data) > limit {
			data = data[:limit]
			args := b.args()
			args["Shown"], args["More"], args["Size"] = len(data), len(r.Plaintext)-len(data), len(r.Plaintext)
			v.Note = b.text("ui.note.payload-cut", args)
		}
		v.Hex = NewDump(data, true, 0)
		p.Payloads = append(p.Payloads, v)
	}
}

// redactHead masks secrets in a copy of decrypted bytes that start with an
// HTTP head, as redactPayload does for a head seen in clear text: the
// values of secret headers and token-like query parameters of the request
// line.
func redactHead(b []byte) []byte {
	first, _, _ := bytes.Cut(b, []byte("\r\n"))
	if !bytes.HasPrefix(first, []byte("HTTP/1.")) && !bytes.Contains(first, []byte(" HTTP/1.")) {
		return b
	}
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(b)
	}
	out := bytes.Clone(b)
	for i, line := 0, 0; i < end; line++ {
		j := bytes.Index(out[i:end], []byte("\r\n"))
		if j < 0 {
			j = end - i
		}
		l := out[i : i+j]
		if line == 0 {
			if sp := bytes.IndexByte(l, ' '); sp > 0 {
				redactQuery(l[sp+1:])
			}
		} else if c := bytes.IndexByte(l, ':'); c > 0 && secretHeader(string(l[:c])) {
			for k := c + 1; k < len(l); k++ {
				if l[k] != ' ' && l[k] != '\t' {
					l[k] = RedactMark
				}
			}
		}
		i += j + 2
	}
	return out
}
