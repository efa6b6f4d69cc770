package safewriter

import (
	"bytes"
	"io"
	"testing"
)

func TestWriter(t *testing.T) {
	cases := []struct {
		in, want string
		allow    []string
	}{
		{"plain\ttext\n", "plain\ttext\n", nil},
		{"a\x1b]0;title\x07b", `a\x1b]0;title\x07b`, nil},
		{"\r\x00\x7f", `\r\x00\x7f`, nil},
		{"csi \u009b31m", `csi \x9b31m`, nil},
		{"中文 é \u00a0", "中文 é \u00a0", nil},
		{"\x1b[1mbold\x1b[0m \x1b[31m", "\x1b[1mbold\x1b[0m \\x1b[31m", []string{"\x1b[1m", "\x1b[0m"}},
		{"cut \x1b[", `cut \x1b[`, []string{"\x1b[1m"}},
		{"lone \xc2", "lone \xc2", nil},
	}
	for _, c := range cases {
		// Whole, and one byte at a time, so that every split is tried.
		for _, split := range []bool{false, true} {
			var buf bytes.Buffer
			w := New(&buf, c.allow...)
			if split {
				for i := range len(c.in) {
					w.Write([]byte{c.in[i]})
				}
			} else {
				w.Write([]byte(c.in))
			}
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := buf.String(); got != c.want {
				t.Errorf("%q (split %v): got %q, want %q", c.in, split, got, c.want)
			}
		}
	}
}

// BenchmarkWriter measures the escaping step on page-like text (mostly
// printable, some UTF-8, a control character now and then).
func BenchmarkWriter(b *testing.B) {
	chunk := bytes.Repeat([]byte("17:48:49.310022 IP 127.0.0.1.60584 > 127.0.0.1.7272: Flags [P.] 中文 \x1b]0;x\x07\n"), 512)
	w := New(io.Discard)
	b.SetBytes(int64(len(chunk)))
	for b.Loop() {
		w.Write(chunk)
	}
}
