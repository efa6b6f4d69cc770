package jsonout

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
	"github.com/wstrace/wstrace/capture"
)

// Stream writes the records of a streaming annotator (annotate.Options.Emit)
// as they come, holding only what the document's order makes it wait for.
//
// As one document ([NewStream]) it writes "packets" as they come; frames,
// messages and connections go to temporary storage (memory, then a
// temporary file past a few megabytes) and follow at Close, so the
// document is the one [Write] writes for the same annotation. As JSON lines
// ([NewLines]) it writes each record on a line of its own when it comes:
// an object whose first member "type" is "packet", "frame", "message" or
// "connection", followed by the members the document gives that object.
//
// With Options.Select only the selected packets are written, with the
// frames and messages they complete and the connections they belong to;
// indexes and IDs keep their numbering in the whole capture.
type Stream struct {
	w     io.Writer
	opts  Options
	lines bool
	e     *encoder
	// The document's later arrays, while packets are written.
	frames, messages, conns *spill
	// What the selection keeps, while records may still refer to it.
	selConns map[int]bool
	selMsgs  map[int]bool
	lastPkt  int // the last packet written, whose frames follow it
	closed   bool
	app      *app.Tracker // application records (app.go)
}

// NewStream returns a Stream that writes one JSON document.
func NewStream(w io.Writer, opts Options) *Stream {
	s := &Stream{w: w, opts: opts, e: newEncoder(w, opts.Indent), app: newTracker(opts)}
	s.e.redact = opts.Redact
	s.e.open('{')
	s.e.strField("format", FormatName)
	s.e.intField("version", Version)
	s.e.key("packets")
	s.e.open('[')
	s.frames = newSpill(opts)
	s.messages = newSpill(opts)
	s.conns = newSpill(opts)
	return s
}

// NewLines returns a Stream that writes JSON lines (opts.Indent does not
// apply).
func NewLines(w io.Writer, opts Options) *Stream {
	opts.Indent = false
	s := &Stream{w: w, opts: opts, lines: true, e: newEncoder(w, false), app: newTracker(opts)}
	s.e.redact = opts.Redact
	return s
}

// Record writes (or keeps for later) one record.
func (s *Stream) Record(r annotate.Record) error {
	if s.closed {
		return errors.New("jsonout: Record after Close")
	}
	sel := s.opts.Select
	switch r.Kind {
	case annotate.RecordPacket:
		p := r.Packet
		apps := appRecords(s.app.Packet(p)) // every packet, selected or not
		if sel != nil {
			if !sel(p) {
				return s.e.err
			}
			if p.Conn != nil {
				s.mark(&s.selConns, p.Conn.ID)
			}
			for _, m := range p.Messages {
				s.mark(&s.selMsgs, m.Index)
			}
		}
		s.lastPkt = p.Number
		if s.lines {
			s.line("packet", func(e *encoder) { e.packetMembers(p, apps) })
		} else {
			s.e.next()
			s.e.packet(p, apps)
			s.e.maybeFlush()
		}
	case annotate.RecordFrame:
		f := r.Frame
		if sel != nil && f.Packet != s.lastPkt {
			return s.e.err
		}
		if s.lines {
			s.line("frame", func(e *encoder) { e.frameMembers(f, s.opts) })
		} else {
			s.frames.add(func(e *encoder) { e.frame(f, s.opts) })
		}
	case annotate.RecordMessage:
		m := r.Message
		apps := appRecords(s.app.Message(m)) // every message, selected or not
		if sel != nil {
			if !s.selMsgs[m.Index] {
				return s.e.err
			}
			delete(s.selMsgs, m.Index)
		}
		if s.lines {
			s.line("message", func(e *encoder) { e.messageMembers(m, apps) })
		} else {
			s.messages.add(func(e *encoder) { e.message(m, apps) })
		}
	case annotate.RecordConnection:
		c := r.Connection
		ca := connApp(s.app, c)
		s.app.Forget(c) // its last record: messages and packets come before it
		if sel != nil {
			if !s.selConns[c.ID] {
				return s.e.err
			}
			delete(s.selConns, c.ID)
		}
		if s.lines {
			s.line("connection", func(e *encoder) { e.connectionMembers(c, ca) })
		} else {
			s.conns.add(func(e *encoder) { e.connection(c, ca) })
		}
	}
	return s.firstErr()
}

func (s *Stream) mark(m *map[int]bool, k int) {
	if *m == nil {
		*m = map[int]bool{}
	}
	(*m)[k] = true
}

// line writes one JSON line: {"type": kind, members...}.
func (s *Stream) line(kind string, members func(*encoder)) {
	e := s.e
	e.open('{')
	e.strField("type", kind)
	members(e)
	e.close('}')
	e.buf = append(e.buf, '\n')
	e.maybeFlush()
}

func (s *Stream) firstErr() error {
	if s.e.err != nil {
		return fmt.Errorf("jsonout: %w", s.e.err)
	}
	for _, sp := range []*spill{s.frames, s.messages, s.conns} {
		if sp != nil && sp.err != nil {
			return fmt.Errorf("jsonout: %w", sp.err)
		}
	}
	return nil
}

