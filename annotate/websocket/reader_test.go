package websocket

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// rfcStream is every RFC 6455 §5.7 example in a row as a server would send
// them (the masked ones excluded), with the 256-byte and 64 KiB frames.
func rfcServerStream() (stream []byte, payloads [][]byte) {
	p256 := bytes.Repeat([]byte{0xab}, 256)
	p64k := make([]byte, 65536)
	for i := range p64k {
		p64k[i] = byte(i)
	}
	stream = concat(rfcHelloUnmasked, rfcHel, rfcPing, rfcLo, rfc256Header, p256, rfc64KHeader, p64k)
	payloads = [][]byte{[]byte("Hello"), []byte("Hel"), []byte("Hello"), []byte("lo"), p256, p64k}
	return stream, payloads
}

func TestFrameReaderRFCExamples(t *testing.T) {
	stream, payloads := rfcServerStream()
	for _, chunk := range []int{1, 2, 3, 7, 100, 1500, len(stream)} {
		res := decodeChunked(t, AssemblerOptions{Sender: Server}, stream, chunk)
		if len(res.frames) != len(payloads) {
			t.Fatalf("chunk %d: %d frames, want %d", chunk, len(res.frames), len(payloads))
		}
		off := int64(0)
		for i, f := range res.frames {
			if !bytes.Equal(f.Payload, payloads[i]) || !f.Complete() || len(f.Faults) > 0 {
				t.Errorf("chunk %d frame %d: payload %d bytes, complete %v, faults %v", chunk, i, len(f.Payload), f.Complete(), f.Faults)
			}
			if f.Offset != off || f.PayloadOffset != off+int64(f.Header.HeaderLength) || f.End != f.PayloadOffset+int64(len(payloads[i])) {
				t.Errorf("chunk %d frame %d: offsets %d %d %d", chunk, i, f.Offset, f.PayloadOffset, f.End)
			}
			off = f.End
		}
		want := []string{"text:Hello", "ping:Hello", "text:Hello"}
		if got := messageTexts(res.messages[:3]); !slices.Equal(got, want) {
			t.Errorf("chunk %d: messages %q, want %q", chunk, got, want)
		}
		if m := res.messages[2]; m.Fragments != 2 || m.WirePayloadLength != 5 || m.Offset != 7 || m.End != 23 {
			t.Errorf("fragmented message: %+v", m)
		}
		if len(res.messages) != 5 || len(res.faults) != 0 {
			t.Errorf("chunk %d: %d messages, faults %v", chunk, len(res.messages), res.faults)
		}
	}
}

func TestFrameReaderMasked(t *testing.T) {
	stream := concat(rfcHelloMasked, rfcPongMasked)
	res := decodeChunked(t, AssemblerOptions{Sender: Client}, stream, 1)
	if got, want := messageTexts(res.messages), []string{"text:Hello", "pong:Hello"}; !slices.Equal(got, want) {
		t.Errorf("messages %q, want %q", got, want)
	}
	// The same bytes from a server are faulty but decode all the same.
	res = decodeChunked(t, AssemblerOptions{Sender: Server}, stream, 4)
	if len(res.messages) != 2 || string(res.messages[0].Payload) != "Hello" {
		t.Fatalf("messages %q", messageTexts(res.messages))
	}
	if got := faultKinds(res.messages[0].Faults); !slices.Equal(got, []FaultKind{FaultMaskedServerFrame}) {
		t.Errorf("faults %v", got)
	}
}

func TestFrameReaderMaxPayload(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 100)
	stream := concat(buildFrame(true, 0, OpBinary, nil, big), rfcHelloUnmasked)
	d := newDecoder(t, AssemblerOptions{Sender: Server})
	d.r.MaxPayload = 10
	for i := range stream {
		d.feed(stream[i:i+1], int64(i))
	}
	fs := d.res.frames
	if len(fs) != 2 || !fs[0].Truncated || len(fs[0].Payload) != 10 || fs[0].Header.PayloadLength != 100 {
		t.Fatalf("frames: %+v", fs)
	}
	if string(fs[1].Payload) != "Hello" || fs[1].Offset != 102 {
		t.Errorf("frame after the truncated one: %+v", fs[1])
	}
	if m := d.res.messages[0]; !m.Truncated || len(m.Payload) != 10 {
		t.Errorf("message of truncated frame: %+v", m)
	}
}

