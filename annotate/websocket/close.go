package websocket

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// Close status codes (RFC 6455 §7.4.1 and the IANA "WebSocket Close Code
// Number" registry).
const (
	CloseNormalClosure           uint16 = 1000
	CloseGoingAway               uint16 = 1001
	CloseProtocolError           uint16 = 1002
	CloseUnsupportedData         uint16 = 1003
	CloseNoStatusReceived        uint16 = 1005 // never sent: stands for "no code in the close frame"
	CloseAbnormalClosure         uint16 = 1006 // never sent: stands for "closed without a close frame"
	CloseInvalidFramePayloadData uint16 = 1007
	ClosePolicyViolation         uint16 = 1008
	CloseMessageTooBig           uint16 = 1009
	CloseMandatoryExtension      uint16 = 1010
	CloseInternalError           uint16 = 1011
	CloseServiceRestart          uint16 = 1012
	CloseTryAgainLater           uint16 = 1013
	CloseBadGateway              uint16 = 1014
	CloseTLSHandshake            uint16 = 1015 // never sent: stands for "TLS handshake failed"
)

var closeCodeNames = map[uint16]string{
	CloseNormalClosure:           "normal closure",
	CloseGoingAway:               "going away",
	CloseProtocolError:           "protocol error",
	CloseUnsupportedData:         "unsupported data",
	1004:                         "reserved",
	CloseNoStatusReceived:        "no status received",
	CloseAbnormalClosure:         "abnormal closure",
	CloseInvalidFramePayloadData: "invalid frame payload data",
	ClosePolicyViolation:         "policy violation",
	CloseMessageTooBig:           "message too big",
	CloseMandatoryExtension:      "mandatory extension",
	CloseInternalError:           "internal error",
	CloseServiceRestart:          "service restart",
	CloseTryAgainLater:           "try again later",
	CloseBadGateway:              "bad gateway",
	CloseTLSHandshake:            "TLS handshake",
	3000:                         "unauthorized",
	3003:                         "forbidden",
	3008:                         "timeout",
}

// CloseCodeName returns a short English name for a close status code:
// the RFC 6455 or IANA name when it has one ("normal closure", "going
// away", ...), otherwise the name of its range: "unused" (below 1000),
// "reserved" (1016–2999), "registered" (3000–3999), "private use"
// (4000–4999) or "invalid" (5000 and above).
func CloseCodeName(code uint16) string {
	if name, ok := closeCodeNames[code]; ok {
		return name
	}
	switch {
	case code < 1000:
		return "unused"
	case code < 3000:
		return "reserved"
	case code < 4000:
		return "registered"
	case code < 5000:
		return "private use"
	}
	return "invalid"
}

// ValidCloseCode reports whether code may appear in a close frame on the
// wire (RFC 6455 §7.4): 1000–1003, 1007–1014 and 3000–4999. Codes below
// 1000, 1004–1006, 1015, 1016–2999 and 5000 and above may not.
func ValidCloseCode(code uint16) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// ParseClosePayload decodes the payload of a close frame (RFC 6455 §5.5.1):
// a two-byte status code followed by a UTF-8 reason. An empty payload gives
// code 0 (no code, which an endpoint reports as 1005). faults lists what is
// wrong: a one-byte payload, a code that may not be sent, or a reason that
// is not UTF-8. reason is returned as sent, even when invalid.
func ParseClosePayload(b []byte) (code uint16, reason string, faults []Fault) {
	switch len(b) {
	case 0:
		return 0, "", nil
	case 1:
		return 0, "", []Fault{{FaultClosePayloadTooShort, "close payload of 1 byte; a status code takes 2"}}
	}
	code = binary.BigEndian.Uint16(b)
	reason = string(b[2:])
	if !ValidCloseCode(code) {
		faults = append(faults, Fault{FaultInvalidCloseCode,
			fmt.Sprintf("close code %d (%s) may not be sent", code, CloseCodeName(code))})
	}
	if !utf8.ValidString(reason) {
		faults = append(faults, Fault{FaultInvalidCloseReason, "close reason is not valid UTF-8"})
	}
	return code, reason, faults
}
