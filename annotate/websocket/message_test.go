package websocket

import (
	"bytes"
	"compress/flate"
	"slices"
	"strings"
	"testing"
)

var deflateDefault = &DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

var deflateNoContext = &DeflateParams{ServerNoContextTakeover: true, ClientNoContextTakeover: true,
	ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}

// RFC 7692 §7.2.3 examples, as frames sent by a server.
func TestPermessageDeflateRFCExamples(t *testing.T) {
	hello := []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}
	tests := []struct {
		name    string
		deflate *DeflateParams
		stream  []byte
		want    []string
		faults  []FaultKind
	}{
		{"7.2.3.1 one frame", deflateDefault, concat([]byte{0xc1, 0x07}, hello), []string{"text:Hello"}, nil},
		{"7.2.3.1 fragmented", deflateDefault,
			concat([]byte{0x41, 0x03, 0xf2, 0x48, 0xcd}, []byte{0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00}),
			[]string{"text:Hello"}, nil},
		{"7.2.3.2 sharing the LZ77 window", deflateDefault,
			concat([]byte{0xc1, 0x07}, hello, []byte{0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00}),
			[]string{"text:Hello", "text:Hello"}, nil},
		{"7.2.3.2 without context takeover", deflateNoContext,
			concat([]byte{0xc1, 0x07}, hello, []byte{0xc1, 0x07}, hello),
			[]string{"text:Hello", "text:Hello"}, nil},
		{"7.2.3.2 back reference without context takeover", deflateNoContext,
			concat([]byte{0xc1, 0x07}, hello, []byte{0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00}),
			[]string{"text:Hello", "text:H"}, []FaultKind{FaultInvalidDeflateData}},
		{"7.2.3.3 stored block", deflateDefault,
			[]byte{0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00},
			[]string{"text:Hello"}, nil},
		{"7.2.3.4 BFINAL set", deflateDefault,
			[]byte{0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00},
			[]string{"text:Hello"}, nil},
		{"7.2.3.5 two DEFLATE blocks", deflateDefault,
			[]byte{0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00},
			[]string{"text:Hello"}, nil},
		{"uncompressed message between compressed ones", deflateDefault,
			concat([]byte{0xc1, 0x07}, hello, rfcHelloUnmasked, []byte{0xc1, 0x05, 0xf2, 0x00, 0x11, 0x00, 0x00}),
			[]string{"text:Hello", "text:Hello", "text:Hello"}, nil},
		{"ping between compressed fragments", deflateDefault,
			concat([]byte{0x41, 0x03, 0xf2, 0x48, 0xcd}, rfcPing, []byte{0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00}),
			[]string{"ping:Hello", "text:Hello"}, nil},
		{"RSV1 without the extension", nil, concat([]byte{0xc1, 0x07}, hello),
			[]string{"text:" + string(hello)}, []FaultKind{FaultReservedBits, FaultInvalidUTF8}},
		{"RSV1 on a continuation", deflateDefault,
			concat([]byte{0x41, 0x03, 0xf2, 0x48, 0xcd}, []byte{0xc0, 0x04, 0xc9, 0xc9, 0x07, 0x00}),
			[]string{"text:Hello"}, []FaultKind{FaultCompressedContinuation}},
		{"RSV1 on a ping", deflateDefault, []byte{0xc9, 0x00}, []string{"ping:"}, []FaultKind{FaultCompressedControl}},
		{"garbage", deflateDefault, []byte{0xc2, 0x03, 0xff, 0xff, 0xff}, []string{"binary:"}, []FaultKind{FaultInvalidDeflateData}},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 3, len(tt.stream)} {
			res := decodeChunked(t, AssemblerOptions{Sender: Server, Deflate: tt.deflate}, tt.stream, chunk)
			if got := messageTexts(res.messages); !slices.Equal(got, tt.want) {
				t.Errorf("%s (chunk %d): messages %q, want %q", tt.name, chunk, got, tt.want)
			}
			if got := faultKinds(res.faults); !slices.Equal(got, tt.faults) {
				t.Errorf("%s (chunk %d): faults %v, want %v", tt.name, chunk, got, tt.faults)
			}
		}
	}
}

