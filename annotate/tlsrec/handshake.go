package tlsrec

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// helloRetryRandom is the ServerHello random that marks a
// HelloRetryRequest: SHA-256 of "HelloRetryRequest" (RFC 8446 section 4.1.3).
var helloRetryRandom = sha256.Sum256([]byte("HelloRetryRequest"))

// maxCertificates bounds the certificates parsed from one message.
const maxCertificates = 16

// A Message is one handshake message.
type Message struct {
	Type   HandshakeType
	Length int // body length, as its header gives it
	// Exactly one of the following is set for the types that have one,
	// when the body parsed.
	ClientHello       *ClientHello
	ServerHello       *ServerHello
	Extensions        *EncryptedExtensionsInfo
	Certificates      []CertificateInfo // certificate: the chain, leaf first
	ServerKeyExchange *ServerKeyExchangeInfo
	KeyUpdate         *KeyUpdateInfo
	// SignatureScheme is the scheme of a certificate_verify (TLS 1.3) or
	// the signature of a server_key_exchange.
	SignatureScheme uint16
	// Err is set when the body does not parse.
	Err error
}

// A ClientHello is what a client offers, readable by anyone on the path.
type ClientHello struct {
	Version        Version  // legacy_version (0x0303 for TLS 1.2 and 1.3)
	Random         [32]byte // the client random, the key log's index
	SessionIDLen   int
	CipherSuites   []uint16 // in the client's order, GREASE included
	ServerName     string   // server_name (SNI), "" when absent
	ALPN           []string // offered application protocols
	Versions       []Version
	Groups         []uint16 // supported_groups
	KeyShares      []uint16 // groups of the key_share entries
	Extensions     []uint16 // extension types in order
	SignatureAlgs  []uint16
	ECH            bool // an encrypted_client_hello extension (real or GREASE)
	EncryptThenMAC bool
}

// A ServerHello is what the server chose.
type ServerHello struct {
	Version        Version  // legacy_version
	Random         [32]byte // the server random
	CipherSuite    uint16
	Selected       Version // supported_versions, 0 when absent
	KeyShare       uint16  // group of the key_share; for a retry request, the group asked for
	HasKeyShare    bool
	ALPN           string
	Extensions     []uint16
	EncryptThenMAC bool
	// RetryRequest reports a HelloRetryRequest (RFC 8446 section 4.1.4):
	// the server asks the client for a new ClientHello.
	RetryRequest bool
}

// NegotiatedVersion returns the version the server chose: supported_versions
// when present, else legacy_version.
func (s *ServerHello) NegotiatedVersion() Version {
	if s.Selected != 0 {
		return s.Selected
	}
	return s.Version
}

// EncryptedExtensionsInfo is what a TLS 1.3 EncryptedExtensions carries.
type EncryptedExtensionsInfo struct {
	ALPN       string
	Extensions []uint16
}

// A CertificateInfo is one certificate of a chain.
type CertificateInfo struct {
	Subject, Issuer     string
	NotBefore, NotAfter time.Time
	DNSNames            []string
	SelfSigned          bool
	Length              int
	Err                 error // the DER did not parse
}

// ServerKeyExchangeInfo is the ECDHE parameters of a TLS 1.2
// ServerKeyExchange.
type ServerKeyExchangeInfo struct {
	Group     uint16 // named curve
	PublicLen int    // bytes of the server's public key
}

// KeyUpdateInfo is a TLS 1.3 KeyUpdate.
type KeyUpdateInfo struct {
	RequestUpdate bool // the peer is asked to update its keys too
}

var errMalformed = errors.New("malformed handshake message")

// parseMessage parses the body of a handshake message of type t.
func parseMessage(t HandshakeType, body []byte, version Version) Message {
	m := Message{Type: t, Length: len(body)}
	var ok bool
	switch t {
	case ClientHelloType:
		m.ClientHello, ok = parseClientHello(body)
	case ServerHelloType:
		m.ServerHello, ok = parseServerHello(body)
	case EncryptedExtensions:
		m.Extensions, ok = parseEncryptedExtensions(body)
	case CertificateType:
		m.Certificates, ok = parseCertificate(body, version == VersionTLS13)
	case ServerKeyExchange:
		m.ServerKeyExchange, m.SignatureScheme, ok = parseServerKeyExchange(body, version)
	case CertificateVerify:
		s := cryptobyte.String(body)
		ok = s.ReadUint16(&m.SignatureScheme)
	case KeyUpdate:
		ok = len(body) == 1 && body[0] <= 1
		if ok {
			m.KeyUpdate = &KeyUpdateInfo{RequestUpdate: body[0] == 1}
		}
	default:
		ok = true
	}
	if !ok {
		m.Err = errMalformed
		m.ClientHello, m.ServerHello, m.Extensions, m.Certificates, m.ServerKeyExchange, m.KeyUpdate = nil, nil, nil, nil, nil, nil
	}
	return m
}

