package tlsrec

import "fmt"

// ContentType is a TLS record's content type (RFC 8446 section 5.1).
type ContentType uint8

// The content types.
const (
	TypeChangeCipherSpec ContentType = 20
	TypeAlert            ContentType = 21
	TypeHandshake        ContentType = 22
	TypeApplicationData  ContentType = 23
	TypeHeartbeat        ContentType = 24
)

// String returns the name the RFCs use, e.g. "application_data".
func (t ContentType) String() string {
	switch t {
	case TypeChangeCipherSpec:
		return "change_cipher_spec"
	case TypeAlert:
		return "alert"
	case TypeHandshake:
		return "handshake"
	case TypeApplicationData:
		return "application_data"
	case TypeHeartbeat:
		return "heartbeat"
	}
	return fmt.Sprintf("content_type_%d", uint8(t))
}

// HandshakeType is a handshake message's type (RFC 8446 section 4).
type HandshakeType uint8

// The handshake message types.
const (
	HelloRequest        HandshakeType = 0
	ClientHelloType     HandshakeType = 1
	ServerHelloType     HandshakeType = 2
	NewSessionTicket    HandshakeType = 4
	EndOfEarlyData      HandshakeType = 5
	EncryptedExtensions HandshakeType = 8
	CertificateType     HandshakeType = 11
	ServerKeyExchange   HandshakeType = 12
	CertificateRequest  HandshakeType = 13
	ServerHelloDone     HandshakeType = 14
	CertificateVerify   HandshakeType = 15
	ClientKeyExchange   HandshakeType = 16
	Finished            HandshakeType = 20
	KeyUpdate           HandshakeType = 24
	MessageHash         HandshakeType = 254
)

var handshakeNames = map[HandshakeType]string{
	HelloRequest: "hello_request", ClientHelloType: "client_hello", ServerHelloType: "server_hello",
	NewSessionTicket: "new_session_ticket", EndOfEarlyData: "end_of_early_data",
	EncryptedExtensions: "encrypted_extensions", CertificateType: "certificate",
	ServerKeyExchange: "server_key_exchange", CertificateRequest: "certificate_request",
	ServerHelloDone: "server_hello_done", CertificateVerify: "certificate_verify",
	ClientKeyExchange: "client_key_exchange", Finished: "finished", KeyUpdate: "key_update",
	MessageHash: "message_hash",
}

// String returns the name the RFCs use, e.g. "client_hello".
func (t HandshakeType) String() string {
	if n, ok := handshakeNames[t]; ok {
		return n
	}
	return fmt.Sprintf("handshake_type_%d", uint8(t))
}

// Version is a TLS protocol version number as sent on the wire.
type Version uint16

// The protocol versions.
const (
	VersionSSL30 Version = 0x0300
	VersionTLS10 Version = 0x0301
	VersionTLS11 Version = 0x0302
	VersionTLS12 Version = 0x0303
	VersionTLS13 Version = 0x0304
)

// String returns "1.0" to "1.3", "SSL 3.0", "GREASE" for a reserved GREASE
// value (RFC 8701) or the number in hex.
func (v Version) String() string {
	switch v {
	case VersionSSL30:
		return "SSL 3.0"
	case VersionTLS10:
		return "1.0"
	case VersionTLS11:
		return "1.1"
	case VersionTLS12:
		return "1.2"
	case VersionTLS13:
		return "1.3"
	}
	if IsGREASE(uint16(v)) {
		return "GREASE"
	}
	return fmt.Sprintf("0x%04x", uint16(v))
}

// IsGREASE reports whether v is one of the reserved values of RFC 8701
// (0x0a0a, 0x1a1a, ..., 0xfafa) that clients send so that servers learn to
// ignore values they do not know.
func IsGREASE(v uint16) bool { return v&0x0f0f == 0x0a0a && v>>8 == v&0xff }

