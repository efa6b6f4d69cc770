package capture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/internal/testenv"
)

// writeNg reads every packet of src, lets edit change it, and writes it
// with an NgWriter to a new file, whose name it returns.
func writeNg(t *testing.T, src string, opts NgWriterOptions, edit func(*Packet)) string {
	t.Helper()
	_, pkts := readAll(t, src)
	name := filepath.Join(t.TempDir(), "out.pcapng")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := NewNgWriter(f, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if edit != nil {
			edit(p)
		}
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return name
}

// TestNgWriterTshark writes a two-link-type capture with comments and checks
// with tshark that every packet, interface and comment comes through.
func TestNgWriterTshark(t *testing.T) {
	src := filepath.Join(corpusDir, "two-links.pcapng")
	comments := map[int][]string{
		1:  {"first packet"},
		5:  {"two comments", "the second: naïve ✓"},
		40: {"a packet on the LINUX_SLL2 interface"},
	}
	out := writeNg(t, src, NgWriterOptions{Application: "wstrace test", Comment: "round trip"}, func(p *Packet) {
		p.Comments = comments[p.Number]
	})
	want := tsharkFrames(t, src)
	got := tsharkFrames(t, out)
	if len(got) != len(want) {
		t.Fatalf("tshark reads %d packets from our file, %d from the original", len(got), len(want))
	}
	for i := range got {
		w := want[i]
		w.comments = strings.Join(comments[i+1], "|")
		if got[i] != w {
			t.Errorf("packet %d:\n got %+v\nwant %+v", i+1, got[i], w)
		}
	}

	capinfos := testenv.NeedTool(t, "capinfos")
	info, err := exec.Command(capinfos, out).CombinedOutput()
	if err != nil {
		t.Fatalf("capinfos: %v\n%s", err, info)
	}
	for _, line := range []string{"Capture application: wstrace test", "Capture comment:     round trip", "Number of interfaces in file: 2"} {
		if !strings.Contains(string(info), line) {
			t.Errorf("capinfos does not say %q:\n%s", line, info)
		}
	}
}

// TestNgWriterTcpdump checks that tcpdump prints our pcapng copy of a
// capture exactly as it prints the original, to the nanosecond.
func TestNgWriterTcpdump(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	for _, file := range []string{"nano.pcap", "snap80.pcap", "vlan.pcap", "any-sll2.pcap"} {
		src := filepath.Join(corpusDir, file)
		out := writeNg(t, src, NgWriterOptions{}, nil)
		tcpdumpOut := func(name string) string {
			b, err := exec.Command(tcpdump, "-n", "-v", "--time-stamp-precision=nano", "-r", name).Output()
			if err != nil {
				t.Fatalf("tcpdump -r %s: %v", name, err)
			}
			return string(b)
		}
		want, got := tcpdumpOut(src), tcpdumpOut(out)
		if got != want {
			t.Errorf("%s: tcpdump prints our pcapng copy differently:\n got %s\nwant %s", file, got, want)
		}
		if strings.Count(want, "\n") < 10 {
			t.Errorf("%s: tcpdump printed only %q", file, want)
		}
	}
}

// recorder records each Write call.
type recorder struct {
	all    bytes.Buffer
	writes int
}

func (r *recorder) Write(b []byte) (int, error) {
	r.writes++
	return r.all.Write(b)
}

// TestNgWriterPrompt checks that every packet reaches the writer, as
// complete blocks, when WritePacket returns, and that interfaces are told
// apart by Index.
func TestNgWriterPrompt(t *testing.T) {
	var rec recorder
	w, err := NewNgWriter(&rec, NgWriterOptions{Application: "test"})
	if err != nil {
		t.Fatal(err)
	}
	eth := &Interface{Index: 0, Name: "eth0", LinkType: LinkTypeEthernet, SnapLen: 65535}
	ethCopy := *eth // the same interface by Index
	sll2 := &Interface{Index: 3, Name: "any", Description: "all of them", LinkType: LinkTypeLinuxSLL2}
	start := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	pkts := []*Packet{
		{Number: 1, Timestamp: start, Interface: eth, Data: []byte("abcdefgh"), Length: 8},
		{Number: 2, Timestamp: start.Add(time.Nanosecond), Interface: sll2, Data: []byte("xyz"), Length: 100, Comments: []string{"cut"}},
		{Number: 3, Timestamp: start.Add(time.Second), Interface: &ethCopy, Data: nil, Length: 0},
	}
	for i, p := range pkts {
		before := rec.writes
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
		if rec.writes != before+1 {
			t.Errorf("packet %d: %d Write calls, want 1", p.Number, rec.writes-before)
		}
		r, err := NewReader(bytes.NewReader(rec.all.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j <= i; j++ {
			got, err := r.Next()
			if err != nil {
				t.Fatalf("after packet %d: reading packet %d back: %v", i+1, j+1, err)
			}
			want := pkts[j]
			if !got.Timestamp.Equal(want.Timestamp) || !bytes.Equal(got.Data, want.Data) || got.Length != want.Length ||
				strings.Join(got.Comments, "|") != strings.Join(want.Comments, "|") ||
				got.Interface.Name != want.Interface.Name || got.LinkType() != want.LinkType() {
				t.Errorf("packet %d read back as %+v, want %+v", j+1, got, want)
			}
		}
		if _, err := r.Next(); err != io.EOF {
			t.Errorf("after packet %d: %v, want io.EOF", i+1, err)
		}
		if i == len(pkts)-1 {
			ifcs := r.Interfaces()
			if len(ifcs) != 2 || ifcs[1].Description != "all of them" || ifcs[0].SnapLen != 65535 {
				t.Errorf("interfaces read back: %+v %+v", ifcs[0], ifcs[len(ifcs)-1])
			}
		}
	}

	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	w, err = NewNgWriter(bw, NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.WritePacket(pkts[0])
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		t.Error("Flush did not flush the bufio.Writer")
	}
}

func ExampleNgWriter() {
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, NgWriterOptions{Application: "example"})
	if err != nil {
		panic(err)
	}
	lo := &Interface{Name: "lo", LinkType: LinkTypeRaw}
	w.WritePacket(&Packet{
		Number:    1,
		Timestamp: time.Unix(1700000000, 123456789),
		Interface: lo,
		Data:      []byte{0x45, 0, 0, 20},
		Length:    20,
		Comments:  []string{"hello"},
	})

	r, err := NewReader(&buf)
	if err != nil {
		panic(err)
	}
	p, err := r.Next()
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Format(), p.Number, p.Timestamp.Format(time.RFC3339Nano), p.LinkType(), p.Interface.Name, len(p.Data), p.Length, p.Comments)
	// Output: pcapng 1 2023-11-14T22:13:20.123456789Z RAW lo 4 20 [hello]
}

// TestNgWriterEmpty checks that a file with an interface and no packet is
// one tcpdump reads (it refuses a pcapng file without an interface).
func TestNgWriterEmpty(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	path := filepath.Join(t.TempDir(), "empty.pcapng")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewNgWriter(f, NgWriterOptions{Application: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ifc := &Interface{Name: "lo", LinkType: LinkTypeEthernet, SnapLen: 262144}
	for range 2 { // the second call writes nothing
		if err := w.WriteInterface(ifc); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tcpdump, "-n", "-r", path).CombinedOutput()
	if err != nil {
		t.Fatalf("tcpdump -r of an empty capture: %v\n%s", err, out)
	}
	r, err := OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("Next = %v, want io.EOF", err)
	}
	if n := len(r.Interfaces()); n != 1 {
		t.Fatalf("%d interfaces, want 1", n)
	}
}
