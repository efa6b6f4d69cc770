package filter

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/internal/testenv"
)

// oracleExpressions are run through tcpdump and through the filter on every
// capture file under testdata. The corpus has TCP over IPv4 and IPv6 on
// loopback (ports 18080, 18081, 9001, 9003, 7272), ARP, ICMP and ICMPv6,
// UDP to port 5555, IPv4 fragments, SACK on 10.99.0.0/24 (port 19200),
// 802.1Q and 802.1ad tags (port 19100), a file cut at 80 bytes, and the
// link types EN10MB, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4 and IPV6.
var oracleExpressions = []string{
	"",
	"tcp",
	"udp",
	"icmp",
	"icmp6",
	"ip",
	"ip6",
	"arp",
	"not ip and not ip6",
	"host 127.0.0.1",
	"src host 10.99.0.1",
	"dst 10.99.0.2 or 10.99.0.1",
	"host ::1",
	"ip6 dst host fd00:99::2",
	"net 10.99.0.0/24",
	"src net 127 or net 10.99.0.0 mask 255.255.255.0",
	"net fd00:99::/64",
	"arp host 10.99.0.2",
	"port 18080",
	"src port 18080 or 9001",
	"tcp dst port 9001 or 9003 or 7272",
	"udp port 5555",
	"portrange 18000-18100",
	"tcp src portrange 1-19150",
	"port 19100 or 19200",
	"less 100",
	"greater 1000",
	"len > 200 and len <= 1500",
	"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0",
	"tcp[tcpflags] & tcp-rst != 0 or tcp[13] = 0x12",
	"tcp[12] >> 4 > 8",
	"tcp[40:4] != 0",
	"(tcp[13] & tcp-push) != 0 and not port 18080",
	"icmp[icmptype] = icmp-echo",
	"icmp6[icmp6type] = icmp6-echoreply or icmp6[0] = 135",
	"ip[6:2] & 0x3fff != 0",
	"ip[0] & 0xf > 5 or ip[8] = 64",
	"udp[8:2] > 0",
	"ip proto 1 or 17",
	"ip6 proto 58",
	"proto 6",
	"ether[0] & 1 = 1",
	"arp[7] = 2",
	"vlan",
	"vlan and tcp",
	"vlan 100 and host 10.99.0.1",
	"vlan and vlan and ip",
	"vlan and not ip and not arp",
	"tcp or udp and port 5555",
	"not (tcp and port 18080) and not arp",
	"host 127.0.0.1 and not port 18080",
	"len - 14 > 100 or len / 3 = 22",
}

// captureFiles lists the capture files under testdata and testdata/corpus.
func captureFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../../testdata", "../../testdata/corpus"} {
		for _, pattern := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
			m, err := filepath.Glob(filepath.Join(dir, pattern))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
	}
	if len(files) == 0 {
		t.Fatal("no capture files under ../../testdata")
	}
	slices.Sort(files)
	return files
}

// capturedPacket is a packet of a test file, and its decoding.
type capturedPacket struct {
	p *capture.Packet
	d *decode.Packet
}

func readCapture(t *testing.T, name string) []capturedPacket {
	t.Helper()
	r, err := capture.OpenFile(name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer r.Close()
	var pkts []capturedPacket
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return pkts
		}
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		pkts = append(pkts, capturedPacket{p, decode.Decode(p.LinkType(), p.Data, p.Length)})
	}
}

// forTcpdump returns a file tcpdump can read with the packets of name:
// name itself, or a decompressed copy.
func forTcpdump(t *testing.T, name string) string {
	t.Helper()
	if !strings.HasSuffix(name, ".gz") {
		return name
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(name), ".gz"))
	if err := os.WriteFile(out, plain, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// tcpdumpMatches returns the numbers of the packets of file (whose packets
// are pkts) that tcpdump selects with the expression. tcpdump writes the
// packets it selects to a file, and they are found again in pkts by their
// bytes: they come in the same order, and packets with the same bytes are
// selected alike.
func tcpdumpMatches(t *testing.T, tcpdump, file, expr string, pkts []capturedPacket) ([]int, error) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "selected.pcap")
	args := []string{"-r", file, "-w", out}
	if expr != "" {
		args = append(args, expr)
	}
	cmd := exec.Command(tcpdump, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if strings.Contains(stderr.String(), "expression rejects all packets") {
			return nil, nil // libpcap proved it at compile time
		}
		return nil, errors.New(strings.TrimSpace(stderr.String()))
	}
	selected := readCapture(t, out)
	var nums []int
	i := 0
	for _, sp := range selected {
		for i < len(pkts) && (pkts[i].p.Length != sp.p.Length || !bytes.Equal(pkts[i].p.Data, sp.p.Data)) {
			i++
		}
		if i == len(pkts) {
			t.Fatalf("%s: tcpdump %q selects a packet that is not in the file", file, expr)
		}
		nums = append(nums, pkts[i].p.Number)
		i++
	}
	return nums, nil
}

