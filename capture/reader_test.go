package capture

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/internal/testenv"
)

const corpusDir = "../testdata/corpus"

// wiretapEncap maps link types to the numbers tshark's frame.encap_type
// reports (Wireshark's WTAP_ENCAP_ values).
var wiretapEncap = map[LinkType]string{
	LinkTypeNull:      "15",
	LinkTypeEthernet:  "1",
	LinkTypeRaw:       "7",
	LinkTypeLoop:      "174",
	LinkTypeLinuxSLL:  "25",
	LinkTypeIPv4:      "129",
	LinkTypeIPv6:      "130",
	LinkTypeLinuxSLL2: "210",
}

// corpusFiles lists the capture files the reader is checked against tshark
// with, and the format and interfaces it must report for each.
var corpusFiles = []struct {
	file   string
	format string
	links  []LinkType // link type of each interface, in file order
	names  []string   // if_name of each interface, if the file has names
}{
	{"corpus/lo-en10mb.pcap", "pcap", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/any-sll.pcap", "pcap", []LinkType{LinkTypeLinuxSLL}, nil},
	{"corpus/any-sll2.pcap", "pcap", []LinkType{LinkTypeLinuxSLL2}, nil},
	{"corpus/snap80.pcap", "pcap", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/nano.pcap", "pcap-ns", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/bigendian.pcap", "pcap", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/bigendian-nano.pcap", "pcap-ns", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/null.pcap", "pcap", []LinkType{LinkTypeNull}, nil},
	{"corpus/loop.pcap", "pcap", []LinkType{LinkTypeLoop}, nil},
	{"corpus/raw.pcap", "pcap", []LinkType{LinkTypeRaw}, nil},
	{"corpus/ipv4.pcap", "pcap", []LinkType{LinkTypeIPv4}, nil},
	{"corpus/ipv6.pcap", "pcap", []LinkType{LinkTypeIPv6}, nil},
	{"corpus/veth-misc.pcap", "pcap", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/vlan.pcap", "pcap", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/sack.pcap", "pcap", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/lo-en10mb.pcapng", "pcapng", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/nano.pcapng", "pcapng", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/comments.pcapng", "pcapng", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/two-links.pcapng", "pcapng", []LinkType{LinkTypeEthernet, LinkTypeLinuxSLL2}, nil},
	{"corpus/spb.pcapng", "pcapng", []LinkType{LinkTypeEthernet}, []string{"lo"}},
	{"corpus/sections.pcapng", "pcapng", []LinkType{LinkTypeEthernet, LinkTypeRaw, LinkTypeLinuxSLL2}, []string{"lo", "raw0", "any"}},
	{"corpus/lo-en10mb.pcap.gz", "pcap+gzip", []LinkType{LinkTypeEthernet}, nil},
	{"corpus/comments.pcapng.gz", "pcapng+gzip", []LinkType{LinkTypeEthernet}, nil},
	{"workerman-chat.pcap", "", nil, nil},
	{"chromium-ws-deflate.pcap", "", nil, nil},
	{"chromium-ws-plain-any.pcap", "", nil, nil},
}

// tsharkFrame is one line of tsharkFrames.
type tsharkFrame struct {
	number, timeNS, length, capLen, ifID, encap, comments string
}

// tsharkFrames runs tshark on the file and returns what it says of each
// frame.
func tsharkFrames(t *testing.T, file string) []tsharkFrame {
	t.Helper()
	return tsharkFramesCut(t, file, false)
}

// tsharkFramesCut is tsharkFrames for a file that may be cut short: then
// it returns the frames before the cut.
func tsharkFramesCut(t *testing.T, file string, cutOK bool) []tsharkFrame {
	t.Helper()
	tshark := testenv.NeedTool(t, "tshark")
	cmd := exec.Command(tshark, "-n", "-r", file, "-T", "fields",
		"-E", "separator=/t", "-E", "aggregator=|",
		"-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.len",
		"-e", "frame.cap_len", "-e", "frame.interface_id",
		"-e", "frame.encap_type", "-e", "frame.comment")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil && !(cutOK && bytes.Contains(stderr.Bytes(), []byte("cut short"))) {
		t.Fatalf("tshark -r %s: %v\n%s", file, err, stderr.Bytes())
	}
	var frames []tsharkFrame
	for line := range strings.Lines(string(out)) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(f) != 7 {
			t.Fatalf("tshark line %q: %d fields, want 7", line, len(f))
		}
		frames = append(frames, tsharkFrame{f[0], epochToNS(t, f[1]), f[2], f[3], f[4], f[5], f[6]})
	}
	return frames
}

