package app_test

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate/app"
)

// browserLog reads a log of "event JSON" lines per tab, tabs separated by
// empty lines, each tab starting with "connected <sid>", into sid -> lines.
func browserLog(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tabs := map[string][]string{}
	for _, block := range strings.Split(strings.TrimSpace(string(b)), "\n\n") {
		lines := strings.Split(block, "\n")
		sid, ok := strings.CutPrefix(lines[0], "connected ")
		if !ok {
			t.Fatalf("%s: a tab that does not start with connected: %q", path, lines[0])
		}
		tabs[sid] = lines[1:]
	}
	return tabs
}

// sameLine compares "name JSON" lines by their decoded JSON.
func sameLine(a, b string) bool {
	na, ja, _ := strings.Cut(a, " ")
	nb, jb, _ := strings.Cut(b, " ")
	if strings.HasPrefix(a, "login ack ") && strings.HasPrefix(b, "login ack ") {
		na, nb = "login ack", "login ack"
		ja, jb = a[len("login ack "):], b[len("login ack "):]
	}
	var va, vb any
	return na == nb && json.Unmarshal([]byte(ja), &va) == nil && json.Unmarshal([]byte(jb), &vb) == nil && reflect.DeepEqual(va, vb)
}

// What Chromium's Socket.IO client reported, event by event, is what the
// records of the server's packets say, per Socket.IO session.
func TestSocketIOFixture(t *testing.T) {
	want := browserLog(t, "../../testdata/socketio-chat.browser-log.txt")
	_, ar := explainFile(t, "../../testdata/socketio-chat.pcap", app.Options{})
	got := map[string][]string{} // Socket.IO sid -> lines
	eioToSIO := map[string]string{}
	for _, r := range ar.Records {
		if r.Protocol != app.ProtoSocketIO || r.From != app.Server {
			continue
		}
		switch r.Type {
		case "CONNECT":
			eioToSIO[r.Session] = r.Fields.String("sid")
		case "ACK":
			args := r.Fields.Get("args").([]any)
			b, _ := json.Marshal(args[0])
			got[eioToSIO[r.Session]] = append(got[eioToSIO[r.Session]], "login ack "+string(b))
		case "EVENT":
			args := r.Fields.Get("args").([]any)
			b, _ := json.Marshal(args[0])
			got[eioToSIO[r.Session]] = append(got[eioToSIO[r.Session]], r.Fields.String("event")+" "+string(b))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%d sessions, the browser logged %d: %v", len(got), len(want), got)
	}
	for sid, lines := range want {
		g := got[sid]
		if len(g) != len(lines) {
			t.Errorf("session %s: %d lines, the browser logged %d:\n%s", sid, len(g), len(lines), strings.Join(g, "\n"))
			continue
		}
		for i := range lines {
			if !sameLine(g[i], lines[i]) {
				t.Errorf("session %s line %d: %s, the browser logged %s", sid, i, g[i], lines[i])
			}
		}
	}
	// The handshake, the upgrade and the client's packets.
	var types []string
	for _, r := range ar.Records {
		if r.Session == "" {
			t.Errorf("record %s %s at %v without its session", r.Protocol, r.Type, r.Loc)
		}
		if r.Heartbeat {
			continue
		}
		types = append(types, r.Type)
		switch r.Type {
		case "open":
			if r.Fields.Get("ping_interval") != int64(1000) || r.Loc.Message != -1 {
				t.Errorf("open %v: %v", r.Loc, r.Fields)
			}
		case "ACK":
			if len(r.Links) != 1 || r.Links[0].Rel != "answers" {
				t.Errorf("ACK %v not linked: %v", r.Loc, r.Links)
			}
		case "attachment":
			if len(r.Links) != 1 || r.Fields.Get("bytes") != int64(5) {
				t.Errorf("attachment %v: %v %v", r.Loc, r.Links, r.Fields)
			}
		case "CONNECT":
			if r.From == app.Client && r.Fields.String("auth") != "<redacted>" {
				t.Errorf("CONNECT auth not redacted: %v", r.Fields)
			}
		}
	}
	const wantTypes = "open CONNECT CONNECT ping pong EVENT ACK upgrade EVENT open CONNECT CONNECT ping pong upgrade EVENT ACK EVENT EVENT EVENT BINARY_EVENT attachment EVENT EVENT EVENT DISCONNECT"
	if g := strings.Join(types, " "); g != wantTypes {
		t.Errorf("types:\n%s\nwant\n%s", g, wantTypes)
	}
	if n := ar.Heartbeats(); n != 10 {
		t.Errorf("%d heartbeats, want 10", n)
	}
}
