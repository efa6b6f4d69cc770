package app

import (
	"bytes"
	"encoding/json"
	"strings"
)

// ProtoJSONRPC is JSON-RPC 2.0's name in records.
const ProtoJSONRPC = "jsonrpc"

// JSONRPC is JSON-RPC 2.0 (https://www.jsonrpc.org/specification), one
// request, response, notification or batch per message. It is recognised
// by a subprotocol whose name contains "jsonrpc" or "json-rpc", or, as a
// guess, by a first message that is a JSON object (or batch) with
// "jsonrpc": "2.0".
//
// Records have the types "request", "notification", "response" and "error"
// (a response with an error member), one per batch element, and the fields:
//
//	id                      the request id (a string or a number)
//	method, params          a request's or notification's
//	result                  a response's
//	error_code, error_message, error_name
//	                        an error's (error_name for the codes the
//	                        specification defines: -32700 "Parse error",
//	                        -32600 "Invalid Request", -32601 "Method not
//	                        found", -32602 "Invalid params", -32603
//	                        "Internal error", -32000 to -32099 "Server
//	                        error")
//	batch                   the batch's size, on elements of a batch
//
// A response "answers" the request the peer sent with its id. A JSON object
// that is neither a request nor a response (rpc-websockets' own event
// notifications, say) has the type "unknown" and the error "not-json-rpc".
//
// Catalog keys: app.jsonrpc.<type>.
type JSONRPC struct{}

// Name returns "jsonrpc".
func (JSONRPC) Name() string { return ProtoJSONRPC }

// Match recognises JSON-RPC subprotocol names.
func (JSONRPC) Match(h Handshake) string {
	p := strings.ToLower(h.Protocol)
	if strings.Contains(p, "jsonrpc") || strings.Contains(p, "json-rpc") {
		return "subprotocol"
	}
	return ""
}

// Sniff recognises "jsonrpc":"2.0" in a first JSON message.
func (JSONRPC) Sniff(m Message) string {
	if m.Binary || len(m.Data) > 1<<16 || !mayHold(m.Data, "jsonrpc") {
		return ""
	}
	b := bytes.TrimSpace(m.Data)
	if len(b) == 0 || (b[0] != '{' && b[0] != '[') {
		return ""
	}
	v, e := decodeJSON(b)
	if e != "" {
		return ""
	}
	if arr, ok := v.([]any); ok && len(arr) > 0 {
		v = arr[0]
	}
	if obj, ok := v.(map[string]any); ok && obj["jsonrpc"] == "2.0" {
		return "heuristic"
	}
	return ""
}

// NewDecoder returns a JSON-RPC decoder.
func (JSONRPC) NewDecoder(h Handshake, env *Env) Decoder {
	return &jsonrpcDecoder{reqs: map[string]Loc{}, reqp: map[string]int{}}
}

type jsonrpcDecoder struct {
	reqs map[string]Loc // "dir|id" -> request
	reqp map[string]int
}

var jsonrpcErrors = map[int64]string{
	-32700: "Parse error", -32600: "Invalid Request", -32601: "Method not found",
	-32602: "Invalid params", -32603: "Internal error",
}

// JSONRPCErrorName returns the name the specification gives an error code.
func JSONRPCErrorName(code int64) string {
	if n := jsonrpcErrors[code]; n != "" {
		return n
	}
	if code <= -32000 && code >= -32099 {
		return "Server error"
	}
	return ""
}

func (d *jsonrpcDecoder) Decode(m Message) []Record {
	if m.Control {
		return nil
	}
	v, e := decodeJSON(m.Data)
	if e != "" {
		return []Record{{Protocol: ProtoJSONRPC, Type: "unknown", Loc: m.Loc, From: m.From, Error: e}}
	}
	if arr, ok := v.([]any); ok {
		var recs []Record
		raws := rawElements(m.Data)
		for i, x := range arr {
			if i >= 1024 || i >= len(raws) {
				break
			}
			r := d.one(m, x, raws[i].(json.RawMessage), i)
			r.Fields.Set("batch", int64(len(arr)))
			recs = append(recs, r)
		}
		return recs
	}
	return []Record{d.one(m, v, m.Data, 0)}
}

func (d *jsonrpcDecoder) one(m Message, v any, raw []byte, part int) Record {
	r := Record{Protocol: ProtoJSONRPC, Loc: m.Loc, From: m.From, Part: part}
	obj, ok := v.(map[string]any)
	if !ok {
		r.Type, r.Error = "unknown", "not-an-object"
		return r
	}
	if obj["jsonrpc"] != "2.0" {
		r.Error = "no-version"
	}
	id, hasID := obj["id"]
	if hasID {
		r.Fields.Set("id", idValue(id))
	}
	key := jsonID(id)
	if method, ok := obj["method"].(string); ok {
		r.Fields.Set("method", method)
		if p := rawMember(raw, "params"); p != nil {
			r.Fields.Set("params", p)
		}
		if hasID {
			r.Type = "request"
			if key != "" && len(d.reqs) < 4096 {
				k := m.From.String() + "|" + key
				d.reqs[k] = m.Loc
				d.reqp[k] = r.Part
			}
		} else {
			r.Type = "notification"
		}
		return r
	}
	_, hasResult := obj["result"]
	_, hasError := obj["error"]
	if !hasResult && !hasError {
		r.Type, r.Error = "unknown", "not-json-rpc"
		return r
	}
	r.Type = "response"
	if res := rawMember(raw, "result"); res != nil {
		r.Fields.Set("result", res)
	}
	if em, ok := obj["error"].(map[string]any); ok {
		r.Type = "error"
		if c, ok := em["code"].(json.Number); ok {
			if code, err := c.Int64(); err == nil {
				r.Fields.Set("error_code", code)
				if n := JSONRPCErrorName(code); n != "" {
					r.Fields.Set("error_name", n)
				}
			}
		}
		if msg, ok := em["message"].(string); ok {
			r.Fields.Set("error_message", msg)
		}
	}
	if key != "" {
		k := m.From.Peer().String() + "|" + key
		if l, ok := d.reqs[k]; ok {
			r.Links = append(r.Links, Link{Rel: "answers", Loc: l, Part: d.reqp[k]})
			delete(d.reqs, k)
			delete(d.reqp, k)
		}
	}
	return r
}

// Vocabulary lists the catalog key suffixes of JSONRPC's records.
func (JSONRPC) Vocabulary() []string {
	return vocabulary(ProtoJSONRPC, "request", "notification", "response", "error", "unknown")
}
