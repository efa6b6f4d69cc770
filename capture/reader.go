package capture

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// Limits on what a length field may claim. A record or block beyond them is
// reported as an error; nothing is allocated for it.
const (
	// maxPacket is the largest captured packet accepted: 256 MiB, the most
	// Wireshark accepts in any format.
	maxPacket = 256 << 20
	// maxBlock is the largest pcapng block accepted: a packet of maxPacket
	// bytes plus room for its header and options.
	maxBlock = maxPacket + 128<<10
	// defaultMaxCapLen is the record length a pcap file may always use, even
	// when its header claims a smaller snap length (libpcap's limit).
	defaultMaxCapLen = 262144
)

// Sizes of the memory a Reader hands packets out of.
const (
	bufferSize = 64 << 10  // of the bufio.Reader over the input
	arenaSize  = 256 << 10 // of each arena chunk that packet data is cut from
	smallRead  = 1 << 20   // records up to this size are read in one piece
)

type formatKind int

const (
	formatPcap formatKind = iota + 1
	formatPcapNg
)

// Reader reads packets from a pcap or pcapng file, optionally
// gzip-compressed, one at a time. Make one with [NewReader] or [OpenFile].
//
// The Data of a packet stays valid (and unchanged) after later calls to
// Next: a Reader never reuses memory it has handed out. (Small packets are
// cut from shared chunks of 256 KiB, so keeping one packet keeps its chunk.)
// A Reader is not safe for concurrent use.
type Reader struct {
	name   string
	br     *bufio.Reader
	gz     *gzip.Reader
	file   io.Closer // the file OpenFile opened, nil otherwise
	kind   formatKind
	format string

	off    int64 // bytes consumed from the (decompressed) input
	count  int   // packets handed out
	err    error // sticky error
	ifaces []*Interface

	hdr     [32]byte // scratch for fixed-size headers
	scratch []byte   // scratch for bodies of non-packet blocks
	arena   []byte   // where packet data is cut from

	pcap pcapState
	ng   ngState

	secrets []Secrets // of the Decryption Secrets Blocks read so far
}

var _ Source = (*Reader)(nil)

// NewReader detects the format of r (pcap with microsecond or nanosecond
// timestamps in either byte order, or pcapng; either of them optionally
// gzip-compressed), reads the file header and returns a Reader that hands
// out the packets one at a time. It reads r through a buffer and never holds
// more of it in memory than the packet being read.
//
// Errors are of type *[Error]; input that is not a capture file wraps
// [ErrNotCapture].
func NewReader(r io.Reader) (*Reader, error) {
	rd := &Reader{br: bufio.NewReaderSize(r, bufferSize)}
	if err := rd.start(); err != nil {
		return nil, err
	}
	return rd, nil
}

// OpenFile opens the named capture file and returns a Reader for it (see
// [NewReader]); errors name the file. Close the Reader to close the file.
func OpenFile(name string) (*Reader, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	rd := &Reader{name: name, br: bufio.NewReaderSize(f, bufferSize), file: f}
	if err := rd.start(); err != nil {
		f.Close()
		return nil, err
	}
	return rd, nil
}

// Close releases the Reader's resources and closes the file if OpenFile
// opened it. It does not close the io.Reader given to NewReader.
func (r *Reader) Close() error {
	var err error
	if r.gz != nil {
		err = r.gz.Close()
		r.gz = nil
	}
	if r.file != nil {
		if cerr := r.file.Close(); err == nil {
			err = cerr
		}
		r.file = nil
	}
	if r.err == nil {
		r.err = errors.New("capture: Reader is closed")
	}
	return err
}

// Format names the file format: "pcap" (microsecond timestamps), "pcap-ns"
// (nanosecond timestamps) or "pcapng", followed by "+gzip" when the file is
// gzip-compressed.
func (r *Reader) Format() string { return r.format }

// Secrets returns the contents of the pcapng Decryption Secrets Blocks
// read so far, in file order. Writers put them before the packets they
// decrypt, so they are known by the time those packets are read.
func (r *Reader) Secrets() []Secrets { return slices.Clip(r.secrets) }

// Interfaces returns the interfaces described so far: the one of a pcap
// file, or those of the Interface Description Blocks of a pcapng file read
// up to now, in file order (Interface.Index is the position in this slice).
func (r *Reader) Interfaces() []*Interface { return slices.Clip(r.ifaces) }

// Next returns the next packet, or io.EOF after the last one. Any other
// error is an *[Error] saying where and why reading stopped; Next keeps
// returning it. Packet.Number counts from 1.
//
// For a pcap file, or a pcapng file with Enhanced or obsolete Packet Blocks,
// Timestamp is in UTC. Packets from pcapng Simple Packet Blocks carry no
// timestamp: theirs is the zero time.Time.
func (r *Reader) Next() (*Packet, error) {
	if r.err != nil {
		return nil, r.err
	}
	var p *Packet
	var err error
	switch r.kind {
	case formatPcap:
		p, err = r.nextPcap()
	case formatPcapNg:
		p, err = r.nextNg()
	}
	if err != nil {
		r.err = err
		return nil, err
	}
	return p, nil
}

