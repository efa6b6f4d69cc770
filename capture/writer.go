package capture

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// NgWriterOptions describe the section an [NgWriter] writes.
type NgWriterOptions struct {
	// Application names the program writing the file (shb_userappl), such
	// as "wstrace 1.0". Empty for none.
	Application string
	// Comment is a comment on the whole section (opt_comment). Empty for
	// none.
	Comment string
}

// NgWriter writes packets to a pcapng file as they arrive, one section in
// little-endian byte order. It writes each block with a single Write call
// and keeps nothing back, so every packet reaches the underlying writer as
// soon as WritePacket returns. An NgWriter is not safe for concurrent use.
type NgWriter struct {
	w   io.Writer
	ids map[int]uint32 // Interface.Index -> Interface Description Block number
	buf []byte
}

// NewNgWriter writes a Section Header Block to w and returns a writer for
// the packets that follow.
func NewNgWriter(w io.Writer, opts NgWriterOptions) (*NgWriter, error) {
	nw := &NgWriter{w: w, ids: make(map[int]uint32)}
	b := nw.begin(blockSectionHeader)
	b = le.AppendUint32(b, byteOrderMagic)
	b = le.AppendUint16(b, 1) // version 1.0
	b = le.AppendUint16(b, 0)
	b = le.AppendUint64(b, math.MaxUint64) // section length: not given
	var err error
	if b, err = appendOptions(b,
		option{optComment, opts.Comment},
		option{optShbUserAppl, opts.Application},
	); err != nil {
		return nil, fmt.Errorf("pcapng section header: %w", err)
	}
	nw.buf = nw.end(b)
	if _, err := w.Write(nw.buf); err != nil {
		return nil, fmt.Errorf("writing pcapng section header: %w", err)
	}
	return nw, nil
}

var le = binary.LittleEndian

// WritePacket writes p as an Enhanced Packet Block with a nanosecond
// timestamp and p.Comments as opt_comment options. The first packet of each
// interface (told apart by Interface.Index) is preceded by an Interface
// Description Block for it, with its link type, snap length, name and
// description and an if_tsresol of nanoseconds.
func (w *NgWriter) WritePacket(p *Packet) error {
	if p.Interface == nil {
		return fmt.Errorf("pcapng: packet %d has no interface", p.Number)
	}
	if len(p.Data) > maxPacket {
		return fmt.Errorf("pcapng: packet %d: %d bytes is over the limit of %d", p.Number, len(p.Data), maxPacket)
	}
	ifc := p.Interface
	id, ok := w.ids[ifc.Index]
	out := w.buf[:0]
	if !ok {
		id = uint32(len(w.ids))
		var err error
		if out, err = w.appendInterface(out, ifc); err != nil {
			return err
		}
	}
	var ts uint64
	if !p.Timestamp.IsZero() {
		ts = uint64(max(p.Timestamp.UnixNano(), 0))
	}
	start := len(out)
	b := append(out, 0, 0, 0, 0, 0, 0, 0, 0)
	le.PutUint32(b[start:], blockEnhancedPacket)
	b = le.AppendUint32(b, id)
	b = le.AppendUint32(b, uint32(ts>>32))
	b = le.AppendUint32(b, uint32(ts))
	b = le.AppendUint32(b, uint32(len(p.Data)))
	b = le.AppendUint32(b, uint32(min(max(p.Length, len(p.Data)), math.MaxUint32)))
	b = append(b, p.Data...)
	b = append(b, make([]byte, pad4(len(p.Data))-len(p.Data))...)
	opts := make([]option, len(p.Comments))
	for i, c := range p.Comments {
		opts[i] = option{optComment, c}
	}
	var err error
	if b, err = appendOptions(b, opts...); err != nil {
		return fmt.Errorf("pcapng: packet %d: %w", p.Number, err)
	}
	b = finishBlock(b, start)
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("pcapng: writing packet %d: %w", p.Number, err)
	}
	if !ok {
		w.ids[ifc.Index] = id
	}
	return nil
}

