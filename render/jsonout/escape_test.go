package jsonout

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
)

// wantString is encoding/json's encoding of s (without HTML escaping),
// with DEL and the C1 controls escaped as appendString escapes them.
func wantString(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return escapeControls(bytes.TrimSuffix(buf.Bytes(), []byte{'\n'}))
}

// escapeControls escapes DEL and the C1 controls in encoding/json's
// output, which leaves them raw: Write escapes them (in JSON strings, the
// only place they can be) so that no control character reaches a terminal.
func escapeControls(b []byte) []byte {
	const hex = "0123456789abcdef"
	var out []byte
	for i := 0; i < len(b); i++ {
		switch {
		case b[i] == 0x7f:
			out = append(out, `\u007f`...)
		case b[i] == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] < 0xa0:
			out = append(out, '\\', 'u', '0', '0', hex[b[i+1]>>4], hex[b[i+1]&0xf])
			i++
		default:
			out = append(out, b[i])
		}
	}
	return out
}

// EscapeControls is escapeControls, for the tests of package jsonout_test.
var EscapeControls = escapeControls

// TestAppendString checks appendString, which skips safe bytes eight at a
// time, with every byte that needs care at every position of a run of
// safe ones, and with random bytes.
func TestAppendString(t *testing.T) {
	specials := []string{"\"", "\\", "\x00", "\x1f", "\n", "\x7f", "\x80", "\xff", "é", "\u0085",
		"\u2028", "\u2029", "猪", "\xe7\x8c", "~", " ", "!", "#", "[", "]"}
	var cases []string
	for _, sp := range specials {
		for n := range 20 {
			cases = append(cases, strings.Repeat("a", n)+sp+strings.Repeat("b", 19-n))
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			if rng.IntN(3) == 0 {
				b[i] = byte(rng.IntN(256))
			} else {
				b[i] = byte(0x20 + rng.IntN(0x5f))
			}
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want := wantString(t, s)
		if got := appendString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
		if got := appendString([]byte("x"), []byte(s)); !bytes.Equal(got[1:], want) {
			t.Errorf("appendString([]byte(%q)) = %s, want %s", s, got[1:], want)
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	for _, tc := range []struct{ name, s string }{
		{"ascii", strings.Repeat(`{"type":"say","content":"hello"}`, 64)},
		{"mixed", strings.Repeat(`{"content":"大家好，這是中文訊息"}`, 64)},
		{"long", strings.Repeat("x", 70000)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			buf := make([]byte, 0, 8*len(tc.s))
			b.SetBytes(int64(len(tc.s)))
			for b.Loop() {
				buf = appendString(buf[:0], tc.s)
			}
		})
		b.Run(tc.name+"-bytes", func(b *testing.B) {
			buf := make([]byte, 0, 8*len(tc.s))
			s := []byte(tc.s)
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				buf = appendString(buf[:0], s)
			}
		})
	}
}

// BenchmarkEncodePackets encodes the packets of a real capture, as the
// document does (indented), without writing them anywhere.
func BenchmarkEncodePackets(b *testing.B) {
	r, err := capture.OpenFile(filepath.Join("..", "..", "testdata", "chromium-ws-deflate.pcap"))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	res, err := annotate.Annotate(r, annotate.Options{Location: time.UTC})
	if err != nil {
		b.Fatal(err)
	}
	e := newEncoder(io.Discard, true)
	e.redact = true
	e.depth, e.count = 2, []int{1, 0}
	for b.Loop() {
		for _, p := range res.Packets {
			e.next()
			e.packet(p, []App{})
		}
		e.buf = e.buf[:0]
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(res.Packets)), "ns/pkt")
}

// TestSpillToFile: a document whose frames, messages and connections
// move to temporary files on the way is the one kept in memory.
func TestSpillToFile(t *testing.T) {
	for _, name := range []string{"chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap"} {
		r, err := capture.OpenFile(filepath.Join("..", "..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		var inMemory, spilled bytes.Buffer
		opts := Options{Indent: true, Redact: true}
		mem, file := NewStream(&inMemory, opts), NewStream(&spilled, opts)
		for _, sp := range []*spill{file.frames, file.messages, file.conns} {
			sp.memLimit = 64
		}
		a := annotate.New(annotate.Options{Location: time.UTC, Emit: func(r annotate.Record) error {
			if err := mem.Record(r); err != nil {
				return err
			}
			return file.Record(r)
		}})
		for {
			p, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Add(p); err != nil {
				t.Fatal(err)
			}
		}
		r.Close()
		a.Finish()
		for _, sp := range []*spill{file.frames, file.messages, file.conns} {
			sp.e.flush() // as they would past flushAt
			if sp.file == nil {
				t.Fatalf("%s: %d members stayed in memory", name, sp.n)
			}
		}
		if err := mem.Close(); err != nil {
			t.Fatal(err)
		}
		if err := file.Close(); err != nil {
			t.Fatal(err)
		}
		if inMemory.Len() < 10000 || !bytes.Equal(inMemory.Bytes(), spilled.Bytes()) {
			t.Errorf("%s: %d bytes through temporary files, %d in memory, not the same", name, spilled.Len(), inMemory.Len())
		}
	}
}
