// Package httpmsg parses HTTP/1.1 message heads (RFC 9112) incrementally from
// a reassembled TCP byte stream.
//
// The parsers are meant for traffic seen in a capture rather than for serving
// it: they tell "wait for more bytes" ([ErrIncomplete]) apart from "this is not
// HTTP" ([ErrMalformed]), never buffer more than a configurable limit
// ([ErrTooLarge]), tolerate bare LF line endings, and record where every header
// field lies in the input so that a renderer can point at the bytes.
//
// The package does no I/O.
package httpmsg

import (
	"errors"
	"fmt"
)

// DefaultMaxHeadLength is the largest message head, in bytes, that the
// package-level parsers accept.
const DefaultMaxHeadLength = 64 << 10

var (
	// ErrIncomplete means that the input does not yet hold a whole message
	// head; the caller should call again with more bytes.
	ErrIncomplete = errors.New("httpmsg: incomplete message head")

	// ErrTooLarge means that the message head is longer than the limit.
	ErrTooLarge = errors.New("httpmsg: message head too large")

	// ErrMalformed means that the input is not an HTTP/1.x message head.
	// Parse errors wrap it; they are of type *SyntaxError.
	ErrMalformed = errors.New("httpmsg: malformed message head")
)

// A SyntaxError describes why the input is not an HTTP/1.x message head.
// It wraps [ErrMalformed].
type SyntaxError struct {
	Offset int    // byte offset of the offending line from the start of the input
	Msg    string // what is wrong
}

// Error describes the problem and where it is.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("httpmsg: malformed message head at byte %d: %s", e.Offset, e.Msg)
}

// Unwrap returns [ErrMalformed].
func (e *SyntaxError) Unwrap() error { return ErrMalformed }

// Limits bounds what the parsers accept. The zero value means the defaults.
type Limits struct {
	// MaxHeadLength is the longest head, in bytes including the final blank
	// line, that is accepted; 0 means DefaultMaxHeadLength.
	MaxHeadLength int
}

func (l Limits) maxHead() int {
	if l.MaxHeadLength <= 0 {
		return DefaultMaxHeadLength
	}
	return l.MaxHeadLength
}

// A Request is the head of an HTTP request.
type Request struct {
	Method     string // e.g. "GET"
	Target     string // request-target as sent, e.g. "/chat?room=1"
	Proto      string // e.g. "HTTP/1.1"
	Header     Header
	HeadLength int // bytes from the start of the input through the blank line
}

// A Response is the head of an HTTP response.
type Response struct {
	Proto      string // e.g. "HTTP/1.1"
	StatusCode int    // e.g. 101
	Reason     string // reason phrase, possibly empty
	Header     Header
	HeadLength int // bytes from the start of the input through the blank line
}

// ParseRequestHead parses a request head from the start of b using the default
// limits. It returns the request, the number of bytes consumed (through the
// blank line that ends the head) and an error: ErrIncomplete when b does not
// yet hold the whole head, ErrTooLarge, or a *SyntaxError.
func ParseRequestHead(b []byte) (*Request, int, error) {
	return Limits{}.ParseRequestHead(b)
}

// ParseResponseHead is like ParseRequestHead for a response head.
func ParseResponseHead(b []byte) (*Response, int, error) {
	return Limits{}.ParseResponseHead(b)
}

// ParseRequestHead is like the package-level ParseRequestHead with limits l.
func (l Limits) ParseRequestHead(b []byte) (*Request, int, error) {
	var req Request
	n, err := parseHead(b, l.maxHead(), func(line []byte, off int) error {
		return parseRequestLine(&req, line, off)
	}, requestLinePrefixOK, &req.Header)
	if err != nil {
		return nil, 0, err
	}
	req.HeadLength = n
	return &req, n, nil
}

// ParseResponseHead is like the package-level ParseResponseHead with limits l.
func (l Limits) ParseResponseHead(b []byte) (*Response, int, error) {
	var resp Response
	n, err := parseHead(b, l.maxHead(), func(line []byte, off int) error {
		return parseStatusLine(&resp, line, off)
	}, statusLinePrefixOK, &resp.Header)
	if err != nil {
		return nil, 0, err
	}
	resp.HeadLength = n
	return &resp, n, nil
}

// maxLeadingBlankLines bounds the empty lines tolerated before a start line
// (RFC 9112 §2.2 asks a recipient to ignore at least one).
const maxLeadingBlankLines = 4

