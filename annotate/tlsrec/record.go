package tlsrec

import "fmt"

// HeaderLen is the length of a TLS record header: type, version, length.
const HeaderLen = 5

// MaxRecordBody is the largest record body this package accepts: 2^14 bytes
// of plaintext plus 2048 of protection (RFC 5246 section 6.2.3; TLS 1.3
// allows only 256).
const MaxRecordBody = 1<<14 + 2048

// maxHandshakeMessage bounds a handshake message that spans records.
const maxHandshakeMessage = 1 << 18

// Dir is the direction of a record: from the client or from the server.
type Dir uint8

// The directions.
const (
	FromClient Dir = 0
	FromServer Dir = 1
)

// String returns "client" or "server".
func (d Dir) String() string {
	if d == FromServer {
		return "server"
	}
	return "client"
}

// Fault names what went wrong with a record. Faults never stop the
// parsing of the other direction; a direction that lost its record
// boundaries resumes at the next plausible record header.
type Fault string

// The faults.
const (
	// FaultBadRecordMAC: the record did not authenticate with the key
	// log's keys (a wrong key, a key of another connection, or a corrupt
	// record). Decryption of that direction stops.
	FaultBadRecordMAC Fault = "bad-record-mac"
	// FaultBadPadding: a CBC record's padding is wrong (a wrong key).
	FaultBadPadding Fault = "bad-padding"
	// FaultRecordTooShort: the body is shorter than its protection needs.
	FaultRecordTooShort Fault = "record-too-short"
	// FaultNoInnerType: a TLS 1.3 record decrypted to zeros only.
	FaultNoInnerType Fault = "no-inner-content-type"
	// FaultRecordOverflow: the header claims a body over MaxRecordBody.
	FaultRecordOverflow Fault = "record-overflow"
	// FaultTruncatedRecord: the stream ended, or lost bytes, inside a
	// record.
	FaultTruncatedRecord Fault = "truncated-record"
	// FaultNotTLS: bytes where a record header should be are not one.
	FaultNotTLS Fault = "not-a-record"
	// FaultMalformedHandshake: a handshake message does not parse.
	FaultMalformedHandshake Fault = "malformed-handshake"
	// FaultHandshakeTooLarge: a handshake message claims more than 256 KiB.
	FaultHandshakeTooLarge Fault = "handshake-too-large"
	// FaultMalformedAlert: an alert that is not two bytes.
	FaultMalformedAlert Fault = "malformed-alert"
)

// Epoch names the protection of a record.
type Epoch uint8

// The epochs.
const (
	EpochPlaintext   Epoch = iota // no protection yet
	EpochHandshake                // TLS 1.3 handshake traffic keys
	EpochApplication              // TLS 1.3 application traffic keys, or TLS 1.2 after ChangeCipherSpec
	EpochUnknown                  // protected, with keys not known (TLS 1.3 without a key log)
)

// String returns "plaintext", "handshake", "application" or "unknown".
func (e Epoch) String() string {
	switch e {
	case EpochPlaintext:
		return "plaintext"
	case EpochHandshake:
		return "handshake"
	case EpochApplication:
		return "application"
	}
	return "unknown"
}

// A Record is one TLS record of a direction's byte stream.
type Record struct {
	Dir     Dir
	Index   int   // the record's number in its direction, from 0
	Offset  int64 // stream offset of its first header byte
	Type    ContentType
	Version Version // the header's (legacy) version
	Length  int     // the header's body length
	// Encrypted reports a protected record; Decrypted that it was
	// decrypted with the key log's keys.
	Encrypted, Decrypted bool
	Epoch                Epoch
	KeyGeneration        int // TLS 1.3: KeyUpdates before this record's keys
	// Inner is the content type of the plaintext: the header's type for
	// plaintext and TLS 1.2 records, the inner type of a decrypted TLS 1.3
	// record, 0 when not known.
	Inner ContentType
	// Plaintext is the record's content: its body when not encrypted, the
	// decrypted content when Decrypted, else nil. The record owns it.
	Plaintext []byte
	// Messages are the handshake messages this record completes.
	Messages []Message
	// Pending is a handshake message this record started or continued
	// that a later record completes.
	Pending *Pending
	// Alert is the alert the record carries, when readable.
	Alert *Alert
	// Fault is what went wrong, "" when nothing did; Detail says more.
	Fault  Fault
	Detail string
	// Truncated reports a record whose end was never seen; Length bytes
	// were announced, fewer arrived.
	Truncated bool
}

// End returns the stream offset just past the record.
func (r *Record) End() int64 { return r.Offset + HeaderLen + int64(r.Length) }

// Pending is the part of a handshake message held until later records
// complete it.
type Pending struct {
	Type   HandshakeType
	Have   int // bytes of body held so far
	Length int // body length its header gives
}

// An Alert is a readable alert.
type Alert struct {
	Level       AlertLevel
	Description AlertDescription
}

// Sniff reports whether b, the first bytes a client sent on a connection,
// starts a TLS record with a ClientHello. more reports that b is a
// consistent prefix too short to tell (fewer than 11 bytes).
func Sniff(b []byte) (isTLS, more bool) {
	checks := []func() bool{
		func() bool { return b[0] == byte(TypeHandshake) },
		func() bool { return b[1] == 3 },
		func() bool { return b[2] <= 4 },
		func() bool { return true },
		func() bool { n := int(b[3])<<8 | int(b[4]); return n >= 4 && n <= 1<<14 },
		func() bool { return b[5] == byte(ClientHelloType) },
		func() bool { return b[6] == 0 },
		func() bool { return true },
		func() bool { n := int(b[6])<<16 | int(b[7])<<8 | int(b[8]); return n >= 38 },
		func() bool { return b[9] == 3 },
		func() bool { return b[10] <= 4 },
	}
	for i, ok := range checks {
		if i >= len(b) {
			return false, true
		}
		if !ok() {
			return false, false
		}
	}
	return true, false
}

// plausibleHeader reports whether h (5 bytes) may be a record header.
func plausibleHeader(h []byte) bool {
	return h[0] >= byte(TypeChangeCipherSpec) && h[0] <= byte(TypeHeartbeat) && h[1] == 3 && h[2] <= 4 &&
		int(h[3])<<8|int(h[4]) <= MaxRecordBody
}

func (r *Record) String() string {
	return fmt.Sprintf("%s record %d at %d: %s, %d bytes", r.Dir, r.Index, r.Offset, r.Type, r.Length)
}
