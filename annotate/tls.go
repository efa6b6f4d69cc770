package annotate

import (
	"bytes"
	"slices"
	"time"

	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/capture"
)

// The phases of TLS (wss://). A decrypted record that carries HTTP or
// WebSocket takes the phase of what it carries.
const (
	PhaseTLSClientHello      Phase = "tls-client-hello"       // the ClientHello, readable by anyone
	PhaseTLSServerHello      Phase = "tls-server-hello"       // the ServerHello (or HelloRetryRequest)
	PhaseTLSHandshake        Phase = "tls-handshake"          // other handshake messages, clear or encrypted
	PhaseTLSChangeCipherSpec Phase = "tls-change-cipher-spec" // ChangeCipherSpec
	PhaseTLSApplicationData  Phase = "tls-application-data"   // encrypted records not decrypted, or decrypted data of no known protocol
	PhaseTLSAlert            Phase = "tls-alert"              // an alert, close_notify included
)

// maxRecordPlaintext bounds the decrypted bytes kept per record for the
// pages (a record holds at most 16 KiB anyway).
const maxRecordPlaintext = 1 << 14

// TLSInfo is what a connection's TLS showed. It never holds key material.
type TLSInfo struct {
	// Version is the negotiated version ("1.2", "1.3"), "" when no
	// ServerHello was seen.
	Version string
	// CipherSuite is the chosen suite's IANA name.
	CipherSuite string
	// SNI is the server name the client asked for in clear text.
	SNI string
	// ALPN is the chosen application protocol (in TLS 1.3 only known
	// once decrypted); OfferedALPN what the client offered.
	ALPN        string
	OfferedALPN []string
	// OfferedVersions are the client's supported_versions, GREASE left out.
	OfferedVersions []string
	// KeyShareGroup is the group of the key exchange.
	KeyShareGroup string
	// RetryRequest reports a HelloRetryRequest; Resumed that the server
	// accepted a pre-shared key from an earlier connection (TLS 1.3
	// resumption: no certificate then).
	RetryRequest, Resumed bool
	// Certificate describes the server's first certificate when readable
	// (TLS 1.2, or TLS 1.3 decrypted).
	Certificate *TLSCertificate
	// Keys says what the key log held for the connection: "found",
	// "missing" (a key log was given without this connection's secrets)
	// or "none" (no key log).
	Keys string
	// Decrypted reports that records were decrypted.
	Decrypted bool
	// Records counts the records of each end, DecryptedRecords those
	// decrypted.
	ClientRecords, ServerRecords, DecryptedRecords int
	// KeyUpdates counts TLS 1.3 KeyUpdate messages.
	KeyUpdates int
	// Fault is the first TLS fault, "" when none.
	Fault string
}

// TLSCertificate is a certificate as the handshake showed it.
type TLSCertificate struct {
	Subject, Issuer     string
	NotBefore, NotAfter time.Time
	SelfSigned          bool
	Chain               int // certificates in the message
}

// TLSRecord is a TLS record that a packet completes.
type TLSRecord struct {
	Index int  // in its direction, from 0
	From  Role // its sender
	// Type is the record header's content type; Inner the content type of
	// the plaintext when known ("" when encrypted and not decrypted).
	Type, Inner string
	// Offset is the stream offset of its first header byte; Length the
	// body length its header gives.
	Offset int64
	Length int
	// Packets are the packets that carried it, in order.
	Packets              []int
	Encrypted, Decrypted bool
	// Plaintext holds the decrypted content (at most 16 KiB), nil unless
	// Decrypted.
	Plaintext []byte
	// Messages names the handshake messages it completes.
	Messages []string
	Fault    string
}

// tlsState is the TLS of one connection.
type tlsState struct {
	conn    *tlsrec.Conn
	info    *TLSInfo
	sentEnc [3]bool // each end has sent an encrypted record
}

// UseSecrets gives the annotator the decryption secrets a capture carries
// (pcapng Decryption Secrets Blocks); only TLS key logs are used. Call it
// with all the secrets met so far, as often as wanted: only new ones are
// read. Secrets apply to the connections whose ServerHello comes after.
func (a *Annotator) UseSecrets(s []capture.Secrets) {
	for ; a.secretsSeen < len(s); a.secretsSeen++ {
		if s[a.secretsSeen].Type != capture.SecretsTLSKeyLog {
			continue
		}
		if a.keys == nil {
			a.keys = new(tlsrec.KeyLog)
		}
		a.keys.Read(bytes.NewReader(s[a.secretsSeen].Data))
	}
}

// useSource reads the secrets of src, if it carries any.
func (a *Annotator) useSource(src capture.Source) {
	if ss, ok := src.(capture.SecretsSource); ok {
		a.UseSecrets(ss.Secrets())
	}
}

