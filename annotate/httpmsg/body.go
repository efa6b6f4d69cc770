package httpmsg

import (
	"fmt"
	"strings"
)

// BodyLength reports how the body that follows a head with header h is
// delimited (RFC 9112 §6.3): chunked is true when the final transfer coding is
// chunked; otherwise n is the Content-Length. ok is false when neither field
// determines the length: no field at all, a transfer coding other than chunked
// last, or an invalid or conflicting Content-Length. See also
// [Request.BodyLength] and [Response.BodyLength], which apply the defaults
// that depend on the kind of message.
func BodyLength(h Header) (n int64, chunked bool, ok bool) {
	if h.Has("Transfer-Encoding") {
		codings := h.Tokens("Transfer-Encoding")
		if len(codings) > 0 && strings.EqualFold(codings[len(codings)-1], "chunked") {
			return 0, true, true
		}
		return 0, false, false
	}
	if !h.Has("Content-Length") {
		return 0, false, false
	}
	n = -1
	for _, v := range h.Tokens("Content-Length") {
		m, valid := parseLength(v)
		if !valid || (n >= 0 && m != n) {
			return 0, false, false
		}
		n = m
	}
	if n < 0 {
		return 0, false, false
	}
	return n, false, true
}

// parseLength parses 1*DIGIT into a non-negative int64.
func parseLength(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// BodyLength is like the package-level BodyLength, except that a request
// without Content-Length or Transfer-Encoding has an empty body (n 0, ok true).
func (r *Request) BodyLength() (n int64, chunked bool, ok bool) {
	if !r.Header.Has("Transfer-Encoding") && !r.Header.Has("Content-Length") {
		return 0, false, true
	}
	return BodyLength(r.Header)
}

// BodyLength is like the package-level BodyLength, except that 1xx, 204 and
// 304 responses have no body (n 0, ok true). ok false means that the body
// runs until the connection closes. The caller must itself know that a
// response to HEAD has no body.
func (r *Response) BodyLength() (n int64, chunked bool, ok bool) {
	if r.StatusCode < 200 || r.StatusCode == 204 || r.StatusCode == 304 {
		return 0, false, true
	}
	return BodyLength(r.Header)
}

// maxChunkLine bounds a chunk-size line or a trailer line.
const maxChunkLine = 4096

type chunkState int

const (
	chunkSize    chunkState = iota // reading a chunk-size line
	chunkData                      // inside chunk data
	chunkDataEnd                   // expecting the CRLF after chunk data
	chunkTrailer                   // reading trailer lines
	chunkDone                      // the body has ended
)

// A ChunkedBody follows a chunked message body (RFC 9112 §7.1) as its bytes
// go by, so that a caller can find where the body ends without buffering it.
// The zero value is ready to use at the first byte of the body.
type ChunkedBody struct {
	state     chunkState
	remaining int64  // bytes of chunk data still to come
	line      []byte // partial chunk-size or trailer line
	offset    int64  // bytes consumed so far
}

// Consume scans b, the next bytes of the body. It returns how many bytes of b
// belong to the body; done reports that the body ended, in which case the
// bytes from b[n] on belong to whatever follows. A malformed body yields a
// *SyntaxError whose Offset counts from the start of the body.
func (c *ChunkedBody) Consume(b []byte) (n int, done bool, err error) {
	for n < len(b) && c.state != chunkDone {
		switch c.state {
		case chunkData:
			k := int64(len(b) - n)
			if k > c.remaining {
				k = c.remaining
			}
			n += int(k)
			c.remaining -= k
			if c.remaining == 0 {
				c.state = chunkDataEnd
			}
		case chunkDataEnd:
			switch {
			case b[n] == '\n':
				c.state = chunkSize
				c.line = c.line[:0]
			case b[n] == '\r' && len(c.line) == 0:
				c.line = append(c.line, '\r')
			default:
				return n, false, c.errorf(n, "chunk data not followed by CRLF")
			}
			n++
		default: // chunkSize, chunkTrailer: line-oriented
			i := indexByte(b[n:], '\n')
			end := len(b)
			if i >= 0 {
				end = n + i
			}
			if len(c.line)+end-n > maxChunkLine {
				return n, false, c.errorf(n, "chunk line too long")
			}
			c.line = append(c.line, b[n:end]...)
			if i < 0 {
				n = len(b)
				break
			}
			n = end + 1
			line := c.line
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			if err := c.endLine(line, n); err != nil {
				return n, false, err
			}
			c.line = c.line[:0]
		}
	}
	c.offset += int64(n)
	return n, c.state == chunkDone, nil
}

// endLine handles a complete chunk-size or trailer line; n is the position in
// the current input just after the line.
func (c *ChunkedBody) endLine(line []byte, n int) error {
	if c.state == chunkTrailer {
		if len(line) == 0 {
			c.state = chunkDone
		}
		return nil
	}
	size, digits := int64(0), 0
	for ; digits < len(line); digits++ {
		d, ok := hexValue(line[digits])
		if !ok {
			break
		}
		if digits == 15 {
			return c.errorf(n, "chunk size too large")
		}
		size = size<<4 | int64(d)
	}
	if digits == 0 {
		return c.errorf(n, fmt.Sprintf("invalid chunk size line %q", quotePrefix(line)))
	}
	if rest := strings.TrimLeft(string(line[digits:]), " \t"); rest != "" && rest[0] != ';' {
		return c.errorf(n, fmt.Sprintf("invalid chunk size line %q", quotePrefix(line)))
	}
	if size == 0 {
		c.state = chunkTrailer
		return nil
	}
	c.remaining = size
	c.state = chunkData
	return nil
}

func (c *ChunkedBody) errorf(n int, msg string) error {
	return &SyntaxError{Offset: int(c.offset) + n, Msg: msg}
}

func hexValue(c byte) (byte, bool) {
	switch {
	case isDigit(c):
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
