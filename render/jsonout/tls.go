package jsonout

import (
	"time"

	"github.com/wstrace/wstrace/annotate"
)

// TLS is what a wss:// connection's TLS showed (connection member "tls",
// null when the connection is not TLS). It never holds key material.
type TLS struct {
	Version          string       `json:"version"`
	CipherSuite      string       `json:"cipher_suite"`
	SNI              string       `json:"sni"`
	ALPN             string       `json:"alpn"`
	OfferedALPN      []string     `json:"offered_alpn"`
	OfferedVersions  []string     `json:"offered_versions"`
	KeyShareGroup    string       `json:"key_share_group"`
	RetryRequest     bool         `json:"retry_request"`
	Resumed          bool         `json:"resumed"`
	Certificate      *Certificate `json:"certificate"`
	Keys             string       `json:"keys"`
	Decrypted        bool         `json:"decrypted"`
	ClientRecords    int          `json:"client_records"`
	ServerRecords    int          `json:"server_records"`
	DecryptedRecords int          `json:"decrypted_records"`
	KeyUpdates       int          `json:"key_updates"`
	Fault            string       `json:"fault"`
}

// Certificate is the server's first certificate, when readable.
type Certificate struct {
	Subject    string `json:"subject"`
	Issuer     string `json:"issuer"`
	NotBefore  string `json:"not_before"`
	NotAfter   string `json:"not_after"`
	SelfSigned bool   `json:"self_signed"`
	Chain      int    `json:"chain"`
}

// tlsOf converts a connection's TLS information.
func tlsOf(t *annotate.TLSInfo) *TLS {
	if t == nil {
		return nil
	}
	out := &TLS{Version: t.Version, CipherSuite: t.CipherSuite, SNI: t.SNI, ALPN: t.ALPN,
		OfferedALPN: nonNil(t.OfferedALPN), OfferedVersions: nonNil(t.OfferedVersions), KeyShareGroup: t.KeyShareGroup,
		RetryRequest: t.RetryRequest, Resumed: t.Resumed, Keys: t.Keys, Decrypted: t.Decrypted, ClientRecords: t.ClientRecords,
		ServerRecords: t.ServerRecords, DecryptedRecords: t.DecryptedRecords, KeyUpdates: t.KeyUpdates, Fault: t.Fault}
	if c := t.Certificate; c != nil {
		out.Certificate = &Certificate{Subject: c.Subject, Issuer: c.Issuer, NotBefore: c.NotBefore.Format(time.RFC3339),
			NotAfter: c.NotAfter.Format(time.RFC3339), SelfSigned: c.SelfSigned, Chain: c.Chain}
	}
	return out
}

// tls writes the "tls" member of a connection, as tlsOf gives it.
func (e *encoder) tls(c *annotate.Connection) {
	e.key("tls")
	t := tlsOf(c.TLS)
	if t == nil {
		e.null()
		return
	}
	e.open('{')
	e.strField("version", t.Version)
	e.strField("cipher_suite", t.CipherSuite)
	e.strField("sni", t.SNI)
	e.strField("alpn", t.ALPN)
	e.key("offered_alpn")
	e.strings(t.OfferedALPN)
	e.key("offered_versions")
	e.strings(t.OfferedVersions)
	e.strField("key_share_group", t.KeyShareGroup)
	e.boolField("retry_request", t.RetryRequest)
	e.boolField("resumed", t.Resumed)
	e.key("certificate")
	if ct := t.Certificate; ct != nil {
		e.open('{')
		e.strField("subject", ct.Subject)
		e.strField("issuer", ct.Issuer)
		e.strField("not_before", ct.NotBefore)
		e.strField("not_after", ct.NotAfter)
		e.boolField("self_signed", ct.SelfSigned)
		e.intField("chain", int64(ct.Chain))
		e.close('}')
	} else {
		e.null()
	}
	e.strField("keys", t.Keys)
	e.boolField("decrypted", t.Decrypted)
	e.intField("client_records", int64(t.ClientRecords))
	e.intField("server_records", int64(t.ServerRecords))
	e.intField("decrypted_records", int64(t.DecryptedRecords))
	e.intField("key_updates", int64(t.KeyUpdates))
	e.strField("fault", t.Fault)
	e.close('}')
}
