package websocket

import (
	"errors"
	"fmt"
	"math"
)

// DefaultMaxPayload is the default cap, in bytes, on the payload a
// FrameReader keeps for one frame.
const DefaultMaxPayload = 64 << 20

// huntWindow bounds the bytes a FrameReader buffers while it looks for a
// frame header after losing sync.
const huntWindow = 256 << 10

// ErrLostSync is wrapped by the *SyncError that a FrameReader reports when a
// capture gap hides where the next frame starts.
var ErrLostSync = errors.New("websocket: lost track of frame boundaries")

// A SyncError reports that bytes went missing where a frame header was
// expected, so that frame boundaries are no longer known. The FrameReader
// then looks for a plausible chain of frame headers in the bytes that
// follow; the first frame it finds has Resynced set.
type SyncError struct {
	Offset int64 // stream offset of the first frame whose start is unknown
	Gap    int64 // number of bytes missing from the stream
}

// Error describes the gap.
func (e *SyncError) Error() string {
	return fmt.Sprintf("websocket: %d bytes missing at stream offset %d: lost track of frame boundaries", e.Gap, e.Offset)
}

// Unwrap returns ErrLostSync.
func (e *SyncError) Unwrap() error { return ErrLostSync }

// A Frame is one WebSocket frame read from a stream.
type Frame struct {
	Header Header
	// Payload is the unmasked payload. It is shorter than
	// Header.PayloadLength when Truncated is set or Missing is not 0.
	Payload []byte
	// Offset, PayloadOffset and End are stream offsets (as given to
	// FrameReader.Feed) of the first header byte, of the first payload
	// byte and just past the last payload byte.
	Offset, PayloadOffset, End int64
	// Truncated reports that the payload was longer than the reader's
	// MaxPayload: Payload holds only the first MaxPayload bytes.
	Truncated bool
	// Missing counts payload bytes that were not captured. Payload then
	// holds only the bytes before the first gap.
	Missing int64
	// Resynced marks the first frame found by searching after lost sync
	// (or after FrameReader.Resync): its start was inferred, not known.
	Resynced bool
	// Faults are the header's faults for the reader's role (see
	// Header.Faults).
	Faults []Fault
}

// Complete reports whether Payload holds the whole payload.
func (f *Frame) Complete() bool { return !f.Truncated && f.Missing == 0 }

type readerState int

const (
	readingHeader readerState = iota
	readingPayload
	hunting
)

// A FrameReader decodes the frames of one direction of a connection from
// the bytes of its reassembled TCP stream, handed over as they arrive with
// Feed. Frames come out of Next once their last byte is in. Payload memory
// grows with the bytes that arrive, never with what a length field claims.
//
// Bytes missing from the capture are announced with Skip (or by a jump in
// the offsets given to Feed). A gap inside a payload only makes that frame
// incomplete. A gap that hides the start of a frame loses sync: Next reports
// a *SyncError, and the reader searches the following bytes for a chain of
// plausible frame headers to carry on from.
type FrameReader struct {
	// MaxPayload caps the payload kept for one frame; longer payloads are
	// truncated and the rest skipped. 0 means DefaultMaxPayload. Set it
	// before the first Feed.
	MaxPayload int64

	role    Role
	started bool
	at      int64 // stream offset of the next byte to decode
	state   readerState

	hdr    [MaxHeaderLength]byte
	hdrN   int   // bytes of hdr filled
	hdrOff int64 // stream offset of hdr[0]

	cur     *Frame
	curRead uint64 // payload bytes gone by, captured or not
	gapped  bool   // cur lost bytes: keep no more payload

	huntBuf  []byte // bytes buffered while hunting, from stream offset huntOff
	huntOff  int64
	resynced bool // the next frame is found by hunting

	queue []readerEvent
	qhead int
}

type readerEvent struct {
	frame *Frame
	err   error
}

