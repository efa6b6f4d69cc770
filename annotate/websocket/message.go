package websocket

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// AssemblerOptions configure a MessageAssembler.
type AssemblerOptions struct {
	// Sender is the role of the endpoint that sent the frames; it selects
	// the permessage-deflate parameters that apply.
	Sender Role
	// Deflate holds the negotiated permessage-deflate parameters, or nil
	// when the extension is not in use.
	Deflate *DeflateParams
	// MaxMessageSize caps the payload kept for one message, after
	// decompression (and the compressed bytes buffered for one message).
	// 0 means DefaultMaxMessageSize.
	MaxMessageSize int64
}

// A Message is a whole WebSocket message: the frames of a data message
// joined (and decompressed), or a single control frame.
type Message struct {
	// Opcode is that of the message's first frame: text, binary, a control
	// opcode or a reserved one; OpContinuation when the first frame was not
	// seen (after lost sync).
	Opcode     Opcode
	Fragments  int  // number of frames
	Compressed bool // permessage-deflate (RSV1 on the first frame)
	// Payload is the application data: decompressed when Compressed. It
	// may share memory with the frames' payloads.
	Payload []byte
	// WirePayloadLength is the sum of the frames' payload lengths as sent.
	WirePayloadLength int64
	// Offset and End are the stream offsets of the first frame's header and
	// just past the last frame.
	Offset, End int64
	// Truncated reports that Payload was cut short by a size cap (of the
	// FrameReader or of the MessageAssembler).
	Truncated bool
	// Incomplete reports that part of the message was not captured: bytes
	// missing in a frame, a first frame not seen, or compression context
	// from earlier messages not seen. Payload holds what could be recovered.
	Incomplete bool
	// CloseCode and CloseReason are the decoded payload of a close message
	// (see ParseClosePayload); CloseCode is 0 when the frame has no code.
	CloseCode   uint16
	CloseReason string
	// Faults lists every fault of the message: those of its frames'
	// headers, those the assembler found at each frame, and those of the
	// whole message such as invalid UTF-8.
	Faults []Fault
}

// A MessageAssembler turns the frames of one direction of a connection,
// in order, into messages. Control frames come out at once, even between
// the fragments of a data message.
type MessageAssembler struct {
	opts     AssemblerOptions
	max      int64
	inflater *Inflater

	open      *Message // the data message being assembled
	wire      []byte   // compressed payload of open
	stalled   bool     // open lost bytes: append no more
	closed    bool     // a close frame went by
	startLost bool     // frames before the next one were lost
}

// NewMessageAssembler returns an assembler for one direction.
func NewMessageAssembler(opts AssemblerOptions) *MessageAssembler {
	a := &MessageAssembler{opts: opts, max: opts.MaxMessageSize}
	if a.max <= 0 {
		a.max = DefaultMaxMessageSize
	}
	if opts.Deflate != nil {
		a.inflater = NewInflater(opts.Deflate.NoContextTakeover(opts.Sender), a.max)
	}
	return a
}

// Add takes the next frame of the direction. It returns the message that
// the frame completes, if any, and the faults the assembler found at this
// frame (f.Faults holds those of its header). A frame that belongs to no
// message (a continuation with nothing open) yields only faults.
func (a *MessageAssembler) Add(f *Frame) (*Message, []Fault) {
	var faults []Fault
	if f.Resynced {
		a.open, a.wire, a.stalled = nil, nil, false
		a.startLost = true
		if a.inflater != nil {
			a.inflater.Forget()
		}
	}
	h := f.Header
	if a.closed {
		faults = append(faults, Fault{FaultDataAfterClose, fmt.Sprintf("%s frame after the close frame", h.Opcode)})
	}
	faults = append(faults, a.checkRSV(h)...)

	if h.Opcode.IsControl() {
		return a.control(f, faults)
	}

	if h.Opcode == OpContinuation {
		if a.open == nil {
			if !a.startLost {
				faults = append(faults, Fault{FaultUnexpectedContinuation, "continuation frame with no message open"})
				return nil, faults
			}
			// The start of this message was lost with the bytes before it.
			a.open = &Message{Opcode: OpContinuation, Offset: f.Offset, Incomplete: true}
		}
	} else {
		if a.open != nil {
			faults = append(faults, Fault{FaultUnfinishedMessage, fmt.Sprintf(
				"%s frame starts a message while a %s message of %d frames is unfinished",
				h.Opcode, a.open.Opcode, a.open.Fragments)})
		}
		a.open = &Message{
			Opcode:     h.Opcode,
			Offset:     f.Offset,
			Compressed: a.inflater != nil && h.RSV&RSV1 != 0,
		}
		a.wire, a.stalled = nil, false
	}
	a.startLost = false
	m := a.open
	m.Fragments++
	m.End = f.End
	m.WirePayloadLength = addLength(m.WirePayloadLength, h.PayloadLength)
	m.Faults = append(m.Faults, f.Faults...)
	m.Faults = append(m.Faults, faults...)
	a.appendPayload(m, f)
	if !h.Fin {
		return nil, faults
	}
	a.open = nil
	more := a.finish(m)
	m.Faults = append(m.Faults, more...)
	faults = append(faults, more...)
	return m, faults
}

