package render

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
)

// tcpdumpDumps runs tcpdump on a capture and returns, for each packet, the
// lines it prints after the packet's line.
func tcpdumpDumps(t *testing.T, file string, flag string) []string {
	t.Helper()
	tcpdump := testenv.NeedTool(t, "tcpdump")
	cmd := exec.Command(tcpdump, "-n", "-r", file, flag)
	cmd.Env = append(cmd.Environ(), "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump: %v", err)
	}
	// Each packet's line starts with a time "hh:mm:ss.".
	var dumps []string
	for _, line := range strings.SplitAfter(string(out), "\n") {
		if len(line) > 9 && line[2] == ':' && line[5] == ':' && line[8] == '.' && strings.Contains(line, " IP") {
			dumps = append(dumps, "")
			continue
		}
		if len(dumps) == 0 {
			t.Fatalf("tcpdump output does not start with a packet line: %q", line)
		}
		dumps[len(dumps)-1] += line
	}
	return dumps
}

func TestDumpMatchesTcpdump(t *testing.T) {
	for _, file := range []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap"} {
		for _, flag := range []string{"-A", "-X"} {
			t.Run(file+flag, func(t *testing.T) {
				path := "../testdata/" + file
				want := tcpdumpDumps(t, path, flag)
				pkts := readPcap(t, path)
				if len(want) != len(pkts) {
					t.Fatalf("tcpdump printed %d packets, the file has %d", len(want), len(pkts))
				}
				same := 0
				for i, p := range pkts {
					// The cells (what HTML highlights) laid out as text, and
					// String (what Markdown and text print), both as tcpdump.
					d := newDump(p.Net, flag == "-X", 0)
					got := cellText(d)
					if s := d.String(); s != got {
						t.Errorf("packet %d: String() %q, cells %q", i+1, s, got)
					}
					if got == want[i] {
						same++
						continue
					}
					if same+10 > i { // report the first few only
						t.Errorf("packet %d:\n got %q\nwant %q", i+1, got, want[i])
					}
				}
				t.Logf("%d/%d packets identical to tcpdump %s", same, len(pkts), flag)
				if same != len(pkts) {
					t.Fail()
				}
			})
		}
	}
}

// cellText joins a dump's cells into text, a newline after each line.
func cellText(d *Dump) string {
	var b strings.Builder
	for l := range d.All() {
		for _, c := range l {
			b.WriteString(c.Text)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
