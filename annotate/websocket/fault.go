package websocket

// A FaultKind identifies a kind of protocol violation. The values are
// stable, lowercase and hyphenated: they are meant to be used as keys in
// message catalogs, so existing values never change meaning.
type FaultKind string

// Faults found in a single frame header (see [Header.Faults]).
const (
	// FaultNonMinimalLength: the payload length is not in its shortest
	// encoding, e.g. 5 written as a 16-bit extended length (RFC 6455 §5.2).
	FaultNonMinimalLength FaultKind = "non-minimal-length"
	// FaultLengthTopBit: a 64-bit payload length has its most significant
	// bit set (RFC 6455 §5.2).
	FaultLengthTopBit FaultKind = "length-top-bit-set"
	// FaultUnmaskedClientFrame: a client sent a frame without masking it
	// (RFC 6455 §5.1).
	FaultUnmaskedClientFrame FaultKind = "unmasked-client-frame"
	// FaultMaskedServerFrame: a server sent a masked frame (RFC 6455 §5.1).
	FaultMaskedServerFrame FaultKind = "masked-server-frame"
	// FaultReservedOpcode: the opcode is one of the reserved values 3–7 or
	// 11–15 (RFC 6455 §5.2).
	FaultReservedOpcode FaultKind = "reserved-opcode"
	// FaultControlTooLong: a control frame has a payload longer than 125
	// bytes (RFC 6455 §5.5).
	FaultControlTooLong FaultKind = "control-frame-too-long"
	// FaultFragmentedControl: a control frame does not have FIN set
	// (RFC 6455 §5.5).
	FaultFragmentedControl FaultKind = "fragmented-control-frame"
)

// Faults found by a [MessageAssembler], which knows the negotiated
// extensions and the frames that came before.
const (
	// FaultReservedBits: an RSV bit is set that no negotiated extension
	// defines (RFC 6455 §5.2).
	FaultReservedBits FaultKind = "rsv-without-extension"
	// FaultCompressedControl: RSV1 ("compressed") is set on a control frame
	// although permessage-deflate is negotiated (RFC 7692 §6.1).
	FaultCompressedControl FaultKind = "compressed-control-frame"
	// FaultCompressedContinuation: RSV1 is set on a continuation frame; only
	// the first frame of a message carries it (RFC 7692 §6.1).
	FaultCompressedContinuation FaultKind = "compressed-continuation-frame"
	// FaultUnexpectedContinuation: a continuation frame arrived when no
	// fragmented message was open (RFC 6455 §5.4).
	FaultUnexpectedContinuation FaultKind = "unexpected-continuation"
	// FaultUnfinishedMessage: a text or binary frame started a new message
	// while a fragmented one was still open (RFC 6455 §5.4).
	FaultUnfinishedMessage FaultKind = "unfinished-message"
	// FaultInvalidUTF8: a text message is not valid UTF-8 (RFC 6455 §5.6,
	// §8.1).
	FaultInvalidUTF8 FaultKind = "invalid-utf8"
	// FaultInvalidDeflateData: a compressed message could not be
	// decompressed (RFC 7692 §7.2.2).
	FaultInvalidDeflateData FaultKind = "invalid-deflate-data"
	// FaultClosePayloadTooShort: a close frame has a one-byte payload, too
	// short for a status code (RFC 6455 §5.5.1).
	FaultClosePayloadTooShort FaultKind = "close-payload-too-short"
	// FaultInvalidCloseCode: a close frame carries a status code that must
	// not be sent (RFC 6455 §7.4).
	FaultInvalidCloseCode FaultKind = "invalid-close-code"
	// FaultInvalidCloseReason: a close frame's reason is not valid UTF-8
	// (RFC 6455 §5.5.1).
	FaultInvalidCloseReason FaultKind = "invalid-close-reason"
	// FaultDataAfterClose: an endpoint sent a frame after its close frame
	// (RFC 6455 §5.5.1).
	FaultDataAfterClose FaultKind = "data-after-close"
)

// A Fault is one violation of the protocol found in the traffic.
type Fault struct {
	Kind   FaultKind
	Detail string // specifics in English, e.g. "payload length 5 encoded in 16 bits"
}

// String returns the kind and the detail.
func (f Fault) String() string {
	if f.Detail == "" {
		return string(f.Kind)
	}
	return string(f.Kind) + ": " + f.Detail
}

// Error makes a Fault usable as an error.
func (f Fault) Error() string { return "websocket: " + f.String() }
