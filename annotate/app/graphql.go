package app

// The GraphQL-over-WebSocket protocols' names in records.
const (
	ProtoGraphQLTransportWS = "graphql-transport-ws"
	ProtoGraphQLWS          = "graphql-ws"
)

// GraphQL is GraphQL over WebSocket in its two protocols: graphql-transport-ws
// (the graphql-ws library's "GraphQL over WebSocket Protocol") and the
// older graphql-ws (subscriptions-transport-ws). It is recognised by the
// subprotocol, or, as a guess, by a first client message
// {"type":"connection_init"...} (taken as graphql-transport-ws until a
// message only graphql-ws has, start or ka, shows otherwise).
//
// Records have the message's type as their type (connection_init,
// connection_ack, ping, pong, subscribe, next, error, complete;
// graphql-ws: connection_error, ka, start, data, stop,
// connection_terminate) or "close" for the WebSocket close frame, and the
// fields:
//
//	id                    the operation id
//	operation_name, query the subscribe/start payload's
//	                      (query cut at 4096 bytes), variables
//	payload               connection_init's: "<redacted>" unless
//	                      Options.Reveal; others: as sent
//	payload_keys          connection_init payload's member names
//	errors                how many errors an error or next carries
//	code, code_name       a close frame's code and its name in the
//	                      protocol (4400 "Bad request", 4401 "Unauthorized",
//	                      4403 "Forbidden", 4408 "Connection
//	                      initialisation timeout", 4409 "Subscriber already
//	                      exists", 4429 "Too many initialisation requests")
//
// next, data, error and complete have an "operation" link to the subscribe
// or start with their id; connection_ack "answers" connection_init, pong
// "answers" ping. ping, pong and ka are heartbeats.
//
// Catalog keys: app.graphql.<type>.
type GraphQL struct{}

// Name returns "graphql".
func (GraphQL) Name() string { return "graphql" }

// Match recognises the two subprotocols.
func (GraphQL) Match(h Handshake) string {
	switch h.Protocol {
	case ProtoGraphQLTransportWS, ProtoGraphQLWS:
		return "subprotocol"
	}
	return ""
}

// Sniff recognises a connection_init sent first.
func (GraphQL) Sniff(m Message) string {
	if m.From != Client || m.Binary || len(m.Data) > 1<<16 || !mayHold(m.Data, "connection_init") {
		return ""
	}
	obj, e := jsonObject(m.Data)
	if e == "" && obj["type"] == "connection_init" {
		return "heuristic"
	}
	return ""
}

// NewDecoder returns a decoder for the subprotocol the handshake chose.
func (GraphQL) NewDecoder(h Handshake, env *Env) Decoder {
	d := &graphqlDecoder{proto: h.Protocol, reveal: env.Options.Reveal, ops: map[string]Loc{}}
	if d.proto == "" {
		d.proto, d.guess = ProtoGraphQLTransportWS, true
	}
	return d
}

type graphqlDecoder struct {
	proto  string
	guess  bool
	reveal bool
	ops    map[string]Loc
	init   *Loc
	ping   [3]*Loc
}

var graphqlCloseNames = map[int]string{
	4400: "Bad request", 4401: "Unauthorized", 4403: "Forbidden", 4406: "Subprotocol not acceptable",
	4408: "Connection initialisation timeout", 4409: "Subscriber already exists",
	4429: "Too many initialisation requests", 4499: "Terminated", 4500: "Internal server error",
	4504: "Connection acknowledgement timeout",
}

// CloseCodeName returns the name graphql-transport-ws gives a close code,
// "" for codes it does not define.
func CloseCodeName(code int) string { return graphqlCloseNames[code] }

func (d *graphqlDecoder) Decode(m Message) []Record {
	r := Record{Protocol: d.proto, Loc: m.Loc, From: m.From}
	if m.Control {
		if m.Close == 0 {
			return nil
		}
		r.Type = "close"
		r.Fields.Set("code", int64(m.Close))
		if n := graphqlCloseNames[m.Close]; n != "" {
			r.Fields.Set("code_name", n)
		}
		return []Record{r}
	}
	obj, e := jsonObject(m.Data)
	if e != "" {
		r.Type, r.Error = "unknown", e
		return []Record{r}
	}
	t, _ := obj["type"].(string)
	if len(t) > 64 {
		t = t[:64]
	}
	if d.guess && (t == "start" || t == "ka" || t == "data" || t == "stop" || t == "connection_terminate") {
		d.proto, d.guess = ProtoGraphQLWS, false
		r.Protocol = d.proto
	}
	r.Type = t
	if t == "" {
		r.Type, r.Error = "unknown", "no-type"
	}
	id, hasID := obj["id"].(string)
	if hasID {
		r.Fields.Set("id", id)
	}
	payload, hasPayload := obj["payload"]
	rawPayload := rawMember(m.Data, "payload")
	switch t {
	case "connection_init":
		if pm, ok := payload.(map[string]any); ok {
			r.Fields.Set("payload_keys", sortedKeys(pm))
		}
		if hasPayload && payload != nil {
			if d.reveal {
				r.Fields.Set("payload", rawPayload)
			} else {
				r.Fields.Set("payload", redacted)
			}
		}
		l := m.Loc
		d.init = &l
	case "connection_ack":
		if d.init != nil {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: *d.init})
		}
		if hasPayload {
			r.Fields.Set("payload", rawPayload)
		}
	case "ping", "pong", "ka":
		r.Heartbeat = true
		if t == "ping" {
			l := m.Loc
			d.ping[m.From] = &l
		} else if t == "pong" && m.From <= Server && d.ping[m.From.Peer()] != nil {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: *d.ping[m.From.Peer()]})
			d.ping[m.From.Peer()] = nil
		}
	case "subscribe", "start":
		if pm, ok := payload.(map[string]any); ok {
			if n, ok := pm["operationName"].(string); ok {
				r.Fields.Set("operation_name", n)
			}
			if q, ok := pm["query"].(string); ok {
				if len(q) > 4096 {
					q = q[:4096]
				}
				r.Fields.Set("query", q)
			}
			if v := rawMember(rawPayload, "variables"); v != nil && string(v) != "null" {
				r.Fields.Set("variables", v)
			}
		}
		if hasID && len(d.ops) < 4096 {
			d.ops[id] = m.Loc
		}
	case "next", "data", "error", "complete", "stop", "connection_error":
		if hasPayload {
			r.Fields.Set("payload", rawPayload)
			if pm, ok := payload.(map[string]any); ok {
				if errs, ok := pm["errors"].([]any); ok {
					r.Fields.Set("errors", int64(len(errs)))
				}
			}
			if errs, ok := payload.([]any); ok {
				r.Fields.Set("errors", int64(len(errs)))
			}
		}
		if l, ok := d.ops[id]; ok && hasID {
			r.Links = append(r.Links, Link{Rel: "operation", Loc: l})
		}
	default:
		if hasPayload {
			r.Fields.Set("payload", rawPayload)
		}
	}
	return []Record{r}
}

// Vocabulary lists the catalog key suffixes of GraphQL's records.
func (GraphQL) Vocabulary() []string {
	return vocabulary("graphql", "connection_init", "connection_ack", "ping", "pong", "subscribe", "next", "error", "complete", "connection_error", "ka", "start", "data", "stop", "connection_terminate", "close", "unknown")
}