// epochToNS turns tshark's "1795257147.915573000" into nanoseconds since
// the epoch, exactly ("" stays "").
func epochToNS(t *testing.T, s string) string {
	if s == "" {
		return ""
	}
	sec, frac, _ := strings.Cut(s, ".")
	frac = (frac + "000000000")[:9]
	n, err := strconv.ParseInt(sec+frac, 10, 64)
	if err != nil {
		t.Fatalf("tshark time %q: %v", s, err)
	}
	return strconv.FormatInt(n, 10)
}

// ourFrame describes p the way tsharkFrame does.
func ourFrame(p *Packet) tsharkFrame {
	ts := ""
	if !p.Timestamp.IsZero() {
		ts = strconv.FormatInt(p.Timestamp.UnixNano(), 10)
	}
	return tsharkFrame{
		number:   strconv.Itoa(p.Number),
		timeNS:   ts,
		length:   strconv.Itoa(p.Length),
		capLen:   strconv.Itoa(len(p.Data)),
		ifID:     strconv.Itoa(p.Interface.Index),
		encap:    wiretapEncap[p.LinkType()],
		comments: strings.Join(p.Comments, "|"),
	}
}

// readAll reads every packet of the file with OpenFile.
func readAll(t *testing.T, file string) (*Reader, []*Packet) {
	t.Helper()
	r, err := OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	var pkts []*Packet
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d packets: %v", len(pkts), err)
		}
		pkts = append(pkts, p)
	}
	return r, pkts
}

// TestReaderMatchesTshark reads every corpus file and compares packet
// count, timestamps (to the nanosecond), lengths, interfaces, link types and
// comments with what tshark reports.
func TestReaderMatchesTshark(t *testing.T) {
	for _, tc := range corpusFiles {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join("../testdata", tc.file)
			want := tsharkFrames(t, file)
			r, pkts := readAll(t, file)
			if tc.format != "" && r.Format() != tc.format {
				t.Errorf("Format() = %q, want %q", r.Format(), tc.format)
			}
			if tc.links != nil {
				ifcs := r.Interfaces()
				if len(ifcs) != len(tc.links) {
					t.Fatalf("%d interfaces, want %d", len(ifcs), len(tc.links))
				}
				for i, ifc := range ifcs {
					if ifc.Index != i || ifc.LinkType != tc.links[i] {
						t.Errorf("interface %d: index %d, link type %v; want %d, %v", i, ifc.Index, ifc.LinkType, i, tc.links[i])
					}
					if tc.names != nil && ifc.Name != tc.names[i] {
						t.Errorf("interface %d: name %q, want %q", i, ifc.Name, tc.names[i])
					}
				}
			}
			if len(pkts) != len(want) {
				t.Errorf("%d packets, tshark reads %d", len(pkts), len(want))
			}
			for i := range min(len(pkts), len(want)) {
				got, w := ourFrame(pkts[i]), want[i]
				if w.ifID == "" {
					w.ifID = "0" // pcap files have no interface IDs
				}
				if tc.file == "corpus/sections.pcapng" && pkts[i].Interface.Index == 2 {
					// tshark 4.0 numbers the interfaces of a second section
					// from 0 again; the reader counts through the file.
					w.ifID = "2"
				}
				if got != w {
					t.Errorf("packet %d:\n got %+v\nwant %+v (tshark)", i+1, got, w)
				}
			}
		})
	}
}

