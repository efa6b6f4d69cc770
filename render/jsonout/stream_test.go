package jsonout_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render/jsonout"
)

// encodingJSON is what Write wrote before it streamed: encoding/json's
// encoding of the document Build returns.
func encodingJSON(t testing.TB, res *annotate.Result, opts jsonout.Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if opts.Indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(jsonout.Build(res, opts)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkSameAsEncodingJSON(t *testing.T, name string, res *annotate.Result) {
	t.Helper()
	for _, opts := range []jsonout.Options{{}, {Indent: true}, {FramePayloads: true}, {Indent: true, FramePayloads: true}} {
		var got bytes.Buffer
		if err := jsonout.Write(&got, res, opts); err != nil {
			t.Fatal(err)
		}
		want := jsonout.EscapeControls(encodingJSON(t, res, opts))
		if !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Errorf("%s %+v: output differs from encoding/json at byte %d:\n got %q\nwant %q", name, opts,
				i, got.Bytes()[max(0, i-80):min(got.Len(), i+80)], want[max(0, i-80):min(len(want), i+80)])
		}
	}
}

// TestWriteMatchesEncodingJSON checks that the streaming encoder writes
// every capture of testdata byte for byte as encoding/json writes the
// document.
func TestWriteMatchesEncodingJSON(t *testing.T) {
	var files []string
	for _, pattern := range []string{"*.pcap", "corpus/*.pcap", "corpus/*.pcapng", "corpus/*.gz"} {
		m, err := filepath.Glob(filepath.Join("..", "..", "testdata", pattern))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 3 {
		t.Fatalf("only %d captures in testdata", len(files))
	}
	for _, name := range files {
		r, err := capture.OpenFile(name)
		if err != nil {
			t.Fatal(err)
		}
		res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
		r.Close()
		if err != nil && res == nil {
			t.Fatal(err)
		}
		checkSameAsEncodingJSON(t, filepath.Base(name), res)

		// Without the decoded headers the document is the same.
		r, err = capture.OpenFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lean, err := annotate.Annotate(r, annotate.Options{Location: time.UTC, DropDecoded: true})
		r.Close()
		if err != nil && lean == nil {
			t.Fatal(err)
		}
		var a, b bytes.Buffer
		if err := jsonout.Write(&a, res, jsonout.Options{Indent: true}); err != nil {
			t.Fatal(err)
		}
		if err := jsonout.Write(&b, lean, jsonout.Options{Indent: true}); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: the document differs with DropDecoded", filepath.Base(name))
		}
	}
}

// TestWriteOddValues covers what captures rarely hold: strings that need
// escaping or are not UTF-8, parameter types beyond the documented ones,
// a parameter named "kind", nil lists.
func TestWriteOddValues(t *testing.T) {
	odd := "a\"b\\c\x00\x01\b\f\n\r\t\x1f\x7f\u0080\u009b\u009f\u00a0<>&\u2028\u2029\xff\xfe é 😀 \xe2\x82"
	c := &annotate.Connection{ID: 1, Client: netip.MustParseAddrPort("[::1]:5"), Server: netip.MustParseAddrPort("10.0.0.1:80"),
		RoleBasis: odd, HaveISN: true, ClientISN: 1 << 31, ServerISN: 7,
		Upgrade: &annotate.Upgrade{Method: odd, Protocols: []string{odd, ""}}, Deflate: &annotate.DeflateParams{Raw: odd}}
	fr := &annotate.Frame{Index: 0, Conn: c, Masked: true, MaskKey: [4]byte{0, 0xab, 0x10, 0xff}, PayloadLength: 1<<64 - 1, Payload: []byte(odd), Faults: []string{odd}}
	text := &annotate.Message{Index: 0, Conn: c, Opcode: 1, Text: true, Data: []byte(odd), Frames: []*annotate.Frame{fr}, Time: time.Unix(1, 5).In(time.FixedZone("x", 3600))}
	bin := &annotate.Message{Index: 1, Opcode: 8, Data: []byte{0, 1, 2}, CloseCode: 1000, CloseReason: odd, RelayOf: text, Faults: []string{}}
	text.Relays = []*annotate.Message{bin}
	fr.Message = text
	pi := &annotate.PacketInfo{Number: 1, Conn: c, From: annotate.Server, Summary: odd, Phase: annotate.PhaseWSData,
		Packet: &capture.Packet{Data: []byte{1, 2}, Length: 9},
		Events: []annotate.Event{
			{Kind: "odd", Params: params(
				"s", odd, "b", true, "i", -3, "i64", int64(-1<<63), "u64", uint64(1<<64-1), "u32", uint32(7), "u16", uint16(9), "u8", uint8(1),
				"ints", []int{1, 2, 3}, "noints", []int{}, "nilints", []int(nil), "strs", []string{odd}, "nilstrs", []string(nil),
				"float", 1.5, "map", map[string]any{"z": []any{1, "x", nil}, "a": map[string]int{}}, "nil", nil, "kind", "shadowed",
				odd, "odd name", "", "empty name", "s2", odd,
			)},
			{Kind: "bare"},
			{Kind: annotate.EventKind(odd), Params: annotate.Params{}},
		},
		Fields: []annotate.Field{{Kind: "ws-payload", Frame: fr, Partial: true}, {Kind: "http-header", Name: odd}},
		Frames: []*annotate.Frame{fr}, Messages: []*annotate.Message{text, bin},
	}
	other := &annotate.PacketInfo{Number: 2, Phase: annotate.PhaseOther}
	res := &annotate.Result{Connections: []*annotate.Connection{c, {ID: 2}}, Packets: []*annotate.PacketInfo{pi, other},
		Frames: []*annotate.Frame{fr, {Index: 1}}, Messages: []*annotate.Message{text, bin}}
	checkSameAsEncodingJSON(t, "odd", res)
	checkSameAsEncodingJSON(t, "empty", &annotate.Result{})
}

// params makes parameters from names and values, in that order.
func params(kv ...any) annotate.Params {
	var p annotate.Params
	for i := 0; i+1 < len(kv); i += 2 {
		p.Set(kv[i].(string), kv[i+1])
	}
	return p
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n += len(p); w.n > 100 {
		return 0, io.ErrShortWrite
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	res := annotateFile(t, "workerman-chat.pcap")
	err := jsonout.Write(&failWriter{}, res, jsonout.Options{Indent: true})
	if err == nil || !strings.HasPrefix(err.Error(), "jsonout: ") {
		t.Errorf("Write to a failing writer: %v", err)
	}
}

func BenchmarkWrite(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "chromium-ws-deflate.pcap"))
	if err != nil {
		b.Fatal(err)
	}
	r, err := capture.NewReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := jsonout.Write(io.Discard, res, jsonout.Options{Indent: true}); err != nil {
			b.Fatal(err)
		}
	}
}