func parseClientHello(body []byte) (*ClientHello, bool) {
	s := cryptobyte.String(body)
	h := new(ClientHello)
	var v uint16
	var random, sid, suites, comp []byte
	if !s.ReadUint16(&v) || !s.ReadBytes(&random, 32) || !readVec8(&s, &sid) || !readVec16(&s, &suites) || !readVec8(&s, &comp) {
		return nil, false
	}
	h.Version = Version(v)
	copy(h.Random[:], random)
	h.SessionIDLen = len(sid)
	if len(suites)%2 != 0 {
		return nil, false
	}
	for i := 0; i+1 < len(suites); i += 2 {
		h.CipherSuites = append(h.CipherSuites, uint16(suites[i])<<8|uint16(suites[i+1]))
	}
	if s.Empty() {
		return h, true
	}
	exts, ok := readExtensions(s, func(typ uint16, data cryptobyte.String) bool {
		ok := true
		switch typ {
		case 0: // server_name
			var list cryptobyte.String
			ok = data.ReadUint16LengthPrefixed(&list)
			for ok && !list.Empty() {
				var nt uint8
				var name []byte
				ok = list.ReadUint8(&nt) && readVec16(&list, &name)
				if ok && nt == 0 && h.ServerName == "" {
					h.ServerName = string(name)
				}
			}
		case 16:
			h.ALPN, ok = parseALPN(data)
		case 43:
			var list cryptobyte.String
			ok = data.ReadUint8LengthPrefixed(&list)
			for ok && !list.Empty() {
				var v uint16
				ok = list.ReadUint16(&v)
				h.Versions = append(h.Versions, Version(v))
			}
		case 10:
			h.Groups, ok = readUint16List(data)
		case 13:
			h.SignatureAlgs, ok = readUint16List(data)
		case 51:
			var list cryptobyte.String
			ok = data.ReadUint16LengthPrefixed(&list)
			for ok && !list.Empty() {
				var g uint16
				var key []byte
				ok = list.ReadUint16(&g) && readVec16(&list, &key)
				if ok {
					h.KeyShares = append(h.KeyShares, g)
				}
			}
		case 0xfe0d:
			h.ECH = true
		case 22:
			h.EncryptThenMAC = true
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	h.Extensions = exts
	return h, true
}

func parseServerHello(body []byte) (*ServerHello, bool) {
	s := cryptobyte.String(body)
	h := new(ServerHello)
	var v uint16
	var random, sid []byte
	var comp uint8
	if !s.ReadUint16(&v) || !s.ReadBytes(&random, 32) || !readVec8(&s, &sid) || !s.ReadUint16(&h.CipherSuite) || !s.ReadUint8(&comp) {
		return nil, false
	}
	h.Version = Version(v)
	copy(h.Random[:], random)
	h.RetryRequest = bytes.Equal(random, helloRetryRandom[:])
	if s.Empty() {
		return h, true
	}
	exts, ok := readExtensions(s, func(typ uint16, data cryptobyte.String) bool {
		ok := true
		switch typ {
		case 43:
			var v uint16
			ok = data.ReadUint16(&v)
			h.Selected = Version(v)
		case 51:
			ok = data.ReadUint16(&h.KeyShare)
			h.HasKeyShare = ok
		case 16:
			var list []string
			list, ok = parseALPN(data)
			if ok && len(list) == 1 {
				h.ALPN = list[0]
			}
		case 22:
			h.EncryptThenMAC = true
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	h.Extensions = exts
	return h, true
}

func parseEncryptedExtensions(body []byte) (*EncryptedExtensionsInfo, bool) {
	e := new(EncryptedExtensionsInfo)
	exts, ok := readExtensions(cryptobyte.String(body), func(typ uint16, data cryptobyte.String) bool {
		if typ != 16 {
			return true
		}
		list, ok := parseALPN(data)
		if ok && len(list) == 1 {
			e.ALPN = list[0]
		}
		return ok
	})
	if !ok {
		return nil, false
	}
	e.Extensions = exts
	return e, true
}

// readExtensions reads the extensions block that ends s (a 16-bit length,
// then type, length and data for each extension), calls each for every
// extension in order, and returns their types. It fails when the block is
// malformed, does not end s, or each returns false.
func readExtensions(s cryptobyte.String, each func(typ uint16, data cryptobyte.String) bool) ([]uint16, bool) {
	var exts cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&exts) || !s.Empty() {
		return nil, false
	}
	var types []uint16
	for !exts.Empty() {
		var typ uint16
		var data cryptobyte.String
		if !exts.ReadUint16(&typ) || !exts.ReadUint16LengthPrefixed(&data) || !each(typ, data) {
			return nil, false
		}
		types = append(types, typ)
	}
	return types, true
}

func parseCertificate(body []byte, tls13 bool) ([]CertificateInfo, bool) {
	s := cryptobyte.String(body)
	if tls13 {
		var ctx []byte
		if !readVec8(&s, &ctx) {
			return nil, false
		}
	}
	var list cryptobyte.String
	if !s.ReadUint24LengthPrefixed(&list) || !s.Empty() {
		return nil, false
	}
	var certs []CertificateInfo
	for !list.Empty() {
		var der cryptobyte.String
		if !list.ReadUint24LengthPrefixed(&der) {
			return nil, false
		}
		if tls13 {
			var ext cryptobyte.String
			if !list.ReadUint16LengthPrefixed(&ext) {
				return nil, false
			}
		}
		if len(certs) == maxCertificates {
			continue
		}
		ci := CertificateInfo{Length: len(der)}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			ci.Err = err
		} else {
			ci.Subject = c.Subject.String()
			ci.Issuer = c.Issuer.String()
			ci.NotBefore, ci.NotAfter = c.NotBefore.UTC(), c.NotAfter.UTC()
			ci.DNSNames = c.DNSNames
			ci.SelfSigned = bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
		}
		certs = append(certs, ci)
	}
	return certs, true
}

func parseServerKeyExchange(body []byte, version Version) (*ServerKeyExchangeInfo, uint16, bool) {
	s := cryptobyte.String(body)
	var curveType uint8
	var group uint16
	var pub []byte
	if !s.ReadUint8(&curveType) || curveType != 3 || !s.ReadUint16(&group) || !readVec8(&s, &pub) {
		return nil, 0, false // only named-curve ECDHE is described
	}
	var scheme uint16
	if version == VersionTLS12 && !s.ReadUint16(&scheme) {
		return nil, 0, false
	}
	var sig []byte
	if !readVec16(&s, &sig) || !s.Empty() {
		return nil, 0, false
	}
	return &ServerKeyExchangeInfo{Group: group, PublicLen: len(pub)}, scheme, true
}

func parseALPN(data cryptobyte.String) ([]string, bool) {
	var list cryptobyte.String
	if !data.ReadUint16LengthPrefixed(&list) || !data.Empty() {
		return nil, false
	}
	var out []string
	for !list.Empty() {
		var p []byte
		if !readVec8(&list, &p) {
			return nil, false
		}
		out = append(out, string(p))
	}
	return out, true
}

func readUint16List(data cryptobyte.String) ([]uint16, bool) {
	var list cryptobyte.String
	if !data.ReadUint16LengthPrefixed(&list) || len(list)%2 != 0 {
		return nil, false
	}
	var out []uint16
	for !list.Empty() {
		var v uint16
		list.ReadUint16(&v)
		out = append(out, v)
	}
	return out, true
}

func readVec8(s *cryptobyte.String, out *[]byte) bool {
	var v cryptobyte.String
	if !s.ReadUint8LengthPrefixed(&v) {
		return false
	}
	*out = v
	return true
}

func readVec16(s *cryptobyte.String, out *[]byte) bool {
	var v cryptobyte.String
	if !s.ReadUint16LengthPrefixed(&v) {
		return false
	}
	*out = v
	return true
}
