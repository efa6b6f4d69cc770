package jsonout

import (
	"bytes"
	"encoding/json"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
)

// App is one application-protocol record (package annotate/app): a
// Socket.IO or Engine.IO packet, a STOMP frame, an MQTT packet, a GraphQL,
// JSON-RPC or SignalR message.
type App struct {
	Protocol  string    `json:"protocol"`
	Type      string    `json:"type"`
	Fields    AppFields `json:"fields"`
	Links     []AppLink `json:"links"`
	Part      int       `json:"part"`
	Parts     []int     `json:"parts"`
	Session   string    `json:"session"`
	Heartbeat bool      `json:"heartbeat"`
	Guess     bool      `json:"guess"`
	Error     string    `json:"error"`
}

// AppLink points at another record: its message index (null for a record
// in an HTTP body), the packet that completed it, and its part.
type AppLink struct {
	Rel     string `json:"rel"`
	Message *int   `json:"message"`
	Packet  int    `json:"packet"`
	Part    int    `json:"part"`
}

// ConnApp says which application protocol a connection speaks and how it
// was recognised.
type ConnApp struct {
	Protocol string `json:"protocol"`
	Basis    string `json:"basis"`
	Polling  bool   `json:"polling"`
}

// connApp returns what the tracker recognised on a connection, nil when
// nothing.
func connApp(t *app.Tracker, c *annotate.Connection) *ConnApp {
	si, ok := t.Stream(c.ID)
	if !ok || si.Protocol == "" {
		return nil
	}
	return &ConnApp{Protocol: si.Protocol, Basis: si.Basis, Polling: si.Polling}
}

// AppFields are a record's fields, written as one JSON object in the order
// the packet holds them.
type AppFields app.Fields

// MarshalJSON writes the fields as an object, in order.
func (f AppFields) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, kv := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv.Name)
		b.Write(k)
		b.WriteByte(':')
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(kv.Value); err != nil {
			return nil, err
		}
		b.Truncate(b.Len() - 1) // Encode's newline
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads the fields back (in the object's order).
func (f *AppFields) UnmarshalJSON(data []byte) error {
	d := json.NewDecoder(bytes.NewReader(data))
	if _, err := d.Token(); err != nil {
		return err
	}
	*f = AppFields{}
	for d.More() {
		k, err := d.Token()
		if err != nil {
			return err
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return err
		}
		*f = append(*f, app.Field{Name: k.(string), Value: v})
	}
	_, err := d.Token()
	return err
}

// appRecord converts one record.
func appRecord(r *app.Record) App {
	out := App{Protocol: r.Protocol, Type: r.Type, Fields: AppFields(r.Fields), Links: make([]AppLink, 0, len(r.Links)),
		Part: r.Part, Parts: r.Parts, Session: r.Session, Heartbeat: r.Heartbeat, Guess: r.Guess, Error: r.Error}
	if out.Fields == nil {
		out.Fields = AppFields{}
	}
	if out.Parts == nil {
		out.Parts = []int{}
	}
	for _, l := range r.Links {
		al := AppLink{Rel: l.Rel, Packet: l.Loc.Packet, Part: l.Part}
		if l.Loc.Message >= 0 {
			m := l.Loc.Message
			al.Message = &m
		}
		out.Links = append(out.Links, al)
	}
	return out
}

// appRecords converts records (never nil: an empty list is written []).
func appRecords(recs []app.Record) []App {
	out := make([]App, 0, len(recs))
	for i := range recs {
		out = append(out, appRecord(&recs[i]))
	}
	return out
}

// newTracker returns the tracker of the application records the document
// includes: secrets redacted as the rest of the document is.
func newTracker(opts Options) *app.Tracker {
	return app.NewTracker(app.Options{Reveal: !opts.Redact})
}