// GroupName returns the IANA name of a named group (key exchange), e.g.
// "x25519" or "X25519MLKEM768", "GREASE", or the number in hex.
func GroupName(g uint16) string {
	switch g {
	case 0x0017:
		return "secp256r1"
	case 0x0018:
		return "secp384r1"
	case 0x0019:
		return "secp521r1"
	case 0x001d:
		return "x25519"
	case 0x001e:
		return "x448"
	case 0x0100:
		return "ffdhe2048"
	case 0x0101:
		return "ffdhe3072"
	case 0x0102:
		return "ffdhe4096"
	case 0x11eb:
		return "SecP256r1MLKEM768"
	case 0x11ec:
		return "X25519MLKEM768"
	case 0x11ed:
		return "SecP384r1MLKEM1024"
	case 0x6399:
		return "X25519Kyber768Draft00"
	}
	if IsGREASE(g) {
		return "GREASE"
	}
	return fmt.Sprintf("0x%04x", g)
}

// SignatureSchemeName returns the IANA name of a signature scheme, e.g.
// "ecdsa_secp256r1_sha256", or the number in hex.
func SignatureSchemeName(s uint16) string {
	switch s {
	case 0x0201:
		return "rsa_pkcs1_sha1"
	case 0x0203:
		return "ecdsa_sha1"
	case 0x0401:
		return "rsa_pkcs1_sha256"
	case 0x0501:
		return "rsa_pkcs1_sha384"
	case 0x0601:
		return "rsa_pkcs1_sha512"
	case 0x0403:
		return "ecdsa_secp256r1_sha256"
	case 0x0503:
		return "ecdsa_secp384r1_sha384"
	case 0x0603:
		return "ecdsa_secp521r1_sha512"
	case 0x0804:
		return "rsa_pss_rsae_sha256"
	case 0x0805:
		return "rsa_pss_rsae_sha384"
	case 0x0806:
		return "rsa_pss_rsae_sha512"
	case 0x0807:
		return "ed25519"
	case 0x0808:
		return "ed448"
	case 0x0809:
		return "rsa_pss_pss_sha256"
	case 0x080a:
		return "rsa_pss_pss_sha384"
	case 0x080b:
		return "rsa_pss_pss_sha512"
	}
	if IsGREASE(s) {
		return "GREASE"
	}
	return fmt.Sprintf("0x%04x", s)
}

// ExtensionName returns the IANA name of a hello extension, e.g.
// "server_name", "GREASE", or the number in hex.
func ExtensionName(e uint16) string {
	switch e {
	case 0:
		return "server_name"
	case 5:
		return "status_request"
	case 10:
		return "supported_groups"
	case 11:
		return "ec_point_formats"
	case 13:
		return "signature_algorithms"
	case 16:
		return "application_layer_protocol_negotiation"
	case 18:
		return "signed_certificate_timestamp"
	case 21:
		return "padding"
	case 22:
		return "encrypt_then_mac"
	case 23:
		return "extended_master_secret"
	case 27:
		return "compress_certificate"
	case 35:
		return "session_ticket"
	case 41:
		return "pre_shared_key"
	case 42:
		return "early_data"
	case 43:
		return "supported_versions"
	case 44:
		return "cookie"
	case 45:
		return "psk_key_exchange_modes"
	case 51:
		return "key_share"
	case 17513, 17613:
		return "application_settings"
	case 0xfe0d:
		return "encrypted_client_hello"
	case 0xff01:
		return "renegotiation_info"
	}
	if IsGREASE(e) {
		return "GREASE"
	}
	return fmt.Sprintf("0x%04x", e)
}

// AlertLevel is an alert's level.
type AlertLevel uint8

// String returns "warning", "fatal" or the number.
func (l AlertLevel) String() string {
	switch l {
	case 1:
		return "warning"
	case 2:
		return "fatal"
	}
	return fmt.Sprintf("level_%d", uint8(l))
}

// AlertDescription is an alert's description (RFC 8446 section 6).
type AlertDescription uint8

// CloseNotify is the alert an end sends before it closes the connection.
const CloseNotify AlertDescription = 0

var alertNames = map[AlertDescription]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
	22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
	42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
	70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
	109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
	112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
	115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
	121: "ech_required",
}

// String returns the name RFC 8446 uses, e.g. "close_notify".
func (d AlertDescription) String() string {
	if n, ok := alertNames[d]; ok {
		return n
	}
	return fmt.Sprintf("alert_%d", uint8(d))
}
