package websocket

import (
	"bytes"
	"errors"
	"testing"
)

func FuzzParseHeader(f *testing.F) {
	for _, b := range [][]byte{rfcHelloUnmasked, rfcHelloMasked, rfc256Header, rfc64KHeader, {0xff, 0xff}, {0x02, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4}} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrShort) || len(b) >= MaxHeaderLength {
				t.Fatalf("ParseHeader(% x): %v", b, err)
			}
			return
		}
		if n != h.HeaderLength || n < 2 || n > MaxHeaderLength || n > len(b) {
			t.Fatalf("ParseHeader(% x): n %d, header %+v", b, n, h)
		}
		if got := AppendHeader(nil, h); !bytes.Equal(got, b[:n]) {
			t.Fatalf("AppendHeader(ParseHeader(% x)) = % x", b[:n], got)
		}
		for _, role := range []Role{0, Client, Server} {
			for _, fault := range h.Faults(role) {
				if fault.Kind == "" || fault.Detail == "" {
					t.Fatalf("empty fault %+v", fault)
				}
			}
		}
	})
}

// FuzzFrameReader feeds arbitrary bytes in an arbitrary chunking, with
// gaps, to a FrameReader and a MessageAssembler with permessage-deflate.
// Nothing may panic, offsets must be consistent, and without gaps the
// chunking must not change the frames.
func FuzzFrameReader(f *testing.F) {
	stream, _ := rfcServerStream()
	f.Add(stream[:300], []byte{3, 7, 1, 200}, false)
	f.Add(concat(rfcHelloMasked, rfcPongMasked, rfcHel, rfcLo), []byte{1}, true)
	f.Add([]byte{0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00}, []byte{2, 5}, false)
	f.Add([]byte{0x41, 0x03, 0xf2, 0x48, 0xcd, 0x89, 0x00, 0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00}, []byte{4, 0x81, 3}, false)
	f.Add([]byte{0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2, 3}, []byte{0}, false)
	f.Fuzz(func(t *testing.T, data, chunking []byte, client bool) {
		role := Server
		if client {
			role = Client
		}
		whole := fuzzDecode(t, role, data, nil)
		cut := fuzzDecode(t, role, data, chunking)
		if !hasGap(chunking) {
			if len(whole) != len(cut) {
				t.Fatalf("%d frames whole, %d in chunks", len(whole), len(cut))
			}
			for i := range whole {
				a, b := whole[i], cut[i]
				if a.Header != b.Header || !bytes.Equal(a.Payload, b.Payload) || a.Offset != b.Offset || a.End != b.End || a.Missing != b.Missing || a.Truncated != b.Truncated {
					t.Fatalf("frame %d differs: %+v vs %+v", i, a, b)
				}
			}
		}
	})
}

// hasGap reports whether a chunking byte asks for a gap (high bit set).
func hasGap(chunking []byte) bool {
	for _, c := range chunking {
		if c&0x80 != 0 {
			return true
		}
	}
	return false
}

// fuzzDecode decodes data in chunks whose sizes come from chunking (cycled;
// a byte with the high bit set also skips that many bytes, low 7 bits).
func fuzzDecode(t *testing.T, role Role, data, chunking []byte) []*Frame {
	r := NewFrameReader(role)
	r.MaxPayload = 1 << 10
	a := NewMessageAssembler(AssemblerOptions{Sender: role, Deflate: &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}, MaxMessageSize: 1 << 12})
	var frames []*Frame
	var last int64 = -1
	drain := func() {
		for {
			f, err := r.Next()
			if errors.Is(err, ErrShort) {
				return
			}
			if err != nil {
				var se *SyncError
				if !errors.As(err, &se) || se.Gap <= 0 {
					t.Fatalf("Next: %v", err)
				}
				continue
			}
			if f.Offset < last || f.PayloadOffset != f.Offset+int64(f.Header.HeaderLength) || f.End < f.PayloadOffset {
				t.Fatalf("bad offsets: %+v after %d", f, last)
			}
			if uint64(len(f.Payload)) > f.Header.PayloadLength || len(f.Payload) > 1<<10 {
				t.Fatalf("payload of %d bytes for length %d", len(f.Payload), f.Header.PayloadLength)
			}
			last = f.End
			frames = append(frames, f)
			if m, _ := a.Add(f); m != nil && len(m.Payload) > 1<<12 {
				t.Fatalf("message of %d bytes over the cap", len(m.Payload))
			}
		}
	}
	off := int64(0)
	if len(chunking) == 0 {
		chunking = []byte{0x7f}
	}
	for i := 0; len(data) > 0; i++ {
		c := chunking[i%len(chunking)]
		n := int(c&0x7f) + 1
		if c&0x80 != 0 && i > 0 {
			skip := min(int(c&0x7f), len(data))
			data = data[skip:]
			off += int64(skip)
		}
		n = min(n, len(data))
		r.Feed(data[:n], off)
		data = data[n:]
		off += int64(n)
		drain()
	}
	r.Flush()
	drain()
	return frames
}

func FuzzLooksLikeFrames(f *testing.F) {
	f.Add(rfcHelloMasked, true)
	f.Add(concat(rfcHel, rfcPing, rfcLo), false)
	f.Fuzz(func(t *testing.T, b []byte, fromClient bool) {
		LooksLikeFrames(b, fromClient)
	})
}

func FuzzParseExtensions(f *testing.F) {
	f.Add("permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate", "permessage-deflate; server_max_window_bits=10")
	f.Add(`x; a="b\"c"`, "")
	f.Fuzz(func(t *testing.T, offer, response string) {
		o, _ := ParseExtensions([]string{offer})
		r, _ := ParseExtensions([]string{response})
		p, _ := NegotiateDeflate(o, r)
		if p != nil && (p.ServerMaxWindowBits < 8 || p.ServerMaxWindowBits > 15 || p.ClientMaxWindowBits < 8 || p.ClientMaxWindowBits > 15) {
			t.Fatalf("window bits out of range: %+v", p)
		}
		for _, e := range r {
			again, err := ParseExtensions([]string{e.String()})
			if err != nil || len(again) != 1 || again[0].String() != e.String() {
				t.Fatalf("String of %+v does not parse back: %q, %v", e, e.String(), err)
			}
		}
	})
}