// A length field claiming far more than arrives allocates only for what
// arrives.
func TestFrameReaderNoAllocationFromLength(t *testing.T) {
	hdr := []byte{0x82, 0x7f, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00} // 2^44 bytes
	r := NewFrameReader(Server)
	r.Feed(hdr, 0)
	r.Feed([]byte("abc"), 10)
	r.Flush()
	f, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if cap(f.Payload) > 64 || f.Missing != 1<<44-3 || f.End != 10+1<<44 {
		t.Errorf("payload cap %d, missing %d, end %d", cap(f.Payload), f.Missing, f.End)
	}
	// The top bit set: the end saturates instead of overflowing.
	r = NewFrameReader(Server)
	r.Feed([]byte{0x82, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1, 2}, 0)
	r.Flush()
	f, _ = r.Next()
	if f == nil || f.End != 1<<63-1 || !slices.Contains(faultKinds(f.Faults), FaultLengthTopBit) {
		t.Errorf("frame with top bit: %+v", f)
	}
}

func TestFrameReaderGaps(t *testing.T) {
	a := buildFrame(true, 0, OpText, nil, []byte("first message"))   // 15 bytes
	b := buildFrame(true, 0, OpText, nil, []byte("second message!")) // 17 bytes
	c := buildFrame(true, 0, OpText, nil, []byte("third"))
	e := buildFrame(true, 0, OpText, nil, []byte("fourth"))
	g := buildFrame(true, 0, OpText, nil, []byte("fifth"))
	stream := concat(a, b, c, e, g)

	t.Run("inside a payload", func(t *testing.T) {
		d := newDecoder(t, AssemblerOptions{Sender: Server})
		d.feed(stream[:5], 0)
		d.feed(stream[8:], 8) // bytes 5..7 of "first message" missing
		fs := d.res.frames
		if len(fs) != 5 || len(d.res.syncErrs) != 0 {
			t.Fatalf("%d frames, sync errors %v", len(fs), d.res.syncErrs)
		}
		if fs[0].Missing != 3 || string(fs[0].Payload) != "fir" || fs[0].Complete() {
			t.Errorf("frame with gap: missing %d payload %q", fs[0].Missing, fs[0].Payload)
		}
		if m := d.res.messages[0]; !m.Incomplete || len(m.Faults) != 0 {
			t.Errorf("message with gap: %+v", m)
		}
		if string(fs[1].Payload) != "second message!" {
			t.Errorf("next frame %q", fs[1].Payload)
		}
	})

	t.Run("ending at a frame boundary", func(t *testing.T) {
		d := newDecoder(t, AssemblerOptions{Sender: Server})
		d.feed(stream[:5], 0)
		d.r.Skip(int64(len(a) - 5))
		d.feed(stream[len(a):], int64(len(a)))
		if len(d.res.frames) != 5 || len(d.res.syncErrs) != 0 || d.res.frames[0].Missing != 10 {
			t.Fatalf("%d frames, sync errors %v", len(d.res.frames), d.res.syncErrs)
		}
	})

	t.Run("across a frame boundary", func(t *testing.T) {
		d := newDecoder(t, AssemblerOptions{Sender: Server})
		d.feed(stream[:5], 0)
		d.feed(stream[len(a)+3:], int64(len(a)+3)) // loses the end of a and the start of b
		if len(d.res.syncErrs) != 1 || d.res.syncErrs[0].Offset != int64(len(a)) || d.res.syncErrs[0].Gap != 3 {
			t.Fatalf("sync errors %v", d.res.syncErrs)
		}
		if !errors.Is(d.res.syncErrs[0], ErrLostSync) {
			t.Error("SyncError does not wrap ErrLostSync")
		}
		fs := d.res.frames
		if len(fs) != 4 || fs[0].Missing != 10 {
			t.Fatalf("frames %d", len(fs))
		}
		if !fs[1].Resynced || fs[1].Offset != int64(len(a)+len(b)) || string(fs[1].Payload) != "third" {
			t.Errorf("first frame after resync: %+v", fs[1])
		}
		if fs[2].Resynced || string(fs[3].Payload) != "fifth" {
			t.Errorf("later frames: %+v %+v", fs[2], fs[3])
		}
	})

	t.Run("inside a header", func(t *testing.T) {
		d := newDecoder(t, AssemblerOptions{Sender: Server})
		d.feed(stream[:len(a)+1], 0)
		d.r.Skip(1)
		d.feed(stream[len(a)+2:], int64(len(a)+2))
		if len(d.res.syncErrs) != 1 || d.res.syncErrs[0].Offset != int64(len(a)) {
			t.Fatalf("sync errors %v", d.res.syncErrs)
		}
		if len(d.res.frames) != 4 || string(d.res.frames[1].Payload) != "third" {
			t.Errorf("frames %d", len(d.res.frames))
		}
	})

	t.Run("resync waits for evidence, flush accepts less", func(t *testing.T) {
		d := newDecoder(t, AssemblerOptions{Sender: Server})
		d.feed(stream[:5], 0)
		d.feed(stream[len(a)+3:len(a)+len(b)+len(c)], int64(len(a)+3)) // only "third" after the gap
		if len(d.res.frames) != 1 {
			t.Fatalf("frames before flush: %d", len(d.res.frames))
		}
		d.r.Flush()
		d.drain()
		if len(d.res.frames) != 2 || string(d.res.frames[1].Payload) != "third" {
			t.Errorf("frames after flush: %d", len(d.res.frames))
		}
	})

	t.Run("retransmission", func(t *testing.T) {
		d := newDecoder(t, AssemblerOptions{Sender: Server})
		d.feed(stream[:20], 0)
		d.feed(stream[10:30], 10)
		d.feed(stream[:5], 0)
		d.feed(stream[30:], 30)
		if len(d.res.frames) != 5 || len(d.res.syncErrs) != 0 || d.res.frames[0].Missing != 0 {
			t.Errorf("frames %d, sync errors %v", len(d.res.frames), d.res.syncErrs)
		}
	})
}

