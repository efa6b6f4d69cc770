package testenv

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// StartTcpdump runs tcpdump with args in the background (typically
// "-i", iface, "-U", "-w", file and a filter) and returns once it is
// listening. It skips the test (fails it under CI) when tcpdump is not
// installed.
func StartTcpdump(t testing.TB, args ...string) *Process {
	t.Helper()
	tcpdump := NeedTool(t, "tcpdump")
	return Start(t, "", "listening on", tcpdump, args...)
}

// StopTcpdump interrupts each tcpdump, which then completes its file, and
// fails the test unless each exits with status 0. It first lets them hand
// over the packets still in their ring: libpcap waits up to its one-second
// timeout before it delivers a block that is not full, and drops that block
// on SIGINT. That wait is shared by all the processes it stops.
func StopTcpdump(t testing.TB, tcpdumps ...*Process) {
	t.Helper()
	time.Sleep(1500 * time.Millisecond)
	for _, p := range tcpdumps {
		if code := p.Stop(t, os.Interrupt); code != 0 {
			t.Fatalf("tcpdump exited with %d:\n%s", code, p.Stderr())
		}
	}
}

// TcpdumpPacket is one packet as "tcpdump -r file -nn -tt -e -xx" prints it.
type TcpdumpPacket struct {
	Time    time.Time // its timestamp, to the microsecond
	Summary string    // its line after the timestamp
	Hex     string    // its captured bytes in hex, link-layer header included
}

// sll2Warning is what tcpdump says on reading any LINUX_SLL2 file, its own
// included.
const sll2Warning = "Warning: interface names might be incorrect\n"

// ReadTcpdump reads the capture file at path with tcpdump and returns the
// link type tcpdump reports (such as "EN10MB" or "LINUX_SLL2") and the
// packets. Anything tcpdump complains about (a file cut off mid-packet, say),
// apart from its warning about interface names in LINUX_SLL2 files, fails the
// test. It skips the test (fails it under CI) when tcpdump is not installed.
func ReadTcpdump(t testing.TB, path string) (link string, packets []TcpdumpPacket) {
	t.Helper()
	tcpdump := NeedTool(t, "tcpdump")
	cmd := exec.Command(tcpdump, "-r", path, "-nn", "-tt", "-e", "-xx")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v\n%s", path, err, stderr.String())
	}
	link, rest, _ := strings.Cut(stderr.String(), "\n")
	if _, after, ok := strings.Cut(link, "link-type "); ok {
		link, _, _ = strings.Cut(after, " ")
	} else {
		t.Fatalf("tcpdump -r %s: %s", path, stderr.String())
	}
	rest = strings.ReplaceAll(rest, sll2Warning, "")
	if rest = strings.TrimSpace(rest); rest != "" {
		t.Errorf("tcpdump -r %s complains: %s", path, rest)
	}
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "\t0x"):
			if len(packets) == 0 {
				t.Fatalf("tcpdump -r %s: hex before any packet", path)
			}
			_, hex, _ := strings.Cut(line, ":")
			packets[len(packets)-1].Hex += strings.ReplaceAll(hex, " ", "")
		default:
			ts, summary, _ := strings.Cut(line, " ")
			sec, frac, _ := strings.Cut(ts, ".")
			s, err1 := strconv.ParseInt(sec, 10, 64)
			us, err2 := strconv.ParseInt(frac, 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("tcpdump -r %s: unexpected line %q", path, line)
			}
			packets = append(packets, TcpdumpPacket{Time: time.Unix(s, us*1000), Summary: summary})
		}
	}
	return link, packets
}
