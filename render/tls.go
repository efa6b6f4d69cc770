package render

import "github.com/wstrace/wstrace/annotate"

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
