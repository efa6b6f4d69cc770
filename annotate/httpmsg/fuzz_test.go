package httpmsg

import (
	"errors"
	"reflect"
	"testing"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{rfcRequest, rfcResponse, "GET / HTTP/1.1\nA: b\n c\n\n", "\r\nHTTP/1.1 200\r\n\r\n", "\x16\x03\x01"} {
		f.Add([]byte(s))
	}
}

// checkHead holds for both parsers: n is within b, the head parses the same
// from b[:n], every proper prefix of it is incomplete, and field offsets
// lie inside the head.
func checkHead(t *testing.T, b []byte, parse func([]byte) (any, Header, int, error)) {
	v, h, n, err := parse(b)
	if err != nil {
		if !errors.Is(err, ErrIncomplete) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	if n <= 0 || n > len(b) || n > DefaultMaxHeadLength {
		t.Fatalf("n = %d for %d bytes", n, len(b))
	}
	v2, _, n2, err := parse(b[:n])
	if err != nil || n2 != n || !reflect.DeepEqual(v, v2) {
		t.Fatalf("head does not parse alone: %v", err)
	}
	for i := 0; i < n; i++ {
		if _, _, _, err := parse(b[:i]); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("prefix of %d bytes of a valid head: %v", i, err)
		}
	}
	for _, f := range h {
		if f.Offset < 0 || f.Length <= 0 || f.Offset+f.Length > n || f.Name == "" {
			t.Fatalf("field %+v outside head of %d bytes", f, n)
		}
	}
	BodyLength(h)
	h.Tokens("Connection")
}

func FuzzParseRequestHead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHead(t, b, func(b []byte) (any, Header, int, error) {
			r, n, err := ParseRequestHead(b)
			if err != nil {
				return nil, nil, n, err
			}
			return r, r.Header, n, err
		})
		LooksLikeRequest(b)
	})
}

func FuzzParseResponseHead(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		checkHead(t, b, func(b []byte) (any, Header, int, error) {
			r, n, err := ParseResponseHead(b)
			if err != nil {
				return nil, nil, n, err
			}
			return r, r.Header, n, err
		})
		LooksLikeResponse(b)
	})
}

func FuzzChunkedBody(f *testing.F) {
	f.Add([]byte("4\r\nWiki\r\n0\r\n\r\n"), uint8(3))
	f.Fuzz(func(t *testing.T, b []byte, step uint8) {
		size := int(step%16) + 1
		var whole, cut ChunkedBody
		n1, done1, err1 := whole.Consume(b)
		total, done2 := 0, false
		var err2 error
		for off := 0; off < len(b) && !done2 && err2 == nil; off += size {
			var n int
			n, done2, err2 = cut.Consume(b[off:min(off+size, len(b))])
			total += n
		}
		if n1 > len(b) || (err1 == nil) != (err2 == nil) || (err1 == nil && (done1 != done2 || n1 != total)) {
			t.Fatalf("whole: %d %v %v; in %d-byte pieces: %d %v %v", n1, done1, err1, size, total, done2, err2)
		}
	})
}