// TestReaderDetails checks what tshark's fields do not show: interface
// descriptions, snap lengths and timestamps in UTC.
func TestReaderDetails(t *testing.T) {
	r, pkts := readAll(t, filepath.Join(corpusDir, "sections.pcapng"))
	ifcs := r.Interfaces()
	if got := ifcs[0].Description; got != "loopback, as Ethernet" {
		t.Errorf("if_description = %q", got)
	}
	if ifcs[1].SnapLen != 65535 || ifcs[0].SnapLen != 262144 {
		t.Errorf("snap lengths %d, %d; want 262144, 65535", ifcs[0].SnapLen, ifcs[1].SnapLen)
	}
	if loc := pkts[0].Timestamp.Location(); loc != time.UTC {
		t.Errorf("timestamp location %v, want UTC", loc)
	}
	if got := pkts[3].Comments; len(got) != 2 || got[1] != "second one é" {
		t.Errorf("comments of packet 4: %q", got)
	}

	_, pkts = readAll(t, filepath.Join(corpusDir, "snap80.pcap"))
	cut := 0
	for _, p := range pkts {
		if len(p.Data) > 80 || len(p.Data) > p.Length {
			t.Errorf("packet %d: %d bytes captured of %d, snap length 80", p.Number, len(p.Data), p.Length)
		}
		if len(p.Data) < p.Length {
			cut++
		}
	}
	if cut == 0 {
		t.Error("snap80.pcap: no packet was cut by the snap length")
	}
}

// TestDataStaysValid checks that a packet's Data is not overwritten by later
// calls to Next.
func TestDataStaysValid(t *testing.T) {
	for _, file := range []string{"lo-en10mb.pcap", "sections.pcapng", "comments.pcapng.gz"} {
		raw, err := os.ReadFile(filepath.Join(corpusDir, file))
		if err != nil {
			t.Fatal(err)
		}
		r, err := NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		var pkts []*Packet
		var copies [][]byte
		for {
			p, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			pkts = append(pkts, p)
			copies = append(copies, bytes.Clone(p.Data))
		}
		for i, p := range pkts {
			if !bytes.Equal(p.Data, copies[i]) {
				t.Errorf("%s: packet %d's Data changed after later calls to Next", file, p.Number)
			}
			if cap(p.Data) != len(p.Data) {
				t.Errorf("%s: packet %d: cap(Data) %d > len %d: appending would overwrite", file, p.Number, cap(p.Data), len(p.Data))
			}
		}
	}
}

// TestNotCapture checks the error for input that is no capture file.
func TestNotCapture(t *testing.T) {
	gzGarbage := gzipBytes(t, []byte("<!DOCTYPE html>"))
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"html", []byte("<!DOCTYPE html><html>"), "not a pcap or pcapng file (starts with 3c 21 44 4f)"},
		{"empty", nil, "not a pcap or pcapng file (empty)"},
		{"short", []byte{0xd4, 0xc3}, "not a pcap or pcapng file (only 2 bytes: d4 c3)"},
		{"gzip", gzGarbage, "not a pcap or pcapng file (gzip-compressed, starts with 3c 21 44 4f)"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "gzip: unexpected EOF"},
		{"pcap header cut", []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}, "pcap file header cut off: 8 of 24 bytes"},
		{"pcap version", append([]byte{0xd4, 0xc3, 0xb2, 0xa1, 3, 0, 4, 0}, make([]byte, 16)...), "unsupported pcap version 3.4"},
		{"pcapng header cut", []byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c}, "Section Header Block cut off: 10 of 28 bytes"},
		{"pcapng bad bom", []byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4}, "Section Header Block: bad byte-order magic 01 02 03 04"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tc.input))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("NewReader error %v (%T), want *Error", err, err)
			}
			if err.Error() != tc.want {
				t.Errorf("error %q, want %q", err, tc.want)
			}
		})
	}

	name := filepath.Join(t.TempDir(), "page.html")
	os.WriteFile(name, []byte("<!DOCTYPE html>"), 0o644)
	_, err := OpenFile(name)
	if !errors.Is(err, ErrNotCapture) {
		t.Errorf("OpenFile: %v, want ErrNotCapture", err)
	}
	if want := name + ": not a pcap or pcapng file (starts with 3c 21 44 4f)"; err == nil || err.Error() != want {
		t.Errorf("OpenFile: %v, want %q", err, want)
	}
}

