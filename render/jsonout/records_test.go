package jsonout_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	wsrender "github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/jsonout"
)

// streamFile annotates a fixture with a streaming annotator writing to s.
func streamFile(t *testing.T, name string, s *jsonout.Stream) {
	t.Helper()
	r, err := capture.OpenFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	a := annotate.New(annotate.Options{Location: time.UTC, Emit: s.Record})
	for {
		p, err := r.Next()
		if err != nil {
			break
		}
		if _, err := a.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	a.Finish()
	if err := a.Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

var fixtures = []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap", "socketio-chat.pcap"}

// TestStreamMatchesWrite: a document written record by record as a
// streaming annotator hands them over is the document Write makes of the
// whole Result.
func TestStreamMatchesWrite(t *testing.T) {
	for _, name := range fixtures {
		for _, indent := range []bool{false, true} {
			opts := jsonout.Options{Indent: indent, FramePayloads: true}
			var want, got bytes.Buffer
			if err := jsonout.Write(&want, annotateFile(t, name), opts); err != nil {
				t.Fatal(err)
			}
			streamFile(t, name, jsonout.NewStream(&got, opts))
			if !bytes.Equal(want.Bytes(), got.Bytes()) {
				i := 0
				for i < min(want.Len(), got.Len()) && want.Bytes()[i] == got.Bytes()[i] {
					i++
				}
				t.Errorf("%s indent %v: streamed document differs at byte %d: %q vs %q", name, indent, i,
					got.Bytes()[i:min(i+80, got.Len())], want.Bytes()[i:min(i+80, want.Len())])
			}
		}
	}
}

// TestLines: each line is one record, typed, with the members the
// document gives the same object.
func TestLines(t *testing.T) {
	for _, name := range fixtures {
		var doc, lines bytes.Buffer
		if err := jsonout.Write(&doc, annotateFile(t, name), jsonout.Options{}); err != nil {
			t.Fatal(err)
		}
		var whole struct{ Packets, Frames, Messages, Connections []map[string]any }
		if err := json.Unmarshal(doc.Bytes(), &whole); err != nil {
			t.Fatal(err)
		}
		wholeBy := map[string][]map[string]any{"packets": whole.Packets, "frames": whole.Frames, "messages": whole.Messages, "connections": whole.Connections}
		streamFile(t, name, jsonout.NewLines(&lines, jsonout.Options{Indent: true}))
		got := map[string][]map[string]any{}
		sc := bufio.NewScanner(&lines)
		sc.Buffer(nil, 1<<26)
		n := 0
		for sc.Scan() {
			n++
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s line %d: %v", name, n, err)
			}
			if !strings.HasPrefix(sc.Text(), `{"type":"`) {
				t.Fatalf("%s line %d does not start with its type: %.40s", name, n, sc.Text())
			}
			typ, _ := rec["type"].(string)
			delete(rec, "type")
			got[typ+"s"] = append(got[typ+"s"], rec)
		}
		for _, k := range []string{"packets", "frames", "messages", "connections"} {
			if !reflect.DeepEqual(wholeBy[k], got[k]) {
				t.Errorf("%s: %d %s in lines, %d in the document, or they differ", name, len(got[k]), k, len(wholeBy[k]))
			}
		}
		if len(got) != 4 && len(whole.Frames) > 0 {
			t.Errorf("%s: record types %v", name, len(got))
		}
	}
}

// TestSelect: --packets, --conn and a filter keep the same packets in
// JSON as on a page, with their frames, messages and connections.
func TestSelect(t *testing.T) {
	res := annotateFile(t, "workerman-chat.pcap")
	for _, tc := range []struct {
		name    string
		sel     wsrender.Options
		packets []int
		conns   []int
	}{
		{"packets 12-13", wsrender.Options{First: 12, Last: 13}, []int{12, 13}, []int{2}},
		{"conn 2", wsrender.Options{Conn: 2}, nil, []int{2}},
		{"ws data", wsrender.Options{Filter: func(pi *annotate.PacketInfo) bool { return pi.Phase == annotate.PhaseWSData }}, nil, []int{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, lines := range []bool{false, true} {
				var buf bytes.Buffer
				opts := jsonout.Options{Select: tc.sel.Selects}
				var err error
				if lines {
					err = jsonout.WriteLines(&buf, res, opts)
				} else {
					err = jsonout.Write(&buf, res, opts)
				}
				if err != nil {
					t.Fatal(err)
				}
				var doc jsonout.Document
				if lines {
					for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
						var rec struct{ Type string }
						json.Unmarshal([]byte(l), &rec)
						switch rec.Type {
						case "packet":
							var p jsonout.Packet
							json.Unmarshal([]byte(l), &p)
							doc.Packets = append(doc.Packets, p)
						case "frame":
							var f jsonout.Frame
							json.Unmarshal([]byte(l), &f)
							doc.Frames = append(doc.Frames, f)
						case "message":
							var m jsonout.Message
							json.Unmarshal([]byte(l), &m)
							doc.Messages = append(doc.Messages, m)
						case "connection":
							var c jsonout.Connection
							json.Unmarshal([]byte(l), &c)
							doc.Connections = append(doc.Connections, c)
						}
					}
				} else if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
					t.Fatal(err)
				}
				var nums, conns []int
				kept := map[int]bool{}
				for _, p := range doc.Packets {
					nums = append(nums, p.Number)
					kept[p.Number] = true
					if !tc.sel.Selects(res.Packets[p.Number-1]) {
						t.Errorf("packet %d is not in the selection", p.Number)
					}
				}
				for _, pi := range res.Packets {
					if tc.sel.Selects(pi) && !kept[pi.Number] {
						t.Errorf("lines %v: packet %d left out", lines, pi.Number)
					}
				}
				if tc.packets != nil && !reflect.DeepEqual(nums, tc.packets) {
					t.Errorf("lines %v: packets %v, want %v", lines, nums, tc.packets)
				}
				for _, c := range doc.Connections {
					conns = append(conns, c.ID)
				}
				if !reflect.DeepEqual(conns, tc.conns) {
					t.Errorf("lines %v: connections %v, want %v", lines, conns, tc.conns)
				}
				for _, f := range doc.Frames {
					if !kept[f.Packet] {
						t.Errorf("lines %v: frame %d of packet %d, which is left out", lines, f.Index, f.Packet)
					}
				}
				for _, m := range doc.Messages {
					if !kept[m.Packet] {
						t.Errorf("lines %v: message %d of packet %d, which is left out", lines, m.Index, m.Packet)
					}
				}
			}
		})
	}
}

