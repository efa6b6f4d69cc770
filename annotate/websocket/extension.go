package websocket

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadExtension is wrapped by the errors of ParseExtensions and
// NegotiateDeflate.
var ErrBadExtension = errors.New("websocket: invalid Sec-WebSocket-Extensions")

// A Param is one extension parameter, e.g. client_max_window_bits=10.
type Param struct {
	Name     string
	Value    string // unquoted
	HasValue bool   // whether "=value" was present
}

// An Extension is one element of a Sec-WebSocket-Extensions header (RFC 6455
// §9.1), e.g. "permessage-deflate; client_max_window_bits".
type Extension struct {
	Name   string
	Params []Param
}

// Param returns the parameter called name (compared without regard to case).
func (e Extension) Param(name string) (Param, bool) {
	for _, p := range e.Params {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Param{}, false
}

// String returns the extension in header syntax.
func (e Extension) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteByte('=')
			if isToken(p.Value) {
				b.WriteString(p.Value)
			} else {
				b.WriteString(strconv.Quote(p.Value))
			}
		}
	}
	return b.String()
}

// ParseExtensions parses the values of all Sec-WebSocket-Extensions header
// fields of a message, in order, with the syntax of RFC 6455 §9.1 and the
// token and quoted-string rules of RFC 9110 §5.6. On malformed input it
// returns the extensions that precede the error and an error wrapping
// ErrBadExtension.
func ParseExtensions(headerValues []string) ([]Extension, error) {
	var exts []Extension
	for _, v := range headerValues {
		p := extParser{s: v}
		for {
			p.skipOWS()
			if p.eof() {
				break
			}
			if p.peek() == ',' { // empty list element
				p.i++
				continue
			}
			ext, err := p.extension()
			if err != nil {
				return exts, err
			}
			p.skipOWS()
			if !p.eof() && p.peek() != ',' {
				return exts, p.errorf("expected ',' after extension %q", ext.Name)
			}
			exts = append(exts, ext)
		}
	}
	return exts, nil
}

type extParser struct {
	s string
	i int
}

func (p *extParser) eof() bool  { return p.i >= len(p.s) }
func (p *extParser) peek() byte { return p.s[p.i] }

func (p *extParser) skipOWS() {
	for !p.eof() && (p.peek() == ' ' || p.peek() == '\t') {
		p.i++
	}
}

func (p *extParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: %s at byte %d of %q", ErrBadExtension, fmt.Sprintf(format, args...), p.i, p.s)
}

func (p *extParser) token() string {
	start := p.i
	for !p.eof() && isTokenChar(p.peek()) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *extParser) extension() (Extension, error) {
	name := p.token()
	if name == "" {
		return Extension{}, p.errorf("expected an extension name")
	}
	ext := Extension{Name: name}
	for {
		p.skipOWS()
		if p.eof() || p.peek() != ';' {
			return ext, nil
		}
		p.i++
		p.skipOWS()
		param := Param{Name: p.token()}
		if param.Name == "" {
			return ext, p.errorf("expected a parameter name")
		}
		p.skipOWS()
		if !p.eof() && p.peek() == '=' {
			p.i++
			p.skipOWS()
			param.HasValue = true
			if !p.eof() && p.peek() == '"' {
				v, err := p.quoted()
				if err != nil {
					return ext, err
				}
				param.Value = v
			} else if param.Value = p.token(); param.Value == "" {
				return ext, p.errorf("expected a value for parameter %q", param.Name)
			}
		}
		ext.Params = append(ext.Params, param)
	}
}

// quoted parses a quoted-string starting at the opening quote.
func (p *extParser) quoted() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	for !p.eof() {
		c := p.peek()
		p.i++
		switch {
		case c == '"':
			return b.String(), nil
		case c == '\\':
			if p.eof() {
				return "", p.errorf("unterminated quoted-string")
			}
			b.WriteByte(p.peek())
			p.i++
		case c == '\t' || (c >= ' ' && c != 0x7f):
			b.WriteByte(c)
		default:
			return "", p.errorf("control character in quoted-string")
		}
	}
	return "", p.errorf("unterminated quoted-string")
}

func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

// DeflateName is the name of the permessage-deflate extension.
const DeflateName = "permessage-deflate"

// DeflateParams are the permessage-deflate parameters in force on a
// connection (RFC 7692 §7.1).
type DeflateParams struct {
	ServerNoContextTakeover bool // the server resets its compressor after each message
	ClientNoContextTakeover bool // the client resets its compressor after each message
	ServerMaxWindowBits     int  // LZ77 window of the server's compressor, 8–15 (15 if not negotiated)
	ClientMaxWindowBits     int  // LZ77 window of the client's compressor, 8–15 (15 if not negotiated)
}

