// Package tlsrec reads TLS from a captured TCP connection: it splits each
// direction's reassembled byte stream into records, parses the handshake
// that anyone on the path can read, and, given the secrets of a key log,
// decrypts the rest with its own record layer and key schedule.
//
// # Records
//
// A [Conn] takes each direction's bytes in stream order, in pieces of any
// size ([Conn.Feed]); it returns each record once its last byte arrives,
// with its stream offset, so that a record spanning segments and several
// records in one segment both point at their wire bytes. It holds at most
// one incomplete record a direction and never allocates what a length field
// claims before the bytes arrive. [Conn.Gap] reports bytes never captured:
// the direction then looks for the next plausible record header, and
// decryption tries the sequence numbers of up to 64 lost records.
//
// [Sniff] recognises TLS by content: a handshake record header and a
// ClientHello, on any port.
//
// # Handshake
//
// Handshake messages are reassembled across records. The ClientHello
// (SNI, ALPN, versions, cipher suites, key-share groups), the ServerHello
// (chosen version and suite, HelloRetryRequest), and in TLS 1.2 the
// Certificate (subject, issuer, validity, via crypto/x509) and the ECDHE
// ServerKeyExchange are parsed; in TLS 1.3 the latter travel encrypted and
// are parsed once decrypted. Names follow the IANA registries
// ([SuiteName], [GroupName], [SignatureSchemeName], [ExtensionName]).
//
// # Decryption
//
// [ParseKeyLog] reads the NSS key log format that browsers (SSLKEYLOGFILE),
// curl, Go (tls.Config.KeyLogWriter) and Node (the 'keylog' event) write:
// CLIENT_RANDOM for TLS 1.2, CLIENT_/SERVER_HANDSHAKE_TRAFFIC_SECRET and
// CLIENT_/SERVER_TRAFFIC_SECRET_0 for TLS 1.3. Lines it cannot use are
// skipped and counted. A key log never prints its secrets, and neither does
// anything in this package.
//
// Suites decrypted: TLS 1.3 AES-128-GCM, AES-256-GCM and
// CHACHA20-POLY1305, with KeyUpdate; TLS 1.2 AES-128/256-GCM,
// CHACHA20-POLY1305 and AES-CBC with HMAC-SHA1, SHA256 or SHA384
// (MAC-then-encrypt, or encrypt_then_mac when negotiated), whatever the
// key exchange, since the key log gives the master secret. A record that
// does not authenticate is a [Fault] (bad-record-mac, bad-padding,
// record-too-short), never garbage: its Plaintext stays nil and decryption
// of that direction stops.
package tlsrec
