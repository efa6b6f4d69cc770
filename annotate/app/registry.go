package app

// Protocol is one application protocol: the extension point. A new protocol
// is one file that implements Protocol (and, for protocols that also travel
// in HTTP bodies, [BodyProtocol]), is listed by [Builtin], and adds its
// catalog keys ("app.<name>.<type>" and the field sentences it uses) to the
// three message catalogs.
type Protocol interface {
	// Name is the protocol's name in records ("stomp", "mqtt", ...).
	Name() string
	// Match reports how the handshake names the protocol: "subprotocol"
	// (the negotiated Sec-WebSocket-Protocol), "url" (the request target),
	// or "" when it does not.
	Match(h Handshake) string
	// Sniff reports whether a connection's first message, with nothing in
	// the handshake to go by, looks like the protocol: "handshake" when it
	// is the protocol's own opening message (a SignalR handshake request),
	// "heuristic" for a guess, "" for no.
	Sniff(m Message) string
	// NewDecoder returns a decoder for one WebSocket connection.
	NewDecoder(h Handshake, env *Env) Decoder
	// Vocabulary lists the catalog key suffixes of the records it makes
	// ("socket.io.EVENT", ...: [CatalogKey] of each record type).
	Vocabulary() []string
}

// CatalogKey returns the suffix of the catalog key that explains a record:
// "<protocol>.<type>", both GraphQL protocols sharing "graphql.<type>".
func CatalogKey(r *Record) string {
	p := r.Protocol
	if p == ProtoGraphQLTransportWS || p == ProtoGraphQLWS {
		p = "graphql"
	}
	return p + "." + r.Type
}

func vocabulary(proto string, types ...string) []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = proto + "." + t
	}
	return out
}

// Decoder turns the messages of one connection, in order, into records.
type Decoder interface {
	Decode(m Message) []Record
}

// BodyProtocol is a Protocol whose packets also travel in HTTP bodies
// (Engine.IO long-polling).
type BodyProtocol interface {
	Protocol
	// MatchBody reports whether an HTTP request target belongs to the
	// protocol.
	MatchBody(path string) bool
	// DecodeBody decodes an HTTP body sent on the request path by from.
	DecodeBody(path string, from Dir, body []byte, at Loc, env *Env) []Record
}

// Builtin returns the protocols this package knows, in the order they are
// tried: Socket.IO/Engine.IO, STOMP, MQTT, GraphQL over WebSocket, JSON-RPC
// 2.0, SignalR.
func Builtin() []Protocol {
	return []Protocol{EngineIO{}, STOMP{}, MQTT{}, GraphQL{}, JSONRPC{}, SignalR{}}
}

// Env is what the decoders of one capture share: the options, and state
// that outlives a connection (an Engine.IO session moves from long-polling
// requests to a WebSocket connection).
type Env struct {
	Options  Options
	sessions map[string]any
}

// Session returns the value stored under key, calling mk to make it the
// first time.
func (e *Env) Session(key string, mk func() any) any {
	if e.sessions == nil {
		e.sessions = make(map[string]any)
	}
	v, ok := e.sessions[key]
	if !ok {
		v = mk()
		e.sessions[key] = v
	}
	return v
}

// Alias stores v under key as well.
func (e *Env) Alias(key string, v any) {
	if e.sessions == nil {
		e.sessions = make(map[string]any)
	}
	e.sessions[key] = v
}

// Analyzer explains the application protocols of a capture: one per
// capture, fed every WebSocket connection and polling HTTP body in capture
// order.
type Analyzer struct {
	protos []Protocol
	env    Env
}

// NewAnalyzer returns an analyzer that knows the given protocols
// (Builtin() when none are given).
func NewAnalyzer(opts Options, protos ...Protocol) *Analyzer {
	if len(protos) == 0 {
		protos = Builtin()
	}
	return &Analyzer{protos: protos, env: Env{Options: opts}}
}

// Stream is the application side of one WebSocket connection.
type Stream struct {
	a     *Analyzer
	h     Handshake
	proto Protocol
	basis string
	dec   Decoder
	tried int
}

// maxSniff is how many messages a connection without a named protocol is
// sniffed before it is taken as unknown.
const maxSniff = 4

// Open starts a WebSocket connection with the given handshake (the zero
// Handshake for a connection captured without its upgrade).
func (a *Analyzer) Open(h Handshake) *Stream {
	s := &Stream{a: a, h: h}
	for _, p := range a.protos {
		if b := p.Match(h); b != "" {
			s.proto, s.basis = p, b
			s.dec = p.NewDecoder(h, &a.env)
			break
		}
	}
	return s
}

// Protocol returns the protocol's name ("" while unknown) and how it was
// recognised: "subprotocol", "url", "handshake" or "heuristic".
func (s *Stream) Protocol() (name, basis string) {
	if s.proto == nil {
		return "", ""
	}
	return s.proto.Name(), s.basis
}

// Decode explains one message of the connection.
func (s *Stream) Decode(m Message) []Record {
	if s.dec == nil {
		if s.tried >= maxSniff || m.Control {
			return nil
		}
		s.tried++
		for _, p := range s.a.protos {
			if b := p.Sniff(m); b != "" {
				s.proto, s.basis = p, b
				s.dec = p.NewDecoder(s.h, &s.a.env)
				break
			}
		}
		if s.dec == nil {
			return nil
		}
	}
	recs := s.dec.Decode(m)
	if s.basis == "heuristic" {
		for i := range recs {
			recs[i].Guess = true
		}
	}
	return recs
}

// Claims reports whether a protocol reads the HTTP bodies of requests to
// path.
func (a *Analyzer) Claims(path string) bool {
	for _, p := range a.protos {
		if bp, ok := p.(BodyProtocol); ok && bp.MatchBody(path) {
			return true
		}
	}
	return false
}

// Body explains an HTTP body of a request to path (the request's own body,
// from Client, or its response's, from Server). It returns nil when no
// protocol claims the path.
func (a *Analyzer) Body(path string, from Dir, body []byte, at Loc) []Record {
	for _, p := range a.protos {
		if bp, ok := p.(BodyProtocol); ok && bp.MatchBody(path) {
			return bp.DecodeBody(path, from, body, at, &a.env)
		}
	}
	return nil
}
