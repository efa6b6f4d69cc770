package tcpdump_test

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/tcpdump"
)

// TestSeedLines checks the printer against the lines of the tutorial the
// project started from: `TZ=UTC tcpdump -n -r workerman-chat.pcap | tail -19`.
func TestSeedLines(t *testing.T) {
	want, err := os.ReadFile("../../testdata/workerman-chat.seed-lines.txt")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	p := tcpdump.NewPrinter(&buf, tcpdump.Options{Location: time.UTC})
	for _, pkt := range readAll(t, "../../testdata/workerman-chat.pcap") {
		if err := p.Print(pkt); err != nil {
			t.Fatal(err)
		}
	}
	got := splitLines(buf.String())
	wantLines := splitLines(string(want))
	if len(got) < len(wantLines) {
		t.Fatalf("printed %d lines, want at least %d", len(got), len(wantLines))
	}
	got = got[len(got)-len(wantLines):]
	for i := range wantLines {
		if got[i] != wantLines[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, got[i], wantLines[i])
		}
	}
}

// TestLineThenPrint checks that asking for a packet's line before printing
// it does not advance the relative sequence numbers twice.
func TestLineThenPrint(t *testing.T) {
	pkts := readAll(t, "../../testdata/workerman-chat.pcap")
	var plain, mixed bytes.Buffer
	p := tcpdump.NewPrinter(&plain, tcpdump.Options{Location: time.UTC})
	q := tcpdump.NewPrinter(&mixed, tcpdump.Options{Location: time.UTC})
	for _, pkt := range pkts {
		if err := p.Print(pkt); err != nil {
			t.Fatal(err)
		}
		line := q.Line(pkt)
		if !q.Exact(pkt) {
			t.Errorf("packet %d: not exact", pkt.Number)
		}
		if err := q.Print(pkt); err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(mixed.String(), line+"\n") {
			t.Errorf("packet %d: Line %q is not what Print printed", pkt.Number, line)
		}
	}
	if plain.String() != mixed.String() {
		t.Errorf("Line before Print changed the output")
	}
}

func TestDumps(t *testing.T) {
	data := []byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n\x00\x01\xff\tz\r")
	tests := []struct {
		name, got, want string
	}{
		{"ASCII", tcpdump.ASCII(data), "GET / HTTP/1.1\nHost: a\n\n...\tz"},
		{"ASCII lone CR", tcpdump.ASCII([]byte("a\rb\rc")), "a.bc"},
		{"HexASCII", tcpdump.HexASCII(data),
			"\t0x0000:  4745 5420 2f20 4854 5450 2f31 2e31 0d0a  GET./.HTTP/1.1..\n" +
				"\t0x0010:  486f 7374 3a20 610d 0a0d 0a00 01ff 097a  Host:.a........z\n" +
				"\t0x0020:  0d" + strings.Repeat(" ", 39) + "."},
		{"Hex", tcpdump.Hex(data[:19]),
			"\t0x0000:  4745 5420 2f20 4854 5450 2f31 2e31 0d0a\n" +
				"\t0x0010:  486f 73"},
		{"empty", tcpdump.HexASCII(nil), ""},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestInvalidHeader(t *testing.T) {
	ifc := &capture.Interface{LinkType: capture.LinkTypeEthernet}
	tests := []struct {
		pkt  capture.Packet
		want string
	}{
		{capture.Packet{Interface: ifc, Data: nil, Length: 60}, "[Invalid header: caplen==0]\n"},
		{capture.Packet{Interface: ifc, Data: make([]byte, 10), Length: 0}, "[Invalid header: len==0]\n"},
		{capture.Packet{Interface: ifc, Data: make([]byte, 10), Length: 5}, "[Invalid header: len(5) < caplen(10)]\n"},
		{capture.Packet{Interface: ifc, Data: nil, Length: 0}, "[Invalid header: caplen==0, len==0]\n"},
		{capture.Packet{Interface: ifc, Timestamp: time.Unix(3, 5000), Data: make([]byte, 10), Length: 10},
			"00:00:03.000005  [|ether]\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		p := tcpdump.NewPrinter(&buf, tcpdump.Options{Location: time.UTC, ASCII: true})
		if err := p.Print(&tt.pkt); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("got %q, want %q", buf.String(), tt.want)
		}
	}
}

func TestInterfaceName(t *testing.T) {
	pkts := readAll(t, "../../testdata/chromium-ws-plain-any.pcap")
	p := tcpdump.NewPrinter(io.Discard, tcpdump.Options{
		Location:      time.UTC,
		InterfaceName: func(int) (string, bool) { return "", false },
	})
	line := p.Line(pkts[0])
	if !strings.Contains(line, " ?     ") {
		t.Errorf("unknown interface: %q, want the name printed as tcpdump does, \"?\" padded to 5", line)
	}
	q := tcpdump.NewPrinter(io.Discard, tcpdump.Options{
		Location:      time.UTC,
		InterfaceName: func(i int) (string, bool) { return "eth12345", true },
	})
	if line := q.Line(pkts[0]); !strings.Contains(line, " eth12345 ") {
		t.Errorf("long interface name: %q", line)
	}
}

// FuzzLine checks that no packet makes the printer panic.
func FuzzLine(f *testing.F) {
	for _, file := range []string{"../../testdata/workerman-chat.pcap", "../../testdata/chromium-ws-plain-any.pcap"} {
		for i, pkt := range readAll(f, file) {
			if i < 8 {
				f.Add(uint32(pkt.LinkType()), pkt.Data, pkt.Length)
			}
		}
	}
	f.Fuzz(func(t *testing.T, lt uint32, data []byte, length int) {
		for _, l := range []capture.LinkType{capture.LinkType(lt), capture.LinkTypeEthernet, capture.LinkTypeRaw, capture.LinkTypeLinuxSLL2} {
			pkt := &capture.Packet{Interface: &capture.Interface{LinkType: l}, Data: data, Length: length}
			for _, opts := range []tcpdump.Options{{}, {ASCII: true, LinkHeader: true}, {Hex: true, AbsoluteSeq: true}} {
				opts.InterfaceName = func(int) (string, bool) { return "x", true }
				p := tcpdump.NewPrinter(io.Discard, opts)
				if err := p.Print(pkt); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

// TestPrintAllocs checks that printing the packets of a WebSocket session
// allocates nothing once the printer has seen its conversations: `wstrace
// dump` prints millions of packets, and its speed is mostly in not making
// garbage.
func TestPrintAllocs(t *testing.T) {
	modes := []struct {
		name string
		opts tcpdump.Options
	}{
		{"line", tcpdump.Options{}},
		{"-A", tcpdump.Options{ASCII: true}},
		{"-X", tcpdump.Options{Hex: true}},
		{"-e -S", tcpdump.Options{LinkHeader: true, AbsoluteSeq: true}},
	}
	for _, file := range []string{"../../testdata/chromium-ws-deflate.pcap", "../../testdata/chromium-ws-plain-any.pcap"} {
		pkts := readAll(t, file)
		for _, m := range modes {
			m.opts.Location = time.UTC
			m.opts.InterfaceName = func(int) (string, bool) { return "eth0", true }
			p := tcpdump.NewPrinter(io.Discard, m.opts)
			allocs := testing.AllocsPerRun(10, func() {
				for _, pkt := range pkts {
					if err := p.Print(pkt); err != nil {
						t.Fatal(err)
					}
				}
			})
			if allocs != 0 {
				t.Errorf("%s %s: %v allocations to print %d packets, want 0", file, m.name, allocs, len(pkts))
			}
		}
	}
}
