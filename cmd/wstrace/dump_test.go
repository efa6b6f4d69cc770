package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
)

// runCLI runs wstrace with args and returns its standard output, standard
// error and exit code.
func runCLI(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWith(args, bytes.NewReader(stdin), &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

// TestDumpMatchesTcpdump runs the dump command end to end, flags and filter
// included, and compares its output with tcpdump's on the same file.
func TestDumpMatchesTcpdump(t *testing.T) {
	tcpdumpPath := testenv.NeedTool(t, "tcpdump")
	cases := []struct {
		file  string
		flags []string
	}{
		{"workerman-chat.pcap", []string{"-A"}},
		{"chromium-ws-plain-any.pcap", []string{"-X", "-S"}},
		{"chromium-ws-deflate.pcap", []string{"-e", "-c", "20"}},
		{"corpus/vlan.pcap", []string{"-XX"}},
		{"corpus/veth-misc.pcap", []string{"-x", "-tttt"}},
		{"corpus/two-ifaces.pcapng", []string{"-AA", "-ttt"}},
		{"corpus/nano.pcap", []string{"--nano", "-tt"}},
		{"corpus/sack.pcap", []string{"-A", "tcp", "and", "(port", "5001", "or", "port", "18080)"}},
		{"corpus/lo-en10mb.pcap", []string{"-A", "ip6", "and", "not", "src", "port", "18081"}},
	}
	total := 0
	for _, c := range cases {
		name := filepath.Join("..", "..", "testdata", c.file)
		var flags, filter []string
		for i, a := range c.flags {
			if !strings.HasPrefix(a, "-") && (i == 0 || c.flags[i-1] != "-c") {
				filter = c.flags[i:]
				break
			}
			flags = append(flags, a)
		}
		want, err := exec.Command(tcpdumpPath, append(append(append([]string{"-n"}, flags...), "-r", name), filter...)...).Output()
		if err != nil {
			t.Fatalf("tcpdump %v %s: %v", c.flags, c.file, err)
		}
		got, stderr, code := runCLI(t, nil, append(append(append([]string{"dump"}, flags...), name), filter...)...)
		if code != exitOK {
			t.Fatalf("wstrace dump %v %s: exit %d: %s", c.flags, c.file, code, stderr)
		}
		if got != string(want) {
			t.Errorf("wstrace dump %v %s differs from tcpdump:\n%s", c.flags, c.file, firstDiff(got, string(want)))
		}
		total += strings.Count(got, "\n")
	}
	t.Logf("%d lines identical to tcpdump's", total)
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	line, g, w := testenv.FirstDiff(got, want)
	return "line " + strconv.Itoa(line) + ":\n wstrace: " + g + "\n tcpdump: " + w
}

func TestDumpStdin(t *testing.T) {
	data, err := os.ReadFile("../../testdata/corpus/lo-en10mb.pcap.gz")
	if err != nil {
		t.Fatal(err)
	}
	out, stderr, code := runCLI(t, data, "dump", "-c", "3", "-")
	if code != exitOK || strings.Count(out, "\n") != 3 {
		t.Fatalf("dump - of a gzip pcap: exit %d, %d lines, stderr %q", code, strings.Count(out, "\n"), stderr)
	}
}

// TestDumpErrors checks that bad input is named with file, packet and cause,
// that what was good before it is printed, and the exit codes.
func TestDumpErrors(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../../testdata/chromium-ws-deflate.pcap")
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	if err := os.WriteFile(cut, data[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	notCapture := filepath.Join(dir, "page.html")
	if err := os.WriteFile(notCapture, []byte("<!DOCTYPE html>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The same packets declared as LINKTYPE_USER0 (147), which wstrace does not decode.
	user0 := filepath.Join(dir, "user0.pcap")
	patched := append([]byte(nil), data...)
	patched[20], patched[21], patched[22], patched[23] = 147, 0, 0, 0
	if err := os.WriteFile(user0, patched, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		args      []string
		code      int
		lines     int
		errSubstr string
	}{
		{"cut off", []string{"dump", cut}, exitError, 19, "cut.pcap: packet 20 (byte 2947): record cut off: 37 of 241 bytes"},
		{"not a capture", []string{"dump", notCapture}, exitError, 0, "page.html: not a pcap or pcapng file (starts with 3c 21 44 4f)"},
		{"unsupported link type", []string{"dump", user0}, exitError, 0, "user0.pcap: packet 1: unsupported link type LINKTYPE_147"},
		{"missing", []string{"dump", filepath.Join(dir, "nope.pcap")}, exitError, 0, "no such file"},
		{"bad filter", []string{"dump", cut, "port"}, exitUsage, 0, `unexpected end after "port"`},
		{"no file", []string{"dump"}, exitUsage, 0, "needs a capture file"},
		{"bad flag", []string{"dump", "--bogus", cut}, exitUsage, 0, "unknown flag: --bogus"},
		{"negative count", []string{"dump", "-c", "-1", cut}, exitUsage, 0, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, code := runCLI(t, nil, tt.args...)
			if code != tt.code {
				t.Errorf("exit code %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if n := strings.Count(out, "\n"); n != tt.lines {
				t.Errorf("printed %d lines, want %d", n, tt.lines)
			}
			if !strings.Contains(stderr, tt.errSubstr) {
				t.Errorf("stderr %q does not say %q", stderr, tt.errSubstr)
			}
		})
	}
}