// TestErrorString checks the format of Error.
func TestErrorString(t *testing.T) {
	e := &Error{File: "x.pcap", Packet: 17, Offset: 1234, Err: &cutError{"record", 40, 74}}
	if got, want := e.Error(), "x.pcap: packet 17 (byte 1234): record cut off: 40 of 74 bytes"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if !errors.Is(e, io.ErrUnexpectedEOF) {
		t.Error("a cut record does not wrap io.ErrUnexpectedEOF")
	}
	e = &Error{Offset: 96, Err: errors.New("bad")}
	if got, want := e.Error(), "byte 96: bad"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestTruncated cuts corpus files at many points and checks that the reader
// hands out the packets tshark reads from the same cut file, then an *Error
// for the next packet wrapping io.ErrUnexpectedEOF.
func TestTruncated(t *testing.T) {
	for _, file := range []string{"lo-en10mb.pcap", "lo-en10mb.pcapng", "sections.pcapng", "spb.pcapng"} {
		raw, err := os.ReadFile(filepath.Join(corpusDir, file))
		if err != nil {
			t.Fatal(err)
		}
		for _, cut := range []int{len(raw) - 1, len(raw) - 3, len(raw) - 50, len(raw) / 2, len(raw)/2 + 7, 200, 40} {
			t.Run(fmt.Sprintf("%s/%d", file, cut), func(t *testing.T) {
				t.Parallel()
				name := filepath.Join(t.TempDir(), file)
				if err := os.WriteFile(name, raw[:cut], 0o644); err != nil {
					t.Fatal(err)
				}
				n := 0
				r, err := OpenFile(name)
				want := 0
				if err == nil {
					// (Cut inside the file header, the file is no capture
					// to tshark, which then shows it as one frame of
					// unknown type.)
					want = len(tsharkFramesCut(t, name, true))
					defer r.Close()
					for {
						if _, err = r.Next(); err != nil {
							break
						}
						n++
					}
				}
				if n != want {
					t.Errorf("%d packets before the error, tshark reads %d", n, want)
				}
				var e *Error
				if !errors.As(err, &e) || !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("error %v, want an *Error wrapping io.ErrUnexpectedEOF", err)
				}
				if e.File != name || e.Offset < 0 || e.Offset >= int64(cut) || e.Offset == 0 && n > 0 {
					t.Errorf("error %v: file %q, offset %d of %d", err, e.File, e.Offset, cut)
				}
				if e.Packet != 0 && e.Packet != n+1 {
					t.Errorf("error %v names packet %d; %d were read", err, e.Packet, n)
				}
				if r == nil {
					return
				}
				if _, again := r.Next(); again != err {
					t.Errorf("second Next: %v, want the same error", again)
				}
			})
		}
	}
}

// TestGzipTruncated cuts a gzip-compressed file.
func TestGzipTruncated(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(corpusDir, "lo-en10mb.pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewReader(bytes.NewReader(raw[:len(raw)*2/3]))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for {
		if _, err = r.Next(); err != nil {
			break
		}
		n++
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) || n == 0 {
		t.Errorf("after %d packets: %v, want io.ErrUnexpectedEOF after some packets", n, err)
	}
}