// NoContextTakeover reports whether the compressor of sender starts afresh
// with every message.
func (p *DeflateParams) NoContextTakeover(sender Role) bool {
	if sender == Client {
		return p.ClientNoContextTakeover
	}
	return p.ServerNoContextTakeover
}

// NegotiateDeflate works out the permessage-deflate parameters from the
// client's offer (the extensions of its request) and the server's response
// (those of the 101 response). It returns nil, nil if the response does not
// accept permessage-deflate. An error wrapping ErrBadExtension means that
// the response breaks RFC 7692 §7.1: a malformed or unknown parameter, or one
// that answers no offer. In that case the parameters are still returned when
// the response names permessage-deflate, read as well as possible, since the
// peers may go on to use them. offer may be nil when the request is unknown;
// the response is then checked on its own.
func NegotiateDeflate(offer, response []Extension) (*DeflateParams, error) {
	var accepted *Extension
	for i := range response {
		if !strings.EqualFold(response[i].Name, DeflateName) {
			continue
		}
		if accepted != nil {
			return nil, fmt.Errorf("%w: response accepts %s twice", ErrBadExtension, DeflateName)
		}
		accepted = &response[i]
	}
	if accepted == nil {
		return nil, nil
	}
	p := &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	var errs []error
	seen := map[string]bool{}
	for _, param := range accepted.Params {
		name := strings.ToLower(param.Name)
		if seen[name] {
			errs = append(errs, fmt.Errorf("%w: parameter %s repeated", ErrBadExtension, name))
			continue
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if param.HasValue {
				errs = append(errs, fmt.Errorf("%w: parameter %s takes no value", ErrBadExtension, name))
			}
			if name == "server_no_context_takeover" {
				p.ServerNoContextTakeover = true
			} else {
				p.ClientNoContextTakeover = true
			}
		case "server_max_window_bits", "client_max_window_bits":
			bits, err := windowBits(param)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if name == "server_max_window_bits" {
				p.ServerMaxWindowBits = bits
			} else {
				p.ClientMaxWindowBits = bits
			}
		default:
			errs = append(errs, fmt.Errorf("%w: unknown %s parameter %q", ErrBadExtension, DeflateName, param.Name))
		}
	}
	if offer != nil && len(errs) == 0 {
		if err := matchOffer(offer, seen, p); err != nil {
			errs = append(errs, err)
		}
	}
	return p, errors.Join(errs...)
}

// windowBits parses the value of a *_max_window_bits parameter in a response.
func windowBits(param Param) (int, error) {
	v := param.Value
	if !param.HasValue {
		return 0, fmt.Errorf("%w: %s needs a value in a response", ErrBadExtension, param.Name)
	}
	if len(v) == 0 || len(v) > 2 || v[0] == '0' {
		return 0, fmt.Errorf("%w: %s=%q is not a number from 8 to 15", ErrBadExtension, param.Name, v)
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 8 || n > 15 {
		return 0, fmt.Errorf("%w: %s=%q is not a number from 8 to 15", ErrBadExtension, param.Name, v)
	}
	return n, nil
}

// matchOffer checks that the accepted parameters answer at least one of the
// client's permessage-deflate offers.
func matchOffer(offer []Extension, seen map[string]bool, p *DeflateParams) error {
	var reasons []string
	offered := false
	for _, o := range offer {
		if !strings.EqualFold(o.Name, DeflateName) {
			continue
		}
		offered = true
		reason := ""
		if seen["client_max_window_bits"] {
			if _, ok := o.Param("client_max_window_bits"); !ok {
				reason = "client_max_window_bits in the response but not in the offer"
			}
		}
		if sp, ok := o.Param("server_max_window_bits"); ok && reason == "" {
			n, err := strconv.Atoi(sp.Value)
			if !seen["server_max_window_bits"] || (err == nil && p.ServerMaxWindowBits > n) {
				reason = fmt.Sprintf("offer limits server_max_window_bits to %s, response does not", sp.Value)
			}
		}
		if _, ok := o.Param("server_no_context_takeover"); ok && reason == "" && !p.ServerNoContextTakeover {
			reason = "offer asks for server_no_context_takeover, response omits it"
		}
		if reason == "" {
			return nil
		}
		reasons = append(reasons, reason)
	}
	if !offered {
		return fmt.Errorf("%w: response accepts %s, which the client did not offer", ErrBadExtension, DeflateName)
	}
	return fmt.Errorf("%w: response matches no offer: %s", ErrBadExtension, strings.Join(reasons, "; "))
}