func TestFrameReaderResyncMidSession(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	var stream []byte
	for _, s := range []string{"one", "two", "three", "four"} {
		stream = append(stream, buildFrame(true, 0, OpText, &key, []byte(s))...)
	}
	start := 4 // inside the first frame's masking key
	d := newDecoder(t, AssemblerOptions{Sender: Client})
	d.r.Resync()
	d.feed(stream[start:], 100)
	d.r.Flush()
	d.drain()
	if got, want := messageTexts(d.res.messages), []string{"text:two", "text:three", "text:four"}; !slices.Equal(got, want) {
		t.Errorf("messages %q, want %q", got, want)
	}
	if f := d.res.frames[0]; !f.Resynced || f.Offset != 100+int64(len(stream[:9])-start) {
		t.Errorf("first frame %+v", f)
	}
}

func TestFrameReaderFlushPartial(t *testing.T) {
	r := NewFrameReader(Server)
	r.Feed(rfcHelloUnmasked[:4], 0)
	r.Flush()
	f, err := r.Next()
	if err != nil || f.Missing != 3 || string(f.Payload) != "He" {
		t.Errorf("Next = %+v, %v", f, err)
	}
	if _, err := r.Next(); !errors.Is(err, ErrShort) {
		t.Errorf("Next after the last frame: %v", err)
	}
}