// tlsHello reports whether b, the first bytes of a direction, start a TLS
// ClientHello (or the connection is TLS already), and if so switches the
// flow to TLS.
func (f *flow) tlsHello(b []byte) bool {
	cs := f.cs
	if cs.tls == nil {
		if ok, _ := tlsrec.Sniff(b); !ok {
			return false
		}
		cs.confirmRoles(f.role, true, "tls-client-hello")
		keys := cs.a.keys
		cs.tls = &tlsState{conn: tlsrec.NewConn(keys), info: &TLSInfo{Keys: "none"}}
		if keys != nil {
			cs.tls.info.Keys = "missing"
		}
		cs.c.TLS = cs.tls.info
	}
	f.mode = modeTLS
	inner := newFlow(cs, f.st)
	inner.virtual = true
	f.inner = inner
	return true
}

// dir is the flow's direction for tlsrec.
func (f *flow) dir() tlsrec.Dir {
	if f.role == Server {
		return tlsrec.FromServer
	}
	return tlsrec.FromClient
}

// tlsData feeds TLS bytes of the wire flow.
func (f *flow) tlsData(b []byte, cur *PacketInfo) {
	for _, r := range f.cs.tls.conn.Feed(f.dir(), b) {
		f.tlsRecord(r, cur)
	}
}

// tlsGap tells the TLS layer that n bytes were never captured.
func (f *flow) tlsGap(n int64, cur *PacketInfo) {
	for _, r := range f.cs.tls.conn.Gap(f.dir(), n) {
		f.tlsRecord(r, cur)
	}
	if in := f.inner; in != nil && in.mode != modeStart {
		in.gap(in.vnext, n, cur)
		in.vnext += n
	}
}

// tlsFinish flushes the record held at the end of the stream.
func (f *flow) tlsFinish(cur *PacketInfo) {
	if f.cs.tls == nil {
		return
	}
	for _, r := range f.cs.tls.conn.Flush(f.dir()) {
		f.tlsRecord(r, cur)
	}
	if f.inner != nil {
		f.inner.finish()
	}
}

// tlsKeepFrom is the stream offset of the first byte of the record the
// TLS layer holds.
func (f *flow) tlsKeepFrom() int64 { return f.cs.tls.conn.Held(f.dir()) }