// WriteSecrets writes a Decryption Secrets Block of type typ (such as
// SecretsTLSKeyLog) holding data. Readers apply it to the packets after it,
// so write it before them.
func (w *NgWriter) WriteSecrets(typ uint32, data []byte) error {
	if len(data) > maxBlock-32 {
		return fmt.Errorf("pcapng: %d bytes of secrets is over the limit of %d", len(data), maxBlock-32)
	}
	b := w.begin(blockSecrets)
	b = le.AppendUint32(b, typ)
	b = le.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	w.buf = w.end(b)
	if _, err := w.w.Write(w.buf); err != nil {
		return fmt.Errorf("pcapng: writing decryption secrets: %w", err)
	}
	return nil
}

// WriteInterface writes the Interface Description Block of ifc now, unless
// it was written already. WritePacket writes it on its interface's first
// packet; calling WriteInterface first makes even a file that ends up with no
// packet one that every reader accepts (tcpdump refuses a pcapng file without
// an interface).
func (w *NgWriter) WriteInterface(ifc *Interface) error {
	if _, ok := w.ids[ifc.Index]; ok {
		return nil
	}
	b, err := w.appendInterface(w.buf[:0], ifc)
	if err != nil {
		return err
	}
	w.buf = b
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("pcapng: writing interface %d: %w", ifc.Index, err)
	}
	w.ids[ifc.Index] = uint32(len(w.ids))
	return nil
}

// appendInterface appends the Interface Description Block of ifc to b.
func (w *NgWriter) appendInterface(b []byte, ifc *Interface) ([]byte, error) {
	start := len(b)
	b = le.AppendUint32(b, blockInterface)
	b = append(b, 0, 0, 0, 0) // total length, set by finishBlock
	b = le.AppendUint16(b, uint16(ifc.LinkType))
	b = le.AppendUint16(b, 0)
	b = le.AppendUint32(b, ifc.SnapLen)
	b, err := appendOptions(b,
		option{optIfName, ifc.Name},
		option{optIfDescription, ifc.Description},
		option{optIfTsresol, "\x09"},
	)
	if err != nil {
		return b, fmt.Errorf("pcapng: interface %d: %w", ifc.Index, err)
	}
	return finishBlock(b, start), nil
}

// Flush flushes the underlying writer if it has a Flush method (as a
// *bufio.Writer has). The NgWriter itself buffers nothing.
func (w *NgWriter) Flush() error {
	if f, ok := w.w.(interface{ Flush() error }); ok {
		return f.Flush()
	}
	return nil
}

// begin starts a block of type btype in w.buf, replacing what it held.
func (w *NgWriter) begin(btype uint32) []byte {
	b := le.AppendUint32(w.buf[:0], btype)
	return append(b, 0, 0, 0, 0) // total length, set by end
}

// end finishes the block begin started.
func (w *NgWriter) end(b []byte) []byte { return finishBlock(b, 0) }

// finishBlock pads the block that starts at b[start:] and fills in its
// total length at both ends.
func finishBlock(b []byte, start int) []byte {
	b = append(b, make([]byte, pad4(len(b)-start)-(len(b)-start))...)
	n := uint32(len(b) - start + 4)
	le.PutUint32(b[start+4:], n)
	return le.AppendUint32(b, n)
}

// option is a pcapng option to write; empty values are left out.
type option struct {
	code  uint16
	value string
}

var errOptionTooLong = errors.New("option value longer than 65535 bytes")

// appendOptions appends the non-empty options and, if there were any,
// opt_endofopt.
func appendOptions(b []byte, opts ...option) ([]byte, error) {
	wrote := false
	for _, o := range opts {
		if o.value == "" {
			continue
		}
		if len(o.value) > math.MaxUint16 {
			return b, errOptionTooLong
		}
		wrote = true
		b = le.AppendUint16(b, o.code)
		b = le.AppendUint16(b, uint16(len(o.value)))
		b = append(b, o.value...)
		b = append(b, make([]byte, pad4(len(o.value))-len(o.value))...)
	}
	if wrote {
		b = le.AppendUint32(b, 0)
	}
	return b, nil
}