// TestRedact: the socket.io session id in the upgrade's request target
// (a real capture) is masked in JSON as on pages, unless asked not to.
func TestRedact(t *testing.T) {
	res := annotateFile(t, "socketio-chat.pcap")
	var sid string
	for _, c := range res.Connections {
		if u := c.Upgrade; u != nil {
			if _, v, ok := strings.Cut(u.Path, "sid="); ok {
				sid, _, _ = strings.Cut(v, "&")
			}
		}
	}
	if len(sid) < 8 {
		t.Fatal("no upgrade with a sid in the fixture")
	}
	for _, redact := range []bool{true, false} {
		var doc, lines bytes.Buffer
		if err := jsonout.Write(&doc, res, jsonout.Options{Redact: redact}); err != nil {
			t.Fatal(err)
		}
		if err := jsonout.WriteLines(&lines, res, jsonout.Options{Redact: redact}); err != nil {
			t.Fatal(err)
		}
		var d struct{ Packets, Connections []map[string]any }
		if err := json.Unmarshal(doc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(lines.String()), "\n") {
			var rec map[string]any
			json.Unmarshal([]byte(l), &rec)
			switch rec["type"] {
			case "packet":
				d.Packets = append(d.Packets, rec)
			case "connection":
				d.Connections = append(d.Connections, rec)
			}
		}
		leaks := 0
		for _, c := range d.Connections {
			if u, _ := c["upgrade"].(map[string]any); u != nil && strings.Contains(u["path"].(string), sid) {
				leaks++
			}
		}
		for _, p := range d.Packets {
			if strings.Contains(p["summary"].(string), sid) {
				leaks++
			}
			for _, e := range p["events"].([]any) {
				if s, _ := e.(map[string]any)["path"].(string); strings.Contains(s, sid) {
					leaks++
				}
			}
		}
		if (leaks > 0) == redact || (!redact && leaks < 4) {
			t.Errorf("redact %v: the session id %s shows %d times in paths and packet lines", redact, sid, leaks)
		}
	}
}
