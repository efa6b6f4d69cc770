package tlsrec

import (
	"crypto"
	"fmt"
)

// cipherKind is how a suite protects records.
type cipherKind uint8

const (
	kindNone   cipherKind = iota // named only: no decryption
	kindGCM                      // AES-GCM
	kindChaCha                   // ChaCha20-Poly1305
	kindCBC                      // AES-CBC with HMAC (MAC-then-encrypt)
)

// suite describes a cipher suite: its IANA name and, for the suites this
// package decrypts, the record protection and hash.
type suite struct {
	name   string
	tls13  bool
	kind   cipherKind
	keyLen int         // bytes of the encryption key
	mac    crypto.Hash // HMAC hash of CBC suites
	hash   crypto.Hash // PRF (TLS 1.2) or HKDF (TLS 1.3) hash
}

var suites = map[uint16]suite{
	0x1301: {"TLS_AES_128_GCM_SHA256", true, kindGCM, 16, 0, crypto.SHA256},
	0x1302: {"TLS_AES_256_GCM_SHA384", true, kindGCM, 32, 0, crypto.SHA384},
	0x1303: {"TLS_CHACHA20_POLY1305_SHA256", true, kindChaCha, 32, 0, crypto.SHA256},
	0x1304: {"TLS_AES_128_CCM_SHA256", true, kindNone, 0, 0, crypto.SHA256},
	0x1305: {"TLS_AES_128_CCM_8_SHA256", true, kindNone, 0, 0, crypto.SHA256},

	0xc02b: {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	0xc02f: {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	0xc02c: {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	0xc030: {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	0xcca8: {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, kindChaCha, 32, 0, crypto.SHA256},
	0xcca9: {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false, kindChaCha, 32, 0, crypto.SHA256},
	0xc009: {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", false, kindCBC, 16, crypto.SHA1, crypto.SHA256},
	0xc00a: {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", false, kindCBC, 32, crypto.SHA1, crypto.SHA256},
	0xc013: {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", false, kindCBC, 16, crypto.SHA1, crypto.SHA256},
	0xc014: {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", false, kindCBC, 32, crypto.SHA1, crypto.SHA256},
	0xc023: {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", false, kindCBC, 16, crypto.SHA256, crypto.SHA256},
	0xc024: {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", false, kindCBC, 32, crypto.SHA384, crypto.SHA384},
	0xc027: {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", false, kindCBC, 16, crypto.SHA256, crypto.SHA256},
	0xc028: {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", false, kindCBC, 32, crypto.SHA384, crypto.SHA384},
	0x009c: {"TLS_RSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	0x009d: {"TLS_RSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	0x002f: {"TLS_RSA_WITH_AES_128_CBC_SHA", false, kindCBC, 16, crypto.SHA1, crypto.SHA256},
	0x0035: {"TLS_RSA_WITH_AES_256_CBC_SHA", false, kindCBC, 32, crypto.SHA1, crypto.SHA256},
	0x003c: {"TLS_RSA_WITH_AES_128_CBC_SHA256", false, kindCBC, 16, crypto.SHA256, crypto.SHA256},
	0x003d: {"TLS_RSA_WITH_AES_256_CBC_SHA256", false, kindCBC, 32, crypto.SHA256, crypto.SHA256},
	0x009e: {"TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", false, kindGCM, 16, 0, crypto.SHA256},
	0x009f: {"TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", false, kindGCM, 32, 0, crypto.SHA384},
	0xccaa: {"TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", false, kindChaCha, 32, 0, crypto.SHA256},
	0x000a: {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", false, kindNone, 0, 0, crypto.SHA256},
	0xc012: {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", false, kindNone, 0, 0, crypto.SHA256},
	0x00ff: {"TLS_EMPTY_RENEGOTIATION_INFO_SCSV", false, kindNone, 0, 0, 0},
	0x5600: {"TLS_FALLBACK_SCSV", false, kindNone, 0, 0, 0},
}

// SuiteName returns the IANA name of a cipher suite, e.g.
// "TLS_AES_128_GCM_SHA256", "GREASE" for a GREASE value, or the number in
// hex for a suite this package does not know.
func SuiteName(id uint16) string {
	if s, ok := suites[id]; ok {
		return s.name
	}
	if IsGREASE(id) {
		return "GREASE"
	}
	return fmt.Sprintf("0x%04x", id)
}

// CanDecrypt reports whether this package can decrypt records protected
// with the cipher suite, given the keys.
func CanDecrypt(id uint16) bool { return suites[id].kind != kindNone }