// parseHead splits b into lines and feeds them to the start-line parser and to
// the header field parser. A partial trailing line is checked with prefixOK
// (for the start line) so that garbage is rejected before a whole line arrives.
func parseHead(b []byte, max int, startLine func(line []byte, off int) error,
	prefixOK func(partial []byte) bool, h *Header) (int, error) {
	pos := 0
	sawStart := false
	blanks := 0
	for {
		if pos >= max {
			return 0, ErrTooLarge
		}
		line, next, ok := nextLine(b, pos, max)
		if !ok {
			if len(b) >= max {
				return 0, ErrTooLarge
			}
			if !sawStart && !prefixOK(b[pos:]) {
				return 0, &SyntaxError{Offset: pos, Msg: fmt.Sprintf("start line begins with %q", quotePrefix(b[pos:]))}
			}
			if sawStart {
				if err := checkPartialField(b[pos:], pos, *h); err != nil {
					return 0, err
				}
			}
			return 0, ErrIncomplete
		}
		if !sawStart {
			if len(line) == 0 {
				blanks++
				if blanks > maxLeadingBlankLines {
					return 0, &SyntaxError{Offset: pos, Msg: "too many empty lines before the start line"}
				}
				pos = next
				continue
			}
			if err := startLine(line, pos); err != nil {
				return 0, err
			}
			sawStart = true
			pos = next
			continue
		}
		if len(line) == 0 {
			return next, nil
		}
		if err := h.addLine(line, pos); err != nil {
			return 0, err
		}
		pos = next
	}
}

// nextLine returns the line starting at pos without its terminator (LF or
// CRLF) and the position after the terminator. ok is false if no LF occurs
// before the limit or the end of b.
func nextLine(b []byte, pos, max int) (line []byte, next int, ok bool) {
	end := len(b)
	if end > max {
		end = max
	}
	for i := pos; i < end; i++ {
		if b[i] == '\n' {
			line = b[pos:i]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
			return line, i + 1, true
		}
	}
	return nil, 0, false
}

func quotePrefix(b []byte) string {
	if len(b) > 16 {
		b = b[:16]
	}
	return string(b)
}

func parseRequestLine(req *Request, line []byte, off int) error {
	sp1 := indexByte(line, ' ')
	if sp1 <= 0 {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("request line %q is not METHOD SP TARGET SP VERSION", quotePrefix(line))}
	}
	method := line[:sp1]
	if !isToken(method) {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("invalid method %q", quotePrefix(method))}
	}
	rest := line[sp1+1:]
	sp2 := indexByte(rest, ' ')
	if sp2 <= 0 {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("request line %q is not METHOD SP TARGET SP VERSION", quotePrefix(line))}
	}
	target, proto := rest[:sp2], rest[sp2+1:]
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return &SyntaxError{Offset: off, Msg: "request-target contains a control or space character"}
		}
	}
	if !isHTTPVersion(proto) {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("invalid HTTP version %q", quotePrefix(proto))}
	}
	req.Method, req.Target, req.Proto = string(method), string(target), string(proto)
	return nil
}

func parseStatusLine(resp *Response, line []byte, off int) error {
	if len(line) < 12 || !isHTTPVersion(line[:8]) || line[8] != ' ' {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("status line begins with %q", quotePrefix(line))}
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return &SyntaxError{Offset: off, Msg: fmt.Sprintf("invalid status code %q", line[9:12])}
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 {
		return &SyntaxError{Offset: off, Msg: fmt.Sprintf("invalid status code %d", code)}
	}
	reason := line[12:]
	if len(reason) > 0 {
		if reason[0] != ' ' {
			return &SyntaxError{Offset: off, Msg: "no space after the status code"}
		}
		reason = reason[1:]
	}
	for _, c := range reason {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return &SyntaxError{Offset: off, Msg: "reason phrase contains a control character"}
		}
	}
	resp.Proto, resp.StatusCode, resp.Reason = string(line[:8]), code, string(reason)
	return nil
}

// isHTTPVersion reports whether b is "HTTP/" DIGIT "." DIGIT.
func isHTTPVersion(b []byte) bool {
	return len(b) == 8 && string(b[:5]) == "HTTP/" && isDigit(b[5]) && b[6] == '.' && isDigit(b[7])
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func indexByte(b []byte, c byte) int {
	for i, x := range b {
		if x == c {
			return i
		}
	}
	return -1
}

// isTokenChar reports whether c is a tchar (RFC 9110 §5.6.2).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

func isToken(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if !isTokenChar(c) {
			return false
		}
	}
	return true
}

// requestLinePrefixOK reports whether b could be the beginning of a request
// line: a token, then a space, then a target without controls, and so on.
func requestLinePrefixOK(b []byte) bool {
	i := 0
	for i < len(b) && isTokenChar(b[i]) {
		i++
	}
	if i == len(b) {
		return true
	}
	if i == 0 && (b[0] == '\r') && len(b) == 1 {
		return true // the start of a CRLF
	}
	if i == 0 || b[i] != ' ' {
		return false
	}
	for _, c := range b[i+1:] {
		if c < ' ' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}

// statusLinePrefixOK reports whether b could be the beginning of a status line.
func statusLinePrefixOK(b []byte) bool {
	const pattern = "HTTP/9.9 999"
	if len(b) == 1 && b[0] == '\r' {
		return true
	}
	for i := 0; i < len(b) && i < len(pattern); i++ {
		switch pattern[i] {
		case '9':
			if !isDigit(b[i]) {
				return false
			}
		default:
			if b[i] != pattern[i] {
				return false
			}
		}
	}
	return true
}
