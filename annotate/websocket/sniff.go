package websocket

import (
	"encoding/binary"
	"unicode/utf8"
)

// LooksLikeFrames reports whether b plausibly starts with a chain of
// WebSocket frames sent by a client (fromClient) or a server, for captures
// that begin in the middle of a connection. Every header in b must be
// plausible: a defined opcode, no RSV bit other than RSV1 (and that only on
// the first frame of a data message), the mask bit matching the direction,
// minimal length encoding, control frames unfragmented and at most 125
// bytes, fragments in a possible order, valid close codes and, where the
// payload is at hand, UTF-8 text. The last frame may be cut short by the end
// of b, but at least one whole header must be present. The more frames b
// holds, the stronger the evidence.
func LooksLikeFrames(b []byte, fromClient bool) bool {
	role := Server
	if fromClient {
		role = Client
	}
	c := walkChain(b, role, -1)
	return c.plausible && len(b) > 0 && (c.complete > 0 || !c.partialHeader)
}

// chain is what walkChain found.
type chain struct {
	plausible     bool // every header seen is plausible
	complete      int  // whole frames seen
	atBoundary    bool // b ends exactly at the end of a frame
	partialHeader bool // b ends inside a header
}

// walkChain follows the frames at the start of b, stopping after limit
// complete frames (limit < 0: no limit).
func walkChain(b []byte, sender Role, limit int) chain {
	c := chain{plausible: true}
	open := -1 // is a fragmented message open? -1 unknown, 0 no, 1 yes
	for pos := 0; ; {
		if limit >= 0 && c.complete >= limit {
			return c
		}
		if pos == len(b) {
			c.atBoundary = c.complete > 0
			return c
		}
		h, n, err := ParseHeader(b[pos:])
		if err != nil {
			c.partialHeader = true
			return c
		}
		if !plausibleHeader(h, sender, &open) {
			c.plausible = false
			return c
		}
		payload := b[pos+n:]
		whole := uint64(len(payload)) >= h.PayloadLength
		if whole {
			payload = payload[:h.PayloadLength]
		}
		if !plausiblePayload(h, payload, whole) {
			c.plausible = false
			return c
		}
		if !whole {
			return c
		}
		c.complete++
		pos += n + int(h.PayloadLength)
	}
}

// plausibleHeader applies the checks of LooksLikeFrames to one header and
// tracks whether a fragmented message is open.
func plausibleHeader(h Header, sender Role, open *int) bool {
	if h.Opcode.IsReserved() || len(h.Faults(sender)) > 0 {
		return false
	}
	if h.RSV&^RSV1 != 0 {
		return false
	}
	if h.Opcode.IsControl() {
		return h.RSV == 0
	}
	if h.Opcode == OpContinuation {
		if h.RSV != 0 || *open == 0 {
			return false
		}
	} else if *open == 1 {
		return false
	}
	if h.Fin {
		*open = 0
	} else {
		*open = 1
	}
	return true
}

// utf8CheckLimit bounds the payload bytes checked for UTF-8.
const utf8CheckLimit = 256

// plausiblePayload checks what can be checked of a close frame's code or a
// text frame's UTF-8, given the payload bytes at hand.
func plausiblePayload(h Header, payload []byte, whole bool) bool {
	switch {
	case h.Opcode == OpClose:
		if whole && len(payload) == 1 {
			return false
		}
		if len(payload) >= 2 {
			var code [2]byte
			copy(code[:], payload)
			if h.Masked {
				Unmask(h.MaskKey, 0, code[:])
			}
			return ValidCloseCode(binary.BigEndian.Uint16(code[:]))
		}
	case h.Opcode == OpText && h.RSV == 0:
		var buf [utf8CheckLimit]byte
		n := copy(buf[:], payload)
		if h.Masked {
			Unmask(h.MaskKey, 0, buf[:n])
		}
		cut := !whole || !h.Fin || n < len(payload)
		return validUTF8Prefix(buf[:n], cut)
	}
	return true
}

// validUTF8Prefix reports whether b is valid UTF-8, allowing an incomplete
// sequence at the end when cut is set.
func validUTF8Prefix(b []byte, cut bool) bool {
	if utf8.Valid(b) {
		return true
	}
	if !cut {
		return false
	}
	// Drop an incomplete sequence of up to 3 bytes at the end.
	for i := 1; i <= 3 && i <= len(b); i++ {
		if utf8.RuneStart(b[len(b)-i]) {
			return !utf8.FullRune(b[len(b)-i:]) && utf8.Valid(b[:len(b)-i])
		}
	}
	return false
}

type chainVerdict int

const (
	chainReject chainVerdict = iota
	chainWait
	chainAccept
)

// resyncFrames is how many consecutive plausible frames make a frame start
// certain enough while hunting; one fewer suffices when they end exactly
// where the buffered bytes end (the usual case when a sender writes whole
// frames into TCP segments).
const resyncFrames = 3

// judgeChain decides whether a frame starts at b[0]. final means no more
// bytes will come.
func judgeChain(b []byte, sender Role, final bool) chainVerdict {
	c := walkChain(b, sender, resyncFrames)
	switch {
	case !c.plausible:
		return chainReject
	case c.complete >= resyncFrames,
		c.atBoundary && c.complete >= resyncFrames-1,
		final && c.complete >= 1:
		return chainAccept
	case final:
		return chainReject
	}
	return chainWait
}