// Close writes what the document still lacks, and releases the temporary
// storage. It does not close the underlying writer.
func (s *Stream) Close() error {
	if s.closed {
		return s.firstErr()
	}
	s.closed = true
	e := s.e
	if !s.lines {
		e.close(']')
		for _, part := range []struct {
			name string
			sp   *spill
		}{{"frames", s.frames}, {"messages", s.messages}, {"connections", s.conns}} {
			e.key(part.name)
			e.open('[')
			e.count[len(e.count)-1] = part.sp.n
			e.flush()
			if e.err == nil {
				e.err = part.sp.copyTo(e.w)
			}
			e.close(']')
		}
		e.close('}')
		e.buf = append(e.buf, '\n')
	}
	e.flush()
	err := s.firstErr()
	for _, sp := range []*spill{s.frames, s.messages, s.conns} {
		if sp != nil {
			sp.release()
		}
	}
	return err
}

// spillMemory is how much of an array a spill keeps in memory before it
// moves to a temporary file.
const spillMemory = 4 << 20

// spill holds the encoded members of one of the document's arrays until
// it can be written: in memory, then in a temporary file.
type spill struct {
	e        *encoder
	memLimit int // spillMemory; tests lower it
	mem      bytes.Buffer
	file     *os.File
	n        int
	err      error
}

func newSpill(opts Options) *spill {
	sp := &spill{memLimit: spillMemory}
	sp.e = newEncoder(spillWriter{sp}, opts.Indent)
	sp.e.redact = opts.Redact
	// Members sit inside the top-level object and its array.
	sp.e.depth = 2
	sp.e.count = []int{1, 0}
	return sp
}

// add encodes one member.
func (sp *spill) add(member func(*encoder)) {
	sp.e.next()
	member(sp.e)
	sp.n++
	sp.e.maybeFlush()
}

// spillWriter is where a spill's encoder writes.
type spillWriter struct{ sp *spill }

func (w spillWriter) Write(b []byte) (int, error) {
	sp := w.sp
	if sp.file == nil && sp.mem.Len()+len(b) > sp.memLimit {
		f, err := os.CreateTemp("", "wstrace-*.json")
		if err != nil {
			sp.err = err
			return 0, err
		}
		os.Remove(f.Name()) // gone once closed; nothing to clean up after a crash
		if _, err := f.Write(sp.mem.Bytes()); err != nil {
			sp.err = err
			f.Close()
			return 0, err
		}
		sp.mem = bytes.Buffer{}
		sp.file = f
	}
	if sp.file != nil {
		n, err := sp.file.Write(b)
		if err != nil {
			sp.err = err
		}
		return n, err
	}
	return sp.mem.Write(b)
}

// copyTo writes the spilled members to w.
func (sp *spill) copyTo(w io.Writer) error {
	sp.e.flush()
	if sp.e.err != nil {
		return sp.e.err
	}
	if sp.err != nil {
		return sp.err
	}
	if sp.file == nil {
		_, err := w.Write(sp.mem.Bytes())
		return err
	}
	if _, err := sp.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err := io.Copy(w, sp.file)
	return err
}

func (sp *spill) release() {
	if sp.file != nil {
		sp.file.Close()
		sp.file = nil
	}
	sp.mem = bytes.Buffer{}
}

// ReadError is the error WriteSource returns when the capture could not be
// read to its end; everything before packet Packet was written.
type ReadError struct {
	Packet int
	Err    error
}

func (e *ReadError) Error() string {
	// A capture error names its file, packet and byte already; an
	// Interface Description Block is no packet to number.
	var ce *capture.Error
	if errors.As(e.Err, &ce) {
		return e.Err.Error()
	}
	return fmt.Sprintf("annotate: reading packet %d: %v", e.Packet, e.Err)
}

// Unwrap returns the reader's error.
func (e *ReadError) Unwrap() error { return e.Err }

// WriteSource annotates every packet of src with a streaming annotator
// (aopts, whose Emit it sets) and writes the records to w as they become
// final: one document, or JSON lines when lines is set. Memory stays the
// size of what is open in the capture, not of the capture. When src fails
// before io.EOF, everything before the failure is written, the output is
// complete, and the error is returned.
func WriteSource(w io.Writer, src capture.Source, aopts annotate.Options, opts Options, lines bool) error {
	s := NewStream(w, opts)
	if lines {
		s = NewLines(w, opts)
	}
	aopts.Emit = s.Record
	a := annotate.New(aopts)
	var readErr error
	for n := 1; ; n++ {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			readErr = &ReadError{Packet: n, Err: err}
			break
		}
		a.UseSecrets(secretsOf(src))
		if _, err := a.Add(p); err != nil {
			return err
		}
	}
	a.Finish()
	if err := a.Err(); err != nil {
		return err
	}
	if err := s.Close(); err != nil {
		return err
	}
	return readErr
}

// secretsOf returns the decryption secrets src carried so far.
func secretsOf(src capture.Source) []capture.Secrets {
	if ss, ok := src.(capture.SecretsSource); ok {
		return ss.Secrets()
	}
	return nil
}