// tlsRecord annotates one record: its fields, its events on the packet
// that completes it, and the decrypted application data handed to the
// inner flow.
func (f *flow) tlsRecord(r *tlsrec.Record, cur *PacketInfo) {
	ts := f.cs.tls
	info := ts.info
	if !r.Truncated {
		f.place(FieldTLSRecordHeader, "", r.Offset, r.Offset+tlsrec.HeaderLen, r.Offset, nil)
		f.place(FieldTLSRecordBody, "", r.Offset+tlsrec.HeaderLen, r.End(), r.Offset+tlsrec.HeaderLen, nil)
	}
	carriers := f.packetsOf(r.Offset, r.End())
	rec := &TLSRecord{Index: r.Index, From: f.role, Type: r.Type.String(), Offset: r.Offset, Length: r.Length,
		Encrypted: r.Encrypted, Decrypted: r.Decrypted, Fault: string(r.Fault)}
	if r.Inner != 0 {
		rec.Inner = r.Inner.String()
	}
	for _, p := range carriers {
		rec.Packets = append(rec.Packets, p.Number)
		if p != cur {
			if _, ok := p.Event("tls-record-part"); !ok {
				p.add(EventTLSRecordPart, Params{{"record", r.Index}, {"content_type", r.Type.String()}, {"completed_by", cur.Number}, {"packet", p.Number}})
			}
		}
	}
	if r.Decrypted {
		rec.Plaintext = r.Plaintext[:min(len(r.Plaintext), maxRecordPlaintext):min(len(r.Plaintext), maxRecordPlaintext)]
	}
	for _, m := range r.Messages {
		rec.Messages = append(rec.Messages, m.Type.String())
	}
	cur.TLSRecords = append(cur.TLSRecords, rec)

	ti := ts.conn.Info()
	if f.role == Server {
		info.ServerRecords++
	} else {
		info.ClientRecords++
	}
	base := Params{{"record", r.Index}, {"length", int64(r.Length)}, {"direction", f.role.String()}}
	if len(carriers) > 1 {
		nums := make([]int, len(carriers))
		for i, p := range carriers {
			nums[i] = p.Number
		}
		base = append(base, Param{"packets", nums})
	}
	if r.Encrypted {
		base = append(base, Param{"encrypted", true}, Param{"decrypted", r.Decrypted})
	}
	if r.Decrypted {
		info.Decrypted = true
		info.DecryptedRecords++
	}
	if r.Fault != "" {
		p := Params{{"fault", string(r.Fault)}, {"record", r.Index}, {"direction", f.role.String()}}
		if r.Detail != "" {
			p = append(p, Param{"detail", r.Detail})
		}
		cur.add(EventTLSFault, p)
		if info.Fault == "" {
			info.Fault = string(r.Fault)
		}
	}
	switch {
	case r.Fault == tlsrec.FaultNotTLS || r.Fault == tlsrec.FaultRecordOverflow || r.Truncated:
		// The fault says it all.
	case r.Inner == tlsrec.TypeHandshake:
		f.tlsHandshake(r, base, cur)
	case r.Inner == tlsrec.TypeChangeCipherSpec:
		cur.add(EventTLSChangeCipherSpec, append(base, Param{"compat", info.Version == "1.3"}))
	case r.Inner == tlsrec.TypeAlert && r.Alert != nil:
		p := append(base, Param{"level", r.Alert.Level.String()}, Param{"description", r.Alert.Description.String()})
		if r.Alert.Description == tlsrec.CloseNotify {
			p = append(p, Param{"close_notify", true})
		}
		cur.add(EventTLSAlert, p)
	case r.Type == tlsrec.TypeAlert && r.Encrypted:
		cur.add(EventTLSAlert, base)
	case r.Type == tlsrec.TypeHandshake && r.Encrypted:
		// TLS 1.2: the encrypted Finished after ChangeCipherSpec.
		cur.add(EventTLSHandshake, append(base, Param{"messages", []string{"finished"}}, Param{"likely", true}))
	default:
		p := base
		if r.Decrypted {
			p = append(p, Param{"plaintext_length", int64(len(r.Plaintext))})
		} else if info.Version == "1.3" && !ts.sentEnc[Client] {
			// Without keys, TLS 1.3 hides the record type: until the
			// client's first encrypted record (its Finished), what the
			// server sends is the rest of its handshake.
			p = append(p, Param{"likely_handshake", true})
		}
		if r.Epoch == tlsrec.EpochHandshake || r.Epoch == tlsrec.EpochApplication {
			p = append(p, Param{"epoch", r.Epoch.String()})
		}
		if r.KeyGeneration > 0 {
			p = append(p, Param{"key_generation", int64(r.KeyGeneration)})
		}
		if !(r.Decrypted && r.Inner == tlsrec.TypeApplicationData && len(r.Plaintext) > 0 && f.inner != nil && f.inner.mode != modeOpaque) || f.inner == nil {
			cur.add(EventTLSApplicationData, p)
		} else {
			// The plaintext's own events (HTTP, WebSocket) explain the
			// packet; this one says where they came from.
			cur.add(EventTLSApplicationData, append(p, Param{"carries", true}))
		}
	}
	if r.Encrypted {
		ts.sentEnc[f.role] = true
	}
	info.KeyUpdates = ti.KeyUpdates
	if ti.KeysFound {
		info.Keys = "found"
	}
	if r.Decrypted && r.Inner == tlsrec.TypeApplicationData && len(r.Plaintext) > 0 && f.inner != nil {
		in := f.inner
		in.data(in.vnext, r.Plaintext, cur, 0, cur)
		in.vnext += int64(len(r.Plaintext))
	}
}