// NewFrameReader returns a reader for the frames sent by role (Client or
// Server), which decides the masking rule the frames are checked against.
// Any other role checks no masking.
func NewFrameReader(role Role) *FrameReader {
	return &FrameReader{role: role}
}

func (r *FrameReader) maxPayload() int64 {
	if r.MaxPayload <= 0 {
		return DefaultMaxPayload
	}
	return r.MaxPayload
}

// Offset returns the stream offset just past the last byte fed or skipped.
func (r *FrameReader) Offset() int64 { return r.at }

// Feed hands the reader the next bytes of the stream; offset is the stream
// offset of data[0]. The first call fixes where the stream starts. An offset
// beyond the end of what was fed so far means the bytes in between were not
// captured (as with Skip); bytes before it were seen already and are ignored.
// The reader does not keep data.
func (r *FrameReader) Feed(data []byte, offset int64) {
	if !r.started {
		r.started = true
		r.at = offset
		r.huntOff = offset
	}
	switch {
	case offset > r.at:
		r.Skip(offset - r.at)
	case offset < r.at:
		if r.at-offset >= int64(len(data)) {
			return
		}
		data = data[r.at-offset:]
	}
	r.consume(data)
}

// Skip tells the reader that the next n bytes of the stream were not
// captured.
func (r *FrameReader) Skip(n int64) {
	if n <= 0 {
		return
	}
	r.started = true
	switch r.state {
	case readingHeader:
		lost := r.at
		if r.hdrN > 0 {
			lost = r.hdrOff
		}
		r.loseSync(lost, n)
		r.at += n
		r.huntOff = r.at
	case readingPayload:
		remaining := r.cur.Header.PayloadLength - r.curRead
		if uint64(n) < remaining {
			r.cur.Missing += n
			r.curRead += uint64(n)
			r.gapped = true
			r.at += n
			return
		}
		r.cur.Missing += int64(remaining)
		r.at += int64(remaining)
		r.finishFrame()
		if rest := n - int64(remaining); rest > 0 {
			r.loseSync(r.at, rest)
			r.at += rest
			r.huntOff = r.at
		}
	case hunting:
		r.huntBuf = r.huntBuf[:0]
		r.at += n
		r.huntOff = r.at
	}
}

// Resync makes the reader search for a frame header from the next byte on,
// for a capture that starts in the middle of a connection. Any frame in
// progress is dropped.
func (r *FrameReader) Resync() {
	r.state = hunting
	r.cur, r.hdrN, r.gapped = nil, 0, false
	r.huntBuf = r.huntBuf[:0]
	r.huntOff = r.at
	r.resynced = true
}

// Flush tells the reader that no more bytes will come: a frame whose
// payload was in progress is reported with its uncaptured rest counted in
// Missing, a partial header is dropped, and while searching for sync, a
// single plausible frame is enough.
func (r *FrameReader) Flush() {
	if r.state == hunting {
		r.hunt(true)
	}
	if r.state == readingPayload {
		remaining := r.cur.Header.PayloadLength - r.curRead
		if remaining > math.MaxInt64 {
			remaining = math.MaxInt64
		}
		r.cur.Missing += int64(remaining)
		r.finishFrame()
	}
}

// Next returns the next complete frame, or a *SyncError when sync was lost
// at that point of the stream. It returns ErrShort when it has nothing more
// until more bytes are fed. Errors other than ErrShort do not end decoding:
// call Next again.
func (r *FrameReader) Next() (*Frame, error) {
	if r.qhead == len(r.queue) {
		r.queue, r.qhead = r.queue[:0], 0
		return nil, ErrShort
	}
	ev := r.queue[r.qhead]
	r.queue[r.qhead] = readerEvent{}
	r.qhead++
	return ev.frame, ev.err
}

func (r *FrameReader) loseSync(offset, gap int64) {
	r.queue = append(r.queue, readerEvent{err: &SyncError{Offset: offset, Gap: gap}})
	r.state = hunting
	r.cur, r.hdrN, r.gapped = nil, 0, false
	r.huntBuf = r.huntBuf[:0]
	r.resynced = true
}

