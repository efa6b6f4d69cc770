package annotate

// EventKind is the stable lowercase-hyphenated name of an [Event]'s kind.
// The package documentation lists each kind and its parameters; the page's
// message catalogs have an "event.<kind>" message for each.
type EventKind string

// The event kinds.
const (
	EventAck                       EventKind = "ack"
	EventHTTPLost                  EventKind = "http-lost"
	EventHTTPMalformed             EventKind = "http-malformed"
	EventHTTPPartial               EventKind = "http-partial"
	EventHTTPRequest               EventKind = "http-request"
	EventHTTPResponse              EventKind = "http-response"
	EventTCPAckUnseen              EventKind = "tcp-ack-unseen"
	EventTCPData                   EventKind = "tcp-data"
	EventTCPDupAck                 EventKind = "tcp-dup-ack"
	EventTCPGap                    EventKind = "tcp-gap"
	EventTCPHandshake1             EventKind = "tcp-handshake-1"
	EventTCPHandshake2             EventKind = "tcp-handshake-2"
	EventTCPHandshake3             EventKind = "tcp-handshake-3"
	EventTCPKeepalive              EventKind = "tcp-keepalive"
	EventTCPOutOfOrder             EventKind = "tcp-out-of-order"
	EventTCPPreviousSegmentMissing EventKind = "tcp-previous-segment-missing"
	EventTCPReset                  EventKind = "tcp-reset"
	EventTCPRetransmission         EventKind = "tcp-retransmission"
	EventTCPTeardown               EventKind = "tcp-teardown"
	EventTCPTruncated              EventKind = "tcp-truncated"
	EventTCPWindowUpdate           EventKind = "tcp-window-update"
	EventTCPZeroWindow             EventKind = "tcp-zero-window"
	EventTLSAlert                  EventKind = "tls-alert"
	EventTLSApplicationData        EventKind = "tls-application-data"
	EventTLSChangeCipherSpec       EventKind = "tls-change-cipher-spec"
	EventTLSClientHello            EventKind = "tls-client-hello"
	EventTLSFault                  EventKind = "tls-fault"
	EventTLSHandshake              EventKind = "tls-handshake"
	EventTLSRecordPart             EventKind = "tls-record-part"
	EventTLSServerHello            EventKind = "tls-server-hello"
	EventWSControl                 EventKind = "ws-control"
	EventWSData                    EventKind = "ws-data"
	EventWSFault                   EventKind = "ws-fault"
	EventWSFramePart               EventKind = "ws-frame-part"
	EventWSMemoryCap               EventKind = "ws-memory-cap"
	EventWSMessage                 EventKind = "ws-message"
	EventWSRelay                   EventKind = "ws-relay"
	EventWSSizeCap                 EventKind = "ws-size-cap"
	EventWSSyncLost                EventKind = "ws-sync-lost"
	EventWSUpgradeRequest          EventKind = "ws-upgrade-request"
	EventWSUpgradeResponse         EventKind = "ws-upgrade-response"
)

var eventKinds = [...]EventKind{
	EventAck,
	EventHTTPLost,
	EventHTTPMalformed,
	EventHTTPPartial,
	EventHTTPRequest,
	EventHTTPResponse,
	EventTCPAckUnseen,
	EventTCPData,
	EventTCPDupAck,
	EventTCPGap,
	EventTCPHandshake1,
	EventTCPHandshake2,
	EventTCPHandshake3,
	EventTCPKeepalive,
	EventTCPOutOfOrder,
	EventTCPPreviousSegmentMissing,
	EventTCPReset,
	EventTCPRetransmission,
	EventTCPTeardown,
	EventTCPTruncated,
	EventTCPWindowUpdate,
	EventTCPZeroWindow,
	EventTLSAlert,
	EventTLSApplicationData,
	EventTLSChangeCipherSpec,
	EventTLSClientHello,
	EventTLSFault,
	EventTLSHandshake,
	EventTLSRecordPart,
	EventTLSServerHello,
	EventWSControl,
	EventWSData,
	EventWSFault,
	EventWSFramePart,
	EventWSMemoryCap,
	EventWSMessage,
	EventWSRelay,
	EventWSSizeCap,
	EventWSSyncLost,
	EventWSUpgradeRequest,
	EventWSUpgradeResponse,
}

// EventKinds returns every event kind the annotator emits, sorted.
func EventKinds() []EventKind { return append([]EventKind(nil), eventKinds[:]...) }

// String returns the kind's name.
func (k EventKind) String() string { return string(k) }

// FieldKind is the stable name of a [Field]'s kind (see the package
// documentation, "Fields").
type FieldKind string

// The field kinds.
const (
	FieldHTTPStartLine    FieldKind = "http-start-line"
	FieldHTTPHeader       FieldKind = "http-header"
	FieldHTTPHeadEnd      FieldKind = "http-head-end"
	FieldHTTPBody         FieldKind = "http-body"
	FieldWSFlagsOpcode    FieldKind = "ws-flags-opcode"
	FieldWSMaskLength     FieldKind = "ws-mask-length"
	FieldWSExtendedLength FieldKind = "ws-extended-length"
	FieldWSMaskingKey     FieldKind = "ws-masking-key"
	FieldWSPayload        FieldKind = "ws-payload"
	FieldTCPData          FieldKind = "tcp-data"
	FieldTLSRecordHeader  FieldKind = "tls-record-header"
	FieldTLSRecordBody    FieldKind = "tls-record-body"
)

// String returns the kind's name.
func (k FieldKind) String() string { return string(k) }
