package capture

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// ErrNotCapture is wrapped by the error [NewReader] and [OpenFile] return for
// input that is neither a pcap nor a pcapng file (plain or gzip-compressed).
var ErrNotCapture = errors.New("not a pcap or pcapng file")

// Error reports a capture file that cannot be read further: where the bad
// part is and why it is bad. Every packet handed out before it is good.
type Error struct {
	// File is the file's name, or "" when the Reader was made by NewReader
	// (callers may fill it in before printing the error).
	File string
	// Packet is the number the bad packet would have had (counting from 1),
	// or 0 when the bad part is not a packet, such as a file header or a
	// pcapng Interface Description Block.
	Packet int
	// Offset is where the bad record or block starts, in bytes from the
	// start of the capture (of the decompressed data for a gzip file).
	Offset int64
	// Err is the cause. A file cut off in the middle of a record wraps
	// io.ErrUnexpectedEOF; input that is no capture wraps ErrNotCapture.
	Err error
}

// Error returns the error as, for example,
// "x.pcap: packet 17 (byte 1234): record cut off: 40 of 74 bytes".
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	switch {
	case e.Packet > 0:
		fmt.Fprintf(&b, "packet %d (byte %d): ", e.Packet, e.Offset)
	case e.Offset > 0:
		fmt.Fprintf(&b, "byte %d: ", e.Offset)
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("bad capture")
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// cutError says that the input ended inside a record or block.
type cutError struct {
	what      string // "record", "pcap file header", ...
	got, want int64
}

func (e *cutError) Error() string {
	return fmt.Sprintf("%s cut off: %d of %d bytes", e.what, e.got, e.want)
}

// Unwrap returns io.ErrUnexpectedEOF.
func (e *cutError) Unwrap() error { return io.ErrUnexpectedEOF }
