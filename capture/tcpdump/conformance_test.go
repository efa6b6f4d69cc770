package tcpdump_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/tcpdump"
	"github.com/wstrace/wstrace/internal/testenv"
)

// captureFiles lists the capture files the conformance test runs tcpdump on.
func captureFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{
		"../../testdata/*.pcap", "../../testdata/*.pcapng", "../../testdata/*.gz",
		"../../testdata/corpus/*.pcap", "../../testdata/corpus/*.pcapng", "../../testdata/corpus/*.gz",
	} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no capture files in testdata")
	}
	return files
}

// modes are the tcpdump flags the conformance test compares, with the
// options that mirror them.
var modes = []struct {
	flags []string
	opts  tcpdump.Options
}{
	{nil, tcpdump.Options{}},
	{[]string{"-A"}, tcpdump.Options{ASCII: true}},
	{[]string{"-X"}, tcpdump.Options{Hex: true}},
	{[]string{"-x"}, tcpdump.Options{HexOnly: true}},
	{[]string{"-e"}, tcpdump.Options{LinkHeader: true}},
	{[]string{"-S"}, tcpdump.Options{AbsoluteSeq: true}},
	{[]string{"-AA"}, tcpdump.Options{ASCII: true, DumpLinkHeader: true}},
	{[]string{"-XX"}, tcpdump.Options{Hex: true, DumpLinkHeader: true}},
	{[]string{"-e", "-X", "-S"}, tcpdump.Options{LinkHeader: true, Hex: true, AbsoluteSeq: true}},
	{[]string{"-tt"}, tcpdump.Options{Time: tcpdump.TimeUnix}},
	{[]string{"-ttt"}, tcpdump.Options{Time: tcpdump.TimeDelta}},
	{[]string{"-tttt"}, tcpdump.Options{Time: tcpdump.TimeDate}},
	{[]string{"-ttttt"}, tcpdump.Options{Time: tcpdump.TimeSinceFirst}},
	{[]string{"-t", "-A"}, tcpdump.Options{Time: tcpdump.TimeNone, ASCII: true}},
	{[]string{"--nano"}, tcpdump.Options{Nano: true}},
	{[]string{"--nano", "-ttt"}, tcpdump.Options{Nano: true, Time: tcpdump.TimeDelta}},
}

// TestConformance runs tcpdump 4.99 on every capture in testdata in several
// modes and requires the printer's output to be identical, line for line,
// for every packet the printer claims to print exactly.
func TestConformance(t *testing.T) {
	tool := testenv.NeedTool(t, "tcpdump")
	if out, err := exec.Command(tool, "--version").CombinedOutput(); err != nil || !bytes.Contains(out, []byte("tcpdump version 4.99")) {
		testenv.Missing(t, "the conformance test needs tcpdump 4.99, found: %s %v", firstLine(string(out)), err)
	}
	var total, same, inexact int
	for _, file := range captureFiles(t) {
		name := strings.TrimPrefix(file, "../../testdata/")
		t.Run(name, func(t *testing.T) {
			input := file
			if strings.HasSuffix(file, ".gz") {
				input = gunzip(t, file)
			}
			parts := []part{{name, input, readAll(t, file)}}
			if _, err := runTcpdump(tool, input, nil); err != nil {
				// libpcap reads no pcapng file whose interfaces differ
				// in link type: compare each interface's packets.
				t.Logf("%s: %v; comparing each interface on its own", name, err)
				parts = splitByInterface(t, input, parts[0].pkts)
			}
			for _, pt := range parts {
				for _, m := range modes {
					flags := strings.Join(m.flags, " ")
					want, err := runTcpdump(tool, pt.file, m.flags)
					if err != nil {
						t.Fatalf("%s: tcpdump %s: %v", pt.name, flags, err)
					}
					r := compare(t, pt.name, flags, m.opts, pt.pkts, want)
					total += r.total
					same += r.same
					inexact += r.inexactPackets
					t.Logf("%-8s %-12s identical lines %d/%d (packets %d, not exact %d)",
						pt.name, flags, r.same, r.total, r.packets, r.inexactPackets)
				}
			}
		})
	}
	t.Logf("all files and modes: identical lines %d/%d; packets the printer does not claim exact: %d", same, total, inexact)
}

// part is a capture file for tcpdump and the packets it holds, as the
// capture package reads them.
type part struct {
	name string
	file string
	pkts []*capture.Packet
}

// splitByInterface writes the packets of each interface of a pcapng file to
// a pcap file of their own, for tcpdump. Only the framing is written here:
// the packet bytes are the capture's.
func splitByInterface(t *testing.T, file string, pkts []*capture.Packet) []part {
	t.Helper()
	byIndex := map[int][]*capture.Packet{}
	var indexes []int
	for _, p := range pkts {
		i := p.Interface.Index
		if byIndex[i] == nil {
			indexes = append(indexes, i)
		}
		byIndex[i] = append(byIndex[i], p)
	}
	var parts []part
	for _, i := range indexes {
		out := filepath.Join(t.TempDir(), fmt.Sprintf("if%d.pcap", i))
		writePcap(t, out, byIndex[i])
		parts = append(parts, part{fmt.Sprintf("%s#if%d", filepath.Base(file), i), out, byIndex[i]})
	}
	return parts
}