func TestMessageFlags(t *testing.T) {
	res := decodeChunked(t, AssemblerOptions{Sender: Server, Deflate: deflateDefault},
		concat([]byte{0x41, 0x03, 0xf2, 0x48, 0xcd}, []byte{0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00}), 100)
	m := res.messages[0]
	if !m.Compressed || m.Fragments != 2 || m.WirePayloadLength != 7 || m.Offset != 0 || m.End != 11 || m.Truncated || m.Incomplete {
		t.Errorf("message %+v", m)
	}
}

func TestMessageAssemblerFaults(t *testing.T) {
	key := [4]byte{9, 8, 7, 6}
	closeFrame := func(code uint16, reason string) []byte {
		return buildFrame(true, 0, OpClose, &key, append([]byte{byte(code >> 8), byte(code)}, reason...))
	}
	text := func(fin bool, op Opcode, s string) []byte { return buildFrame(fin, 0, op, &key, []byte(s)) }
	tests := []struct {
		name   string
		stream []byte
		want   []string
		faults []FaultKind
	}{
		{"continuation without start", text(true, OpContinuation, "x"), nil, []FaultKind{FaultUnexpectedContinuation}},
		{"new message while one is open", concat(text(false, OpText, "a"), text(true, OpBinary, "b")),
			[]string{"binary:b"}, []FaultKind{FaultUnfinishedMessage}},
		{"invalid UTF-8", text(true, OpText, "ab\xffcd"), []string{"text:ab\xffcd"}, []FaultKind{FaultInvalidUTF8}},
		{"UTF-8 split across fragments", concat(text(false, OpText, "大\xe5"), text(true, OpContinuation, "\xae\xb6")),
			[]string{"text:大家"}, nil},
		{"truncated UTF-8 at the end", text(true, OpText, "大\xe5"), []string{"text:大\xe5"}, []FaultKind{FaultInvalidUTF8}},
		{"binary is not UTF-8 checked", text(true, OpBinary, "\xff"), []string{"binary:\xff"}, nil},
		{"RSV2", buildFrame(true, RSV2, OpText, &key, []byte("a")), []string{"text:a"}, []FaultKind{FaultReservedBits}},
		{"close then data", concat(closeFrame(1000, "bye"), text(true, OpText, "late"), closeFrame(1000, "")),
			[]string{"close:\x03\xe8bye", "text:late", "close:\x03\xe8"}, []FaultKind{FaultDataAfterClose, FaultDataAfterClose}},
		{"invalid close code", closeFrame(1005, ""), []string{"close:\x03\xed"}, []FaultKind{FaultInvalidCloseCode}},
		{"invalid close reason", closeFrame(1000, "\xc3"), []string{"close:\x03\xe8\xc3"}, []FaultKind{FaultInvalidCloseReason}},
		{"close of one byte", buildFrame(true, 0, OpClose, &key, []byte{3}), []string{"close:\x03"}, []FaultKind{FaultClosePayloadTooShort}},
		{"reserved data opcode", buildFrame(true, 0, 3, &key, []byte("r")), []string{"reserved-3:r"}, nil},
	}
	for _, tt := range tests {
		res := decodeChunked(t, AssemblerOptions{Sender: Client}, tt.stream, 2)
		if got := messageTexts(res.messages); !slices.Equal(got, tt.want) {
			t.Errorf("%s: messages %q, want %q", tt.name, got, tt.want)
		}
		if got := faultKinds(res.faults); !slices.Equal(got, tt.faults) {
			t.Errorf("%s: faults %v, want %v", tt.name, got, tt.faults)
		}
	}
}

func TestCloseMessage(t *testing.T) {
	key := [4]byte{1, 1, 1, 1}
	res := decodeChunked(t, AssemblerOptions{Sender: Client},
		buildFrame(true, 0, OpClose, &key, append([]byte{0x03, 0xe8}, "see you"...)), 5)
	m := res.messages[0]
	if m.CloseCode != 1000 || m.CloseReason != "see you" || len(m.Faults) != 0 {
		t.Errorf("close message %+v", m)
	}
}

func TestMessageReservedOpcodeFaultFromReader(t *testing.T) {
	res := decodeChunked(t, AssemblerOptions{Sender: Server}, []byte{0x8b, 0x00}, 1)
	if len(res.messages) != 1 || !slices.Equal(faultKinds(res.messages[0].Faults), []FaultKind{FaultReservedOpcode}) {
		t.Errorf("messages %+v", res.messages)
	}
}

