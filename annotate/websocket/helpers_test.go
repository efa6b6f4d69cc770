package websocket

import (
	"errors"
	"testing"
)

// buildFrame encodes a frame, masking it with key when key is not nil.
func buildFrame(fin bool, rsv uint8, op Opcode, key *[4]byte, payload []byte) []byte {
	h := Header{Fin: fin, RSV: rsv, Opcode: op, PayloadLength: uint64(len(payload))}
	if key != nil {
		h.Masked, h.MaskKey = true, *key
	}
	b := AppendHeader(nil, h)
	start := len(b)
	b = append(b, payload...)
	if key != nil {
		Unmask(*key, 0, b[start:])
	}
	return b
}

func concat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// result is everything decoding a stream produced.
type result struct {
	frames   []*Frame
	syncErrs []*SyncError
	messages []*Message
	faults   []Fault // returned by MessageAssembler.Add
}

// decoder runs a FrameReader and a MessageAssembler together.
type decoder struct {
	t   testing.TB
	r   *FrameReader
	a   *MessageAssembler
	res result
}

func newDecoder(t testing.TB, opts AssemblerOptions) *decoder {
	return &decoder{t: t, r: NewFrameReader(opts.Sender), a: NewMessageAssembler(opts)}
}

func (d *decoder) feed(b []byte, off int64) {
	d.r.Feed(b, off)
	d.drain()
}

func (d *decoder) drain() {
	for {
		f, err := d.r.Next()
		if errors.Is(err, ErrShort) {
			return
		}
		if err != nil {
			var se *SyncError
			if !errors.As(err, &se) {
				d.t.Fatalf("Next: unexpected error %v", err)
			}
			d.res.syncErrs = append(d.res.syncErrs, se)
			continue
		}
		d.res.frames = append(d.res.frames, f)
		m, fs := d.a.Add(f)
		d.res.faults = append(d.res.faults, fs...)
		if m != nil {
			d.res.messages = append(d.res.messages, m)
		}
	}
}

// decodeChunked decodes stream fed in pieces of chunk bytes.
func decodeChunked(t testing.TB, opts AssemblerOptions, stream []byte, chunk int) result {
	d := newDecoder(t, opts)
	for off := 0; off < len(stream); off += chunk {
		end := min(off+chunk, len(stream))
		d.feed(stream[off:end], int64(off))
	}
	return d.res
}

func messageTexts(ms []*Message) []string {
	var s []string
	for _, m := range ms {
		s = append(s, m.Opcode.String()+":"+string(m.Payload))
	}
	return s
}