// TestMatchLikeTcpdump runs every oracle expression over every capture file
// through tcpdump and through MatchPacket, and compares the packets they
// select.
func TestMatchLikeTcpdump(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	exprs := oracleExpressions
	if testing.Short() {
		exprs = exprs[:12] // each costs a tcpdump run per file
	}
	var tally tally
	t.Run("files", func(t *testing.T) {
		for _, name := range captureFiles(t) {
			t.Run(filepath.Base(name), func(t *testing.T) {
				t.Parallel()
				compareWithTcpdump(t, tcpdump, name, exprs, &tally)
			})
		}
	})
	t.Logf("%d/%d packet decisions agree with tcpdump (%d files, %d expressions, %d packets selected; %d file-expression pairs tcpdump refuses)",
		tally.agree, tally.decisions, tally.files, len(exprs), tally.selected, tally.refused)
}

// tally counts the outcomes of compareWithTcpdump.
type tally struct {
	mu                                         sync.Mutex
	files, decisions, agree, selected, refused int
}

// compareWithTcpdump runs the expressions over the capture file name
// through tcpdump and through MatchPacket, and reports every packet they
// disagree on.
func compareWithTcpdump(t *testing.T, tcpdump, name string, exprs []string, tl *tally) {
	file := forTcpdump(t, name)
	pkts := readCapture(t, name)
	all, err := tcpdumpMatches(t, tcpdump, file, "", pkts)
	if err != nil {
		// tcpdump reads no pcapng file whose interfaces have different
		// link types.
		t.Logf("not compared: tcpdump cannot read %s: %v", name, err)
		return
	}
	if len(all) != len(pkts) {
		t.Fatalf("tcpdump reads %d packets, capture.Reader %d", len(all), len(pkts))
	}
	var decisions, agree, selected, refused int
	for _, expr := range exprs {
		f := MustCompile(expr)
		want, err := tcpdumpMatches(t, tcpdump, file, expr, pkts)
		if err != nil {
			// libpcap compiles "vlan" for Ethernet only.
			if !strings.Contains(err.Error(), "no VLAN support") {
				t.Errorf("tcpdump %q: %v", expr, err)
			}
			refused++
			continue
		}
		var got []int
		for _, cp := range pkts {
			if f.MatchPacket(cp.p, cp.d) {
				got = append(got, cp.p.Number)
			}
		}
		selected += len(want)
		decisions += len(pkts)
		missing, extra := difference(want, got), difference(got, want)
		agree += len(pkts) - len(missing) - len(extra)
		if len(missing)+len(extra) > 0 {
			t.Errorf("%q: tcpdump selects %d packets, MatchPacket %d; only tcpdump: %v; only MatchPacket: %v",
				expr, len(want), len(got), missing, extra)
		}
	}
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.files++
	tl.decisions += decisions
	tl.agree += agree
	tl.selected += selected
	tl.refused += refused
}

// difference returns the numbers in a that are not in b.
func difference(a, b []int) []int {
	var d []int
	for _, n := range a {
		if !slices.Contains(b, n) {
			d = append(d, n)
		}
	}
	return d
}

// TestMatchDecoded checks that Match, which sees only the decoded headers,
// selects the same packets as MatchPacket for the expressions it can
// evaluate, on every file without VLAN tags (Match cannot see them).
func TestMatchDecoded(t *testing.T) {
	var decisions, agree int
	for _, name := range captureFiles(t) {
		if strings.Contains(name, "vlan") {
			continue
		}
		pkts := readCapture(t, name)
		for _, expr := range oracleExpressions {
			if strings.Contains(expr, "len") || strings.Contains(expr, "less") ||
				strings.Contains(expr, "greater") || strings.Contains(expr, "ether") ||
				strings.Contains(expr, "vlan") {
				continue
			}
			f := MustCompile(expr)
			for _, cp := range pkts {
				decisions++
				want := f.MatchPacket(cp.p, cp.d)
				if got := f.Match(cp.d); got != want {
					t.Errorf("%s: %q: packet %d: Match %v, MatchPacket %v", name, expr, cp.p.Number, got, want)
					continue
				}
				agree++
			}
		}
	}
	t.Logf("%d/%d decisions of Match agree with MatchPacket", agree, decisions)
}