func compress(t testing.TB, w *flate.Writer, buf *bytes.Buffer, s []byte) []byte {
	t.Helper()
	buf.Reset()
	if _, err := w.Write(s); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := bytes.Clone(buf.Bytes())
	if !bytes.HasSuffix(out, deflateTail) {
		t.Fatalf("flush did not end with the sync marker")
	}
	return out[:len(out)-4]
}

func TestDecompressionCap(t *testing.T) {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	big := bytes.Repeat([]byte("a"), 100000)
	c1 := compress(t, w, &buf, big)
	c2 := compress(t, w, &buf, []byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) // refers to c1
	c3 := compress(t, w, &buf, []byte("fresh words"))
	stream := concat(buildFrame(true, RSV1, OpBinary, nil, c1), buildFrame(true, RSV1, OpText, nil, c2), buildFrame(true, RSV1, OpText, nil, c3))
	res := decodeChunked(t, AssemblerOptions{Sender: Server, Deflate: deflateDefault, MaxMessageSize: 1000}, stream, 512)
	if len(res.messages) != 3 {
		t.Fatalf("%d messages", len(res.messages))
	}
	if m := res.messages[0]; !m.Truncated || len(m.Payload) != 1000 {
		t.Errorf("capped message: truncated %v, %d bytes", m.Truncated, len(m.Payload))
	}
	// The second message refers to output beyond the cap, which is gone.
	if m := res.messages[1]; !m.Incomplete || len(m.Faults) != 0 {
		t.Errorf("message after the cap: %+v", m)
	}
	// The third one may or may not refer to the lost window; if it decodes,
	// it must decode right.
	if m := res.messages[2]; !m.Incomplete && string(m.Payload) != "fresh words" {
		t.Errorf("third message: %+v", m)
	}

	// The same with a generous cap decodes everything.
	res = decodeChunked(t, AssemblerOptions{Sender: Server, Deflate: deflateDefault}, stream, 512)
	if len(res.messages) != 3 || !bytes.Equal(res.messages[0].Payload, big) || string(res.messages[2].Payload) != "fresh words" {
		t.Errorf("uncapped: %d messages", len(res.messages))
	}
}

func TestDeflateAfterResync(t *testing.T) {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	msgs := []string{"hello hello hello", "hello hello hello again", "hello hello hello and again", "zzz", "hello hello hello once more"}
	var frames [][]byte
	for _, m := range msgs {
		frames = append(frames, buildFrame(true, RSV1, OpText, nil, compress(t, w, &buf, []byte(m))))
	}
	stream := concat(frames...)
	d := newDecoder(t, AssemblerOptions{Sender: Server, Deflate: deflateDefault})
	d.r.Resync()
	start := len(frames[0]) + 1
	d.feed(stream[start:], int64(start))
	d.r.Flush()
	d.drain()
	if len(d.res.messages) != 3 {
		t.Fatalf("messages %q", messageTexts(d.res.messages))
	}
	for i, m := range d.res.messages {
		want := msgs[i+2]
		if !m.Incomplete && string(m.Payload) != want {
			t.Errorf("message %d decoded as %q, want %q or incomplete", i, m.Payload, want)
		}
		if len(m.Faults) != 0 {
			t.Errorf("message %d: faults %v", i, m.Faults)
		}
	}
	if !d.res.messages[0].Incomplete {
		t.Error("a message referring to unseen history is not marked incomplete")
	}
}

func TestInflaterDirect(t *testing.T) {
	z := NewInflater(false, 0)
	out, truncated, err := z.Inflate([]byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})
	if err != nil || truncated || string(out) != "Hello" {
		t.Fatalf("Inflate = %q, %v, %v", out, truncated, err)
	}
	out, _, err = z.Inflate([]byte{0xf2, 0x00, 0x11, 0x00, 0x00})
	if err != nil || string(out) != "Hello" {
		t.Fatalf("second Inflate = %q, %v", out, err)
	}
	// A message cut short decodes as far as it goes.
	if got := z.InflatePrefix([]byte{0xf2, 0x48, 0xcd, 0xc9}); !strings.HasPrefix("Hello", string(got)) {
		t.Errorf("InflatePrefix = %q", got)
	}
}
