package websocket

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"sync"
)

// DefaultMaxMessageSize is the default cap, in bytes, on a message's
// (decompressed) payload kept by a MessageAssembler or an Inflater.
const DefaultMaxMessageSize = 16 << 20

// windowSize is the largest LZ77 window of DEFLATE (RFC 1951), 2^15 bytes.
const windowSize = 1 << 15

// deflateTail is the end of an empty stored block, which RFC 7692 §7.2.2
// has the sender strip from each message and the receiver append again.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// ErrMissingContext means that a compressed message refers to earlier data
// of its direction that was not seen, typically because the capture missed
// part of the connection; it is not a fault of the peers.
var ErrMissingContext = errors.New("websocket: compression context not captured")

// An Inflater decompresses the permessage-deflate messages of one direction
// of a connection, in order (RFC 7692 §7.2.2). With context takeover, each
// message may refer to the last 32 KiB of the output of the messages before
// it; the Inflater keeps that window. It never keeps more than the cap of
// output for one message.
type Inflater struct {
	noContextTakeover bool
	max               int64
	src               twoPartReader
	limit             io.LimitedReader // what inflate reads the decoder through
	history           []byte           // a suffix of this direction's decompressed stream, at most windowSize bytes
	historyComplete   bool             // history is the whole stream, or its last windowSize bytes
}

// NewInflater returns an Inflater for one direction. noContextTakeover is
// the negotiated *_no_context_takeover parameter of the sender; maxOutput
// caps the decompressed size of one message (0 means DefaultMaxMessageSize).
func NewInflater(noContextTakeover bool, maxOutput int64) *Inflater {
	if maxOutput <= 0 {
		maxOutput = DefaultMaxMessageSize
	}
	return &Inflater{noContextTakeover: noContextTakeover, max: maxOutput, historyComplete: true}
}

// Inflate decompresses the payload of one compressed message (its frames'
// payloads concatenated). truncated reports that the output reached the cap
// and was cut there. The error wraps ErrMissingContext when the message
// refers to data this Inflater never saw, or describes invalid DEFLATE data;
// out then holds what could be decoded before the error.
func (z *Inflater) Inflate(compressed []byte) (out []byte, truncated bool, err error) {
	out, err = z.inflate(compressed, deflateTail)
	switch {
	case err != nil:
		z.Forget()
		if errors.Is(err, ErrMissingContext) {
			return out, false, err
		}
		return out, false, fmt.Errorf("websocket: invalid deflate data: %w", err)
	case int64(len(out)) > z.max:
		z.Forget()
		return out[:z.max], true, nil
	}
	z.remember(out)
	return out, false, nil
}

// InflatePrefix decodes as much as it can of the first part of a
// compressed message whose rest was not captured, and then forgets the
// compression context.
func (z *Inflater) InflatePrefix(compressed []byte) []byte {
	out, _ := z.inflate(compressed, nil)
	z.Forget()
	if int64(len(out)) > z.max {
		out = out[:z.max]
	}
	return out
}

// Forget tells the Inflater that some compressed data of its direction went
// by unseen, so that later messages that refer to it are reported with
// ErrMissingContext rather than decoded wrongly.
func (z *Inflater) Forget() {
	z.history = z.history[:0]
	z.historyComplete = z.noContextTakeover
}

func (z *Inflater) remember(out []byte) {
	if z.noContextTakeover {
		return
	}
	if len(out) >= windowSize {
		z.history = append(z.history[:0], out[len(out)-windowSize:]...)
		z.historyComplete = true
		return
	}
	if keep := windowSize - len(out); len(z.history) > keep {
		z.history = append(z.history[:0], z.history[len(z.history)-keep:]...)
	}
	z.history = append(z.history, out...)
}

// inflate decodes compressed followed by tail, producing at most z.max+1
// bytes. Reaching the end of the input at a block boundary without a final
// block is success.
func (z *Inflater) inflate(compressed, tail []byte) ([]byte, error) {
	z.src = twoPartReader{a: compressed, b: tail}
	var dict []byte
	if !z.noContextTakeover {
		dict = z.history
	}
	// The decoder keeps no state from one message to the next (the
	// window is passed as dict), so the Inflaters of a capture share a
	// few decoders rather than each holding one of its own (about 40 KiB).
	var fr io.ReadCloser
	if v := decoders.Get(); v != nil {
		fr = v.(io.ReadCloser)
		if err := fr.(flate.Resetter).Reset(&z.src, dict); err != nil {
			return nil, err
		}
	} else {
		fr = flate.NewReaderDict(&z.src, dict)
	}
	buf := scratch.Get().(*bytes.Buffer)
	buf.Reset()
	z.limit = io.LimitedReader{R: fr, N: z.max + 1}
	_, err := buf.ReadFrom(&z.limit)
	z.limit = io.LimitedReader{}
	// Drop the references to this message's input before sharing.
	fr.(flate.Resetter).Reset(&emptySource, nil)
	decoders.Put(fr)
	if errors.Is(err, io.ErrUnexpectedEOF) && z.src.len() == 0 {
		err = nil
	}
	z.src = twoPartReader{}
	var corrupt flate.CorruptInputError
	if errors.As(err, &corrupt) && !z.historyComplete {
		err = fmt.Errorf("%w: %v", ErrMissingContext, err)
	}
	// The output gets memory of its own size: messages are kept long after
	// they are read.
	out := bytes.Clone(buf.Bytes())
	if buf.Cap() <= maxScratch {
		scratch.Put(buf)
	}
	return out, err
}

// scratch holds the buffers that inflate decompresses into, so that the
// many Inflaters of a capture share a few rather than each growing its own
// for every message.
var scratch = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decoders holds the DEFLATE decoders the Inflaters share.
var decoders sync.Pool

// emptySource is what an idle decoder in decoders reads.
var emptySource twoPartReader

// maxScratch is the largest buffer kept in scratch.
const maxScratch = 1 << 20

// twoPartReader reads a and then b. It is an io.ByteReader so that the
// flate reader consumes exactly the bytes it needs.
type twoPartReader struct{ a, b []byte }

func (r *twoPartReader) len() int { return len(r.a) + len(r.b) }

func (r *twoPartReader) Read(p []byte) (int, error) {
	if len(r.a) == 0 {
		r.a, r.b = r.b, nil
	}
	if len(r.a) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.a)
	r.a = r.a[n:]
	return n, nil
}

func (r *twoPartReader) ReadByte() (byte, error) {
	if len(r.a) == 0 {
		r.a, r.b = r.b, nil
	}
	if len(r.a) == 0 {
		return 0, io.EOF
	}
	c := r.a[0]
	r.a = r.a[1:]
	return c, nil
}
