package capture

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pcapHeader returns a little-endian microsecond pcap file header.
func pcapHeader(snaplen, link uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint32(b, snaplen)
	return binary.LittleEndian.AppendUint32(b, link)
}

// pcapRecord returns a record header and data.
func pcapRecord(capLen, origLen uint32, data []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 1700000000)
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, capLen)
	b = binary.LittleEndian.AppendUint32(b, origLen)
	return append(b, data...)
}

// ngSection returns a little-endian Section Header Block and an Interface
// Description Block (EN10MB, the given snap length).
func ngSection(snaplen uint32) []byte {
	le := binary.LittleEndian
	b := le.AppendUint32(nil, blockSectionHeader)
	b = le.AppendUint32(b, 28)
	b = le.AppendUint32(b, byteOrderMagic)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint64(b, ^uint64(0))
	b = le.AppendUint32(b, 28)
	b = le.AppendUint32(b, blockInterface)
	b = le.AppendUint32(b, 20)
	b = le.AppendUint32(b, 1)
	b = le.AppendUint32(b, snaplen)
	return le.AppendUint32(b, 20)
}

// ngBlockHeader returns the type and length of a block.
func ngBlockHeader(btype, length uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, btype)
	return binary.LittleEndian.AppendUint32(b, length)
}

// readUntilError reads all packets and returns their count and the error
// that ended reading, measuring the bytes allocated meanwhile.
func readUntilError(t *testing.T, input []byte) (n int, err error, allocated uint64) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r, err := NewReader(bytes.NewReader(input))
	if err == nil {
		for {
			if _, err = r.Next(); err != nil {
				break
			}
			n++
		}
	}
	runtime.ReadMemStats(&after)
	return n, err, after.TotalAlloc - before.TotalAlloc
}

// TestHostileLengths checks that length fields claiming huge records are
// errors, not allocations.
func TestHostileLengths(t *testing.T) {
	good := pcapRecord(4, 4, []byte{1, 2, 3, 4})
	epb := func(blockLen, capLen uint32) []byte {
		b := ngBlockHeader(blockEnhancedPacket, blockLen)
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = append(b, make([]byte, 8)...)
		b = binary.LittleEndian.AppendUint32(b, capLen)
		b = binary.LittleEndian.AppendUint32(b, capLen)
		b = append(b, make([]byte, 64)...)
		return binary.LittleEndian.AppendUint32(b, blockLen)
	}
	tests := []struct {
		name    string
		input   []byte
		packets int
		want    string // in the error
	}{
		{"pcap record over 256 MiB", append(pcapHeader(0xffffffff, 1), append(good, pcapRecord(0x7fffffff, 0x7fffffff, nil)...)...),
			1, "packet 2 (byte 44): record claims 2147483647 captured bytes, more than the file's snap length (4294967295) allows"},
		{"pcap record over snaplen", append(pcapHeader(1500, 1), pcapRecord(300000, 300000, nil)...),
			0, "record claims 300000 captured bytes, more than the file's snap length (1500) allows"},
		{"pcap record of 200 MiB, file cut", append(pcapHeader(256<<20, 1), pcapRecord(200<<20, 200<<20, make([]byte, 1000))...),
			0, "packet 1 (byte 24): record cut off: 1000 of 209715200 bytes"},
		{"pcapng block over limit", append(ngSection(0), ngBlockHeader(blockEnhancedPacket, 0xfffffff0)...),
			0, "packet 1 (byte 48): Enhanced Packet Block: block length 4294967280 is over the limit"},
		{"pcapng block of 200 MiB, file cut", append(ngSection(0), epb(200<<20, 200<<20)...),
			0, "packet 1 (byte 48): Enhanced Packet Block cut off: 96 of 209715200 bytes"},
		{"pcapng capture length beyond block", append(ngSection(0), epb(96, 1000)...),
			0, "Enhanced Packet Block claims 1000 captured bytes but holds at most 64"},
		{"pcapng block length too small", append(ngSection(0), ngBlockHeader(blockEnhancedPacket, 8)...),
			0, "block length 8 is less than 12"},
		{"pcapng block length odd", append(ngSection(0), ngBlockHeader(5, 13)...),
			0, "block length 13 is not a multiple of 4"},
		{"pcapng undefined interface", append(ngSection(0)[:28], epb(96, 4)...),
			0, "Enhanced Packet Block for interface 0, but the section describes 0"},
		{"pcapng trailer mismatch", append(ngSection(0), append(ngBlockHeader(5, 16), 0, 0, 0, 0, 99, 0, 0, 0)...),
			0, "Interface Statistics Block: total length 99 at the end does not match 16 at the start"},
		{"pcapng section header over limit", append([]byte{0x0a, 0x0d, 0x0d, 0x0a, 0xf0, 0xff, 0xff, 0x7f, 0x4d, 0x3c, 0x2b, 0x1a}, make([]byte, 16)...),
			0, "Section Header Block: block length 2147483632 is over the limit"},
		{"pcapng bad tsresol", func() []byte {
			b := ngSection(0)[:28]
			b = append(b, ngBlockHeader(blockInterface, 28)...)
			b = append(b, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 0xff, 0, 0, 0)
			return append(b, 28, 0, 0, 0)
		}(), 0, "if_tsresol 0xff is out of range"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err, allocated := readUntilError(t, tc.input)
			if n != tc.packets {
				t.Errorf("%d packets before the error, want %d", n, tc.packets)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if allocated > 8<<20 {
				t.Errorf("allocated %d bytes reading %d", allocated, len(tc.input))
			}
		})
	}
}