// consume decodes data, which starts at stream offset r.at.
func (r *FrameReader) consume(data []byte) {
	for len(data) > 0 {
		switch r.state {
		case readingHeader:
			data = r.readHeader(data)
		case readingPayload:
			data = r.readPayload(data)
		case hunting:
			r.huntBuf = append(r.huntBuf, data...)
			r.at += int64(len(data))
			data = nil
			r.hunt(false)
		}
	}
}

func (r *FrameReader) readHeader(data []byte) []byte {
	if r.hdrN == 0 {
		r.hdrOff = r.at
	}
	need := 2
	if r.hdrN >= 2 {
		need = headerLength(r.hdr[1])
	}
	for r.hdrN < need && len(data) > 0 {
		r.hdr[r.hdrN] = data[0]
		r.hdrN++
		data = data[1:]
		r.at++
		if r.hdrN == 2 {
			need = headerLength(r.hdr[1])
		}
	}
	if r.hdrN < need {
		return data
	}
	h, _, _ := ParseHeader(r.hdr[:r.hdrN])
	r.hdrN = 0
	f := &Frame{
		Header:        h,
		Offset:        r.hdrOff,
		PayloadOffset: r.hdrOff + int64(h.HeaderLength),
		Faults:        h.Faults(r.role),
		Resynced:      r.resynced,
	}
	r.resynced = false
	f.End = math.MaxInt64
	if h.PayloadLength <= uint64(math.MaxInt64-f.PayloadOffset) {
		f.End = f.PayloadOffset + int64(h.PayloadLength)
	}
	r.cur, r.curRead, r.gapped = f, 0, false
	r.state = readingPayload
	if h.PayloadLength == 0 {
		r.finishFrame()
	}
	return data
}

func (r *FrameReader) readPayload(data []byte) []byte {
	f := r.cur
	n := len(data)
	if remaining := f.Header.PayloadLength - r.curRead; uint64(n) > remaining {
		n = int(remaining)
	}
	chunk := data[:n]
	if !r.gapped && !f.Truncated {
		keep := len(chunk)
		if room := r.maxPayload() - int64(len(f.Payload)); int64(keep) > room {
			keep = int(room)
			f.Truncated = true
		}
		start := len(f.Payload)
		f.Payload = append(f.Payload, chunk[:keep]...)
		if f.Header.Masked {
			Unmask(f.Header.MaskKey, start, f.Payload[start:])
		}
	}
	r.curRead += uint64(n)
	r.at += int64(n)
	if r.curRead == f.Header.PayloadLength {
		r.finishFrame()
	}
	return data[n:]
}

func (r *FrameReader) finishFrame() {
	r.queue = append(r.queue, readerEvent{frame: r.cur})
	r.cur, r.curRead, r.gapped = nil, 0, false
	r.state = readingHeader
}

// hunt looks for a frame start in the hunting buffer. At the end of the
// stream (final), a chain with a single complete frame is enough.
func (r *FrameReader) hunt(final bool) {
	p := 0
	for ; p < len(r.huntBuf); p++ {
		v := judgeChain(r.huntBuf[p:], r.role, final)
		if v == chainWait && len(r.huntBuf)-p > huntWindow {
			v = chainReject
		}
		if v == chainReject {
			continue
		}
		if v == chainWait {
			break
		}
		// Accept: decode normally from p on.
		rest := r.huntBuf[p:]
		r.huntBuf = nil
		r.state = readingHeader
		r.at = r.huntOff + int64(p)
		r.huntOff = r.at
		r.consume(rest)
		return
	}
	// Bytes before p can no longer start a frame.
	r.huntBuf = append(r.huntBuf[:0], r.huntBuf[p:]...)
	r.huntOff += int64(p)
}