// checkRSV checks the reserved bits against the negotiated extension.
func (a *MessageAssembler) checkRSV(h Header) []Fault {
	var fs []Fault
	if h.RSV&(RSV2|RSV3) != 0 {
		fs = append(fs, Fault{FaultReservedBits, fmt.Sprintf("RSV bits %03b set; no negotiated extension defines RSV2 or RSV3", h.RSV)})
	}
	if h.RSV&RSV1 == 0 {
		return fs
	}
	switch {
	case a.inflater == nil:
		fs = append(fs, Fault{FaultReservedBits, "RSV1 set but permessage-deflate was not negotiated"})
	case h.Opcode.IsControl():
		fs = append(fs, Fault{FaultCompressedControl, fmt.Sprintf("RSV1 set on a %s frame", h.Opcode)})
	case h.Opcode == OpContinuation:
		fs = append(fs, Fault{FaultCompressedContinuation, "RSV1 set on a continuation frame"})
	}
	return fs
}

// control turns a control frame into a message of its own.
func (a *MessageAssembler) control(f *Frame, faults []Fault) (*Message, []Fault) {
	h := f.Header
	m := &Message{
		Opcode:            h.Opcode,
		Fragments:         1,
		Payload:           slices.Clip(f.Payload),
		WirePayloadLength: addLength(0, h.PayloadLength),
		Offset:            f.Offset,
		End:               f.End,
		Truncated:         f.Truncated,
		Incomplete:        f.Missing > 0,
	}
	if h.Opcode == OpClose {
		a.closed = true
		var fs []Fault
		m.CloseCode, m.CloseReason, fs = ParseClosePayload(f.Payload)
		if m.Incomplete || m.Truncated {
			// Judge only what can be judged of a partial payload.
			fs = slices.DeleteFunc(fs, func(f Fault) bool { return f.Kind != FaultInvalidCloseCode })
		}
		faults = append(faults, fs...)
	}
	m.Faults = append(append(m.Faults, f.Faults...), faults...)
	return m, faults
}

// appendPayload adds the frame's payload to the open message.
func (a *MessageAssembler) appendPayload(m *Message, f *Frame) {
	if f.Missing > 0 {
		m.Incomplete = true
	}
	if f.Truncated {
		m.Truncated = true
	}
	if a.stalled {
		return
	}
	p := f.Payload
	if m.Compressed {
		if room := a.max - int64(len(a.wire)); int64(len(p)) > room {
			p = p[:room]
			m.Truncated = true
			a.stalled = true
		}
		a.wire = append(a.wire, p...)
	} else {
		if room := a.max - int64(len(m.Payload)); int64(len(p)) > room {
			p = p[:room]
			m.Truncated = true
			a.stalled = true
		}
		if m.Payload == nil {
			m.Payload = slices.Clip(p)
		} else {
			m.Payload = append(m.Payload, p...)
		}
	}
	if !f.Complete() {
		a.stalled = true
	}
}

// finish decompresses and checks a message whose last frame arrived.
func (a *MessageAssembler) finish(m *Message) []Fault {
	var fs []Fault
	if m.Compressed {
		wire := a.wire
		a.wire = nil
		if m.Incomplete || m.Truncated {
			m.Payload = a.inflater.InflatePrefix(wire)
		} else {
			out, truncated, err := a.inflater.Inflate(wire)
			m.Payload = out
			m.Truncated = truncated
			switch {
			case errors.Is(err, ErrMissingContext):
				m.Incomplete = true
			case err != nil:
				fs = append(fs, Fault{FaultInvalidDeflateData, err.Error()})
				return fs
			}
		}
	} else if m.Opcode == OpContinuation && a.inflater != nil {
		// The first frame, and with it RSV1, was not seen: the payload may
		// be compressed, and it is part of the compression context.
		a.inflater.Forget()
	}
	if m.Opcode == OpText && !validUTF8Prefix(m.Payload, m.Truncated || m.Incomplete) {
		fs = append(fs, Fault{FaultInvalidUTF8, "text message is not valid UTF-8"})
	}
	return fs
}

// addLength adds a payload length to a total, saturating at MaxInt64.
func addLength(total int64, n uint64) int64 {
	if n > uint64(math.MaxInt64-total) {
		return math.MaxInt64
	}
	return total + int64(n)
}