// start detects the format and reads the file header.
func (r *Reader) start() error {
	magic, err := r.br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(r.br)
		if err != nil {
			return r.errorAt(0, 0, fmt.Errorf("gzip: %w", err))
		}
		gz.Multistream(true)
		r.gz = gz
		r.br = bufio.NewReaderSize(gz, bufferSize)
		magic, err = r.br.Peek(4)
		if err := r.detect(magic, err, "+gzip"); err != nil {
			return err
		}
	} else if err := r.detect(magic, err, ""); err != nil {
		return err
	}
	switch r.kind {
	case formatPcap:
		return r.startPcap()
	default:
		return r.startNg()
	}
}

// detect sets the format from the first bytes of the (decompressed) input.
func (r *Reader) detect(magic []byte, peekErr error, suffix string) error {
	if len(magic) == 4 {
		if setPcapMagic(&r.pcap, magic) {
			r.kind = formatPcap
			r.format = "pcap"
			if r.pcap.nano {
				r.format = "pcap-ns"
			}
			r.format += suffix
			return nil
		}
		if string(magic) == "\x0a\x0d\x0d\x0a" {
			r.kind = formatPcapNg
			r.format = "pcapng" + suffix
			return nil
		}
	}
	if peekErr != nil && !errors.Is(peekErr, io.EOF) {
		return r.errorAt(0, 0, fmt.Errorf("reading the file header: %w", peekErr))
	}
	what := ""
	if suffix != "" {
		what = "gzip-compressed, "
	}
	switch {
	case len(magic) == 0:
		what += "empty"
	case len(magic) < 4:
		what += fmt.Sprintf("only %d bytes: % x", len(magic), magic)
	default:
		what += fmt.Sprintf("starts with % x", magic)
	}
	return r.errorAt(0, 0, fmt.Errorf("%w (%s)", ErrNotCapture, what))
}

// errorAt returns an *Error for the packet numbered packet (0 if none) at
// byte offset off.
func (r *Reader) errorAt(packet int, off int64, err error) *Error {
	return &Error{File: r.name, Packet: packet, Offset: off, Err: err}
}

// readFixed reads len(b) bytes of a fixed-size header. It returns io.EOF
// when the input ends cleanly before the first byte and a *cutError when it
// ends inside.
func (r *Reader) readFixed(b []byte, what string) error {
	n, err := io.ReadFull(r.br, b)
	r.off += int64(n)
	return r.readErr(n, len(b), err, what)
}

// readErr turns the error of reading want bytes, of which got arrived, into
// io.EOF, a *cutError or a wrapped read error.
func (r *Reader) readErr(got, want int, err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF) && got == 0:
		return io.EOF
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &cutError{what: what, got: int64(got), want: int64(want)}
	default:
		return fmt.Errorf("reading %s: %w", what, err)
	}
}

// readPacketBytes reads n bytes that will be handed out in a Packet: they
// are cut from the arena (small) or read into memory of their own (large),
// never from memory handed out before. Memory grows only as the bytes
// arrive, so a length field cannot make it allocate more than the input
// holds. On a short read it returns the bytes read and a *cutError.
func (r *Reader) readPacketBytes(n int, what string) ([]byte, error) {
	if n <= smallRead {
		var b []byte
		if n <= arenaSize/4 {
			if len(r.arena) < n {
				r.arena = make([]byte, arenaSize)
			}
			b = r.arena[:n:n]
			r.arena = r.arena[n:]
		} else {
			b = make([]byte, n)
		}
		got, err := io.ReadFull(r.br, b)
		r.off += int64(got)
		if err != nil {
			return b[:got], cutErr(got, n, err, what)
		}
		return b, nil
	}
	b := make([]byte, 0, smallRead)
	for len(b) < n {
		if len(b) == cap(b) {
			b = slices.Grow(b, min(len(b), n-len(b)))
		}
		end := min(cap(b), n)
		got, err := io.ReadFull(r.br, b[len(b):end])
		r.off += int64(got)
		b = b[:len(b)+got]
		if err != nil {
			return b, cutErr(len(b), n, err, what)
		}
	}
	return b, nil
}

// readScratch reads n bytes into the Reader's scratch buffer, valid until
// the next call; it grows as readPacketBytes does.
func (r *Reader) readScratch(n int, what string) ([]byte, error) {
	if cap(r.scratch) >= n {
		b := r.scratch[:n]
		got, err := io.ReadFull(r.br, b)
		r.off += int64(got)
		if err != nil {
			return b[:got], cutErr(got, n, err, what)
		}
		return b, nil
	}
	b, err := r.readPacketBytes(n, what)
	if err == nil && cap(b) <= smallRead {
		r.scratch = b
	}
	return b, err
}

// cutErr is readErr for a read whose context is known to have begun:
// running out of input at any point is a cut.
func cutErr[N int | int64](got, want N, err error, what string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &cutError{what: what, got: int64(got), want: int64(want)}
	}
	return fmt.Errorf("reading %s: %w", what, err)
}

// skip discards n bytes of input.
func (r *Reader) skip(n int64, what string) error {
	var done int64
	for done < n {
		step := int(min(n-done, 1<<30))
		got, err := r.br.Discard(step)
		done += int64(got)
		r.off += int64(got)
		if err != nil {
			return cutErr(done, n, err, what)
		}
	}
	return nil
}

// newInterface records an interface described by the file.
func (r *Reader) newInterface(ifc Interface) *Interface {
	ifc.Index = len(r.ifaces)
	p := &ifc
	r.ifaces = append(r.ifaces, p)
	return p
}