// writePcap writes packets of one link type as a nanosecond pcap file.
func writePcap(t *testing.T, name string, pkts []*capture.Packet) {
	t.Helper()
	le := binary.LittleEndian
	b := le.AppendUint32(nil, 0xa1b23c4d)
	b = le.AppendUint16(b, 2)
	b = le.AppendUint16(b, 4)
	b = le.AppendUint64(b, 0)
	b = le.AppendUint32(b, 262144)
	b = le.AppendUint32(b, uint32(pkts[0].LinkType()))
	for _, p := range pkts {
		b = le.AppendUint32(b, uint32(p.Timestamp.Unix()))
		b = le.AppendUint32(b, uint32(p.Timestamp.Nanosecond()))
		b = le.AppendUint32(b, uint32(len(p.Data)))
		b = le.AppendUint32(b, uint32(p.Length))
		b = append(b, p.Data...)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// runTcpdump returns tcpdump's output lines for the file.
func runTcpdump(tool, file string, flags []string) ([]string, error) {
	args := append([]string{"-n", "-r", file}, flags...)
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.LastIndex(msg, "\ntcpdump: "); i >= 0 {
			msg = msg[i+1:]
		}
		return splitLines(string(out)), errors.New(msg)
	}
	return splitLines(string(out)), nil
}

func splitLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func gunzip(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(file), ".gz"))
	w, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(w, zr); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readAll reads every packet of a capture file.
func readAll(t testing.TB, file string) []*capture.Packet {
	t.Helper()
	r, err := capture.OpenFile(file)
	if err != nil {
		t.Fatalf("open %s: %v", file, err)
	}
	defer r.Close()
	var pkts []*capture.Packet
	for {
		p, err := r.Next()
		if err == io.EOF {
			return pkts
		}
		if err != nil {
			t.Fatalf("read %s: %v", file, err)
		}
		pkts = append(pkts, p)
	}
}

type result struct {
	packets, inexactPackets, total, same int
}

// compare prints the packets and compares the output with tcpdump's lines,
// packet by packet.
func compare(t *testing.T, name, flags string, opts tcpdump.Options, pkts []*capture.Packet, want []string) result {
	t.Helper()
	opts.Location = time.UTC
	var buf bytes.Buffer
	p := tcpdump.NewPrinter(&buf, opts)
	var res result
	shown := 0
	w := 0 // next line of want
	for i, pkt := range pkts {
		buf.Reset()
		if err := p.Print(pkt); err != nil {
			t.Fatal(err)
		}
		exact := p.Exact(pkt)
		got := splitLines(buf.String())
		res.packets++
		if !exact {
			res.inexactPackets++
		}
		// A packet the printer does not claim exact may take another
		// number of lines; resynchronize on the next packet's line.
		n := len(got)
		if !exact && i+1 < len(pkts) {
			next := nextPacketStart(p, opts, pkts[i+1])
			for n = 0; w+n < len(want) && !(n > 0 && strings.HasPrefix(want[w+n], next)); n++ {
			}
		}
		for j := 0; j < max(n, len(got)); j++ {
			res.total++
			var g, e string
			if j < len(got) {
				g = got[j]
			}
			if j < n && w+j < len(want) {
				e = want[w+j]
			}
			if g == e {
				res.same++
				continue
			}
			if exact {
				if shown < 10 {
					t.Errorf("%s %v packet %d line %d:\n got: %q\nwant: %q", name, flags, pkt.Number, j+1, g, e)
				}
				shown++
			} else if shown < 10 {
				t.Logf("%s %v packet %d (not claimed exact) line %d:\n got: %q\nwant: %q", name, flags, pkt.Number, j+1, g, e)
				shown++
			}
		}
		w += n
	}
	if w < len(want) {
		t.Errorf("%s %s: tcpdump printed %d more lines, from %q", name, flags, len(want)-w, want[w])
		res.total += len(want) - w
	}
	return res
}

// nextPacketStart returns how the line of a packet starts (its timestamp),
// to find it in tcpdump's output.
func nextPacketStart(p *tcpdump.Printer, opts tcpdump.Options, pkt *capture.Packet) string {
	if opts.Time == tcpdump.TimeNone || opts.Time == tcpdump.TimeDelta || opts.Time == tcpdump.TimeSinceFirst {
		return "\x00" // no usable prefix
	}
	q := tcpdump.NewPrinter(io.Discard, opts)
	line := q.Line(pkt)
	ts, _, _ := strings.Cut(line, " ")
	if opts.Time == tcpdump.TimeDate {
		date, rest, _ := strings.Cut(line, " ")
		ts2, _, _ := strings.Cut(rest, " ")
		ts = date + " " + ts2
	}
	return ts + " "
}