// TestLargeRecord reads a record larger than the reader's one-piece limit.
func TestLargeRecord(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB
	input := append(pcapHeader(8<<20, 1), pcapRecord(uint32(len(data)), uint32(len(data)), data)...)
	r, err := NewReader(bytes.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Data, data) {
		t.Errorf("large record's data differs")
	}
	if _, err := r.Next(); err != io.EOF {
		t.Errorf("after the record: %v, want io.EOF", err)
	}
}

// TestUnsupportedLinkType checks that an unknown link type is handed out,
// not refused.
func TestUnsupportedLinkType(t *testing.T) {
	input := append(pcapHeader(65535, 147), pcapRecord(4, 4, []byte{1, 2, 3, 4})...)
	r, err := NewReader(bytes.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	p, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if p.LinkType() != 147 || p.LinkType().Supported() || p.LinkType().String() != "LINKTYPE_147" {
		t.Errorf("link type %v", p.LinkType())
	}
}

// FuzzReader feeds arbitrary input to the reader: it must not panic, must
// hand out packets consistent with themselves and must end with io.EOF or an
// *Error.
func FuzzReader(f *testing.F) {
	for _, name := range []string{"lo-en10mb.pcap", "nano.pcap", "bigendian.pcap", "vlan.pcap",
		"spb.pcapng", "sections.pcapng", "comments.pcapng", "lo-en10mb.pcap.gz"} {
		b, err := os.ReadFile(filepath.Join(corpusDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(b[:len(b)/3])
	}
	f.Add(pcapHeader(0, 1))
	f.Add(ngSection(64))
	f.Fuzz(func(t *testing.T, input []byte) {
		r, err := NewReader(bytes.NewReader(input))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("NewReader: %v (%T), want *Error", err, err)
			}
			return
		}
		for n := 1; ; n++ {
			p, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("Next: %v (%T), want *Error", err, err)
				}
				return
			}
			if p.Number != n || p.Interface == nil || len(p.Data) > p.Length {
				t.Fatalf("packet %d: number %d, interface %v, %d of %d bytes", n, p.Number, p.Interface, len(p.Data), p.Length)
			}
			if p.Interface != r.Interfaces()[p.Interface.Index] {
				t.Fatalf("packet %d: interface %d not in Interfaces()", n, p.Interface.Index)
			}
		}
	})
}