// tlsHandshake annotates a record of handshake messages.
func (f *flow) tlsHandshake(r *tlsrec.Record, base Params, cur *PacketInfo) {
	info := f.cs.tls.info
	var names []string
	for i := range r.Messages {
		m := &r.Messages[i]
		switch {
		case m.ClientHello != nil:
			h := m.ClientHello
			info.SNI = h.ServerName
			info.OfferedALPN = h.ALPN
			info.OfferedVersions = nil
			for _, v := range h.Versions {
				if !tlsrec.IsGREASE(uint16(v)) {
					info.OfferedVersions = append(info.OfferedVersions, v.String())
				}
			}
			p := append(Params(nil), base...)
			p = append(p, Param{"legacy_version", h.Version.String()})
			if h.ServerName != "" {
				p = append(p, Param{"sni", h.ServerName})
			}
			if len(h.ALPN) > 0 {
				p = append(p, Param{"alpn", h.ALPN})
			}
			if len(info.OfferedVersions) > 0 {
				p = append(p, Param{"versions", info.OfferedVersions})
			}
			p = append(p, Param{"cipher_suites", names16(h.CipherSuites, tlsrec.SuiteName)}, Param{"suites", int64(len(h.CipherSuites))})
			if g := names16(h.KeyShares, tlsrec.GroupName); len(g) > 0 {
				p = append(p, Param{"key_shares", g})
			}
			if g := names16(h.Groups, tlsrec.GroupName); len(g) > 0 {
				p = append(p, Param{"groups", g})
			}
			if h.ECH {
				p = append(p, Param{"ech", true})
			}
			p = append(p, Param{"extensions", int64(len(h.Extensions))})
			cur.add(EventTLSClientHello, p)
		case m.ServerHello != nil:
			h := m.ServerHello
			p := append(Params(nil), base...)
			if h.RetryRequest {
				info.RetryRequest = true
				p = append(p, Param{"retry_request", true}, Param{"cipher_suite", tlsrec.SuiteName(h.CipherSuite)})
				if h.HasKeyShare {
					p = append(p, Param{"group", tlsrec.GroupName(h.KeyShare)})
				}
				cur.add(EventTLSServerHello, p)
				continue
			}
			v := h.NegotiatedVersion()
			info.Version = v.String()
			info.CipherSuite = tlsrec.SuiteName(h.CipherSuite)
			if h.HasKeyShare {
				info.KeyShareGroup = tlsrec.GroupName(h.KeyShare)
			}
			if h.ALPN != "" {
				info.ALPN = h.ALPN
			}
			ti := f.cs.tls.conn.Info()
			if ti.KeysFound {
				info.Keys = "found"
			}
			p = append(p, Param{"version", v.String()}, Param{"cipher_suite", info.CipherSuite}, Param{"keys", info.Keys})
			if v == tlsrec.VersionTLS13 {
				p = append(p, Param{"tls13", true})
			}
			if info.KeyShareGroup != "" {
				p = append(p, Param{"group", info.KeyShareGroup})
			}
			if h.ALPN != "" {
				p = append(p, Param{"alpn", h.ALPN})
			}
			if slices.Contains(h.Extensions, 41) { // pre_shared_key
				info.Resumed = true
				p = append(p, Param{"resumed", true})
			}
			if !tlsrec.CanDecrypt(h.CipherSuite) {
				p = append(p, Param{"unsupported_suite", true})
			}
			cur.add(EventTLSServerHello, p)
		default:
			names = append(names, m.Type.String())
			if m.Extensions != nil && m.Extensions.ALPN != "" {
				info.ALPN = m.Extensions.ALPN
			}
			if len(m.Certificates) > 0 && f.role == Server {
				c := m.Certificates[0]
				info.Certificate = &TLSCertificate{Subject: c.Subject, Issuer: c.Issuer, NotBefore: c.NotBefore, NotAfter: c.NotAfter, SelfSigned: c.SelfSigned, Chain: len(m.Certificates)}
			}
		}
	}
	if len(names) == 0 && r.Pending == nil {
		return
	}
	p := append(Params(nil), base...)
	if len(names) > 0 {
		p = append(p, Param{"messages", names})
	}
	if r.Pending != nil && len(r.Messages) == 0 {
		p = append(p, Param{"pending", r.Pending.Type.String()}, Param{"pending_have", int64(r.Pending.Have)}, Param{"pending_length", int64(r.Pending.Length)})
	}
	for i := range r.Messages {
		m := &r.Messages[i]
		if len(m.Certificates) > 0 {
			c := m.Certificates[0]
			p = append(p, Param{"certificate_subject", c.Subject}, Param{"certificate_issuer", c.Issuer},
				Param{"not_before", c.NotBefore.Format(time.RFC3339)}, Param{"not_after", c.NotAfter.Format(time.RFC3339)},
				Param{"certificates", int64(len(m.Certificates))})
			if c.SelfSigned {
				p = append(p, Param{"self_signed", true})
			}
		}
		if m.ServerKeyExchange != nil {
			p = append(p, Param{"key_exchange_group", tlsrec.GroupName(m.ServerKeyExchange.Group)})
		}
		if m.SignatureScheme != 0 {
			p = append(p, Param{"signature_scheme", tlsrec.SignatureSchemeName(m.SignatureScheme)})
		}
		if m.KeyUpdate != nil {
			p = append(p, Param{"key_update", true}, Param{"request_update", m.KeyUpdate.RequestUpdate})
		}
		if m.Extensions != nil && m.Extensions.ALPN != "" {
			p = append(p, Param{"alpn", m.Extensions.ALPN})
		}
	}
	cur.add(EventTLSHandshake, p)
}

// names16 names values, leaving GREASE out.
func names16(vs []uint16, name func(uint16) string) []string {
	var out []string
	for _, v := range vs {
		if !tlsrec.IsGREASE(v) {
			out = append(out, name(v))
		}
	}
	return out
}

// tlsPartPhase is the phase of a packet that carries part of a record of
// the content type.
func tlsPartPhase(contentType string) Phase {
	switch contentType {
	case "handshake":
		return PhaseTLSHandshake
	case "alert":
		return PhaseTLSAlert
	case "change_cipher_spec":
		return PhaseTLSChangeCipherSpec
	}
	return PhaseTLSApplicationData
}
