package filter

import (
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
)

// goodExpressions are expressions Compile accepts, with the canonical form
// String gives them. libpcap reads the canonical form into the same program,
// except where noted by sameProgram false (port names, which libpcap looks
// up per protocol in /etc/services).
var goodExpressions = []struct {
	expr, canonical string
	sameProgram     bool
}{
	{"tcp", "tcp", true},
	{"  udp  ", "udp", true},
	{"icmp or icmp6", "icmp or icmp6", true},
	{"ip and not ip6", "ip and not ip6", true},
	{"arp or rarp", "arp or rarp", true},
	{"sctp or igmp", "sctp or igmp", true},
	{"host 1.2.3.4", "host 1.2.3.4", true},
	{"host 1.2.3.4 or 5.6.7.8", "host 1.2.3.4 or host 5.6.7.8", true},
	{"src 10.0.0.1", "src host 10.0.0.1", true},
	{"dst host ::1", "dst host ::1", true},
	{"ip src host 10.0.0.1", "ip src host 10.0.0.1", true},
	{"ip6 dst host fe80::1", "ip6 dst host fe80::1", true},
	{"arp host 10.0.0.1", "arp host 10.0.0.1", true},
	{"src and dst host 127.0.0.1", "src and dst host 127.0.0.1", true},
	{"src or dst host 127.0.0.1", "host 127.0.0.1", true},
	{"dst or src port 80", "port 80", true},
	{"src && dst port 80", "src and dst port 80", true},
	{"host 1.2.3.4 and not 5.6.7.8", "host 1.2.3.4 and not host 5.6.7.8", true},
	{"not host 1.2.3.4 or 5.6.7.8", "not host 1.2.3.4 or host 5.6.7.8", true},
	{"host 1.2.3.4 and (5.6.7.8 or 9.9.9.9) or 10.0.0.1",
		"(host 1.2.3.4 and (host 5.6.7.8 or host 9.9.9.9)) or host 10.0.0.1", true},
	{"src host 1.2.3.4 or dst 5.6.7.8 or 9.9.9.9",
		"src host 1.2.3.4 or dst host 5.6.7.8 or dst host 9.9.9.9", true},
	{"net 10.0.0.0/8", "net 10.0.0.0/8", true},
	{"net 10", "net 10.0.0.0/8", true},
	{"net 192.168", "net 192.168.0.0/16", true},
	{"net 10.0/16", "net 10.0.0.0/16", true},
	{"net 10.0.0.0 mask 255.0.0.0", "net 10.0.0.0 mask 255.0.0.0", true},
	{"src net 10.1.0.0/16 or 10.2.0.0/16", "src net 10.1.0.0/16 or src net 10.2.0.0/16", true},
	{"net 2001:db8::/32", "net 2001:db8::/32", true},
	{"ip6 net fd00:99::/64", "ip6 net fd00:99::/64", true},
	{"port 80", "port 80", true},
	{"port 80 or 443", "port 80 or port 443", true},
	{"tcp port 80 or 443", "tcp port 80 or tcp port 443", true},
	{"tcp port 80 and not 443", "tcp port 80 and not tcp port 443", true},
	{"udp src port 53", "udp src port 53", true},
	{"port 0x50", "port 80", true},
	{"port 010", "port 8", true},
	{"port http or https", "port 80 or port 443", false},
	{"portrange 8000-8080", "portrange 8000-8080", true},
	{"portrange 90-80", "portrange 80-90", true},
	{"portrange 80", "portrange 80-80", true},
	{"tcp dst portrange 1-1023", "tcp dst portrange 1-1023", true},
	{"tcp or udp and port 53", "(tcp or udp) and port 53", true},
	{"tcp and (port 80 or host 10.0.0.1)", "tcp and (port 80 or host 10.0.0.1)", true},
	{"tcp and port 80 or icmp and ip", "((tcp and port 80) or icmp) and ip", true},
	{"not tcp and udp", "not tcp and udp", true},
	{"not (tcp and udp)", "not (tcp and udp)", true},
	{"not not tcp", "not not tcp", true},
	{"! tcp && udp || icmp", "(not tcp and udp) or icmp", true},
	{"host 1.2.3.4&&port 80", "host 1.2.3.4 and port 80", true},
	{"((tcp))", "tcp", true},
	{"less 100 or greater 1500", "less 100 or greater 1500", true},
	{"len > 100", "len > 100", true},
	{"len - 14 > 100", "len - 14 > 100", true},
	{"len - 1 - 2 = 0", "len - 1 - 2 = 0", true},
	{"len - (1 - 2) = 0", "len - (1 - 2) = 0", true},
	{"len * 2 + 1 == 9", "len * 2 + 1 == 9", true},
	{"(len + 1) * 2 != 9", "(len + 1) * 2 != 9", true},
	{"len ^ 1 & 2 = 0", "len ^ 1 & 2 = 0", true},
	{"len & 1 ^ 2 = 0", "len & (1 ^ 2) = 0", true},
	{"len | 1 ^ 2 = 0", "len | (1 ^ 2) = 0", true},
	{"len % 3 = 1 or len << 1 >= 4 or len >> 1 <= 4", "len % 3 = 1 or len << 1 >= 4 or len >> 1 <= 4", true},
	{"tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "tcp[tcpflags] & (tcp-syn | tcp-fin) != 0", true},
	{"tcp[13:1]&2!=0", "tcp[13] & 2 != 0", true},
	{"(tcp[13] & 2) != 0", "tcp[13] & 2 != 0", true},
	{"(tcp[13] & 2 != 0)", "tcp[13] & 2 != 0", true},
	{"tcp[tcp[0]] = 1", "tcp[tcp[0]] = 1", true},
	{"tcp[12:2] < 0x5000", "tcp[12:2] < 0x5000", true},
	{"udp[8:4] = 0x12345678", "udp[8:4] = 0x12345678", true},
	{"ip[2:2] > 1000", "ip[2:2] > 1000", true},
	{"ip6[6] = 58", "ip6[6] = 58", true},
	{"icmp[icmptype] = icmp-echo", "icmp[icmptype] = icmp-echo", true},
	{"icmp6[icmp6type] = icmp6-neighborsolicit", "icmp6[icmp6type] = icmp6-neighborsolicit", true},
	{"ether[0] & 1 = 1", "ether[0] & 1 = 1", true},
	{"arp[7] = 2", "arp[7] = 2", true},
	{"ip proto 6 or 17", "ip proto 6 or ip proto 17", true},
	{`ip proto \tcp`, `ip proto \tcp`, true},
	{"ip6 proto 58", "ip6 proto 58", true},
	{"proto 17", "proto 17", true},
	{"vlan", "vlan", true},
	{"vlan 100 and tcp", "vlan 100 and tcp", true},
	{"vlan and vlan and ip", "vlan and vlan and ip", true},
	{"tcp or vlan", "tcp or vlan", true},
}

func TestCompile(t *testing.T) {
	for _, tc := range goodExpressions {
		f, err := Compile(tc.expr)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.expr, err)
			continue
		}
		if got := f.String(); got != tc.canonical {
			t.Errorf("Compile(%q).String() = %q, want %q", tc.expr, got, tc.canonical)
			continue
		}
		again, err := Compile(tc.canonical)
		if err != nil {
			t.Errorf("Compile(%q) (canonical form): %v", tc.canonical, err)
			continue
		}
		if got := again.String(); got != tc.canonical {
			t.Errorf("canonical form %q compiles to %q", tc.canonical, got)
		}
	}
}

func TestCompileEmpty(t *testing.T) {
	for _, expr := range []string{"", "   "} {
		f, err := Compile(expr)
		if err != nil {
			t.Fatalf("Compile(%q): %v", expr, err)
		}
		if f.String() != "" || !f.Match(nil) {
			t.Errorf("Compile(%q) = %q, matching nil %v; want the filter that matches everything", expr, f, f.Match(nil))
		}
	}
}

// badExpressions are expressions Compile refuses, with a piece of the error
// message and the word it names (0 for "ended too soon"). pcapAccepts marks
// those libpcap takes (names it would look up, keywords wstrace leaves out).
var badExpressions = []struct {
	expr        string
	msg         string
	word        int
	pcapAccepts bool
}{
	{"and", `syntax error in filter expression: unexpected "and" at word 1`, 1, false},
	{"tcp and", `syntax error in filter expression: unexpected end after "and"`, 0, false},
	{"host 1.2.3.4 and and port 80", `unexpected "and" at word 4`, 4, false},
	{"host", `unexpected end after "host"`, 0, false},
	{"src", `unexpected end after "src"`, 0, false},
	{"1.2.3.4", `unexpected "1.2.3.4" at word 1`, 1, false},
	{"not 1.2.3.4", `unexpected "1.2.3.4" at word 2`, 2, false},
	{"tcp or 80", `unexpected "80" at word 3`, 3, false},
	{"port 80 or ip or 443", `unexpected "443" at word 6`, 6, false},
	{"(host 1.2.3.4) and 5.6.7.8", `unexpected "5.6.7.8" at word 4`, 4, false},
	{"port 80 and len > 100 or 443", `unexpected "443" at word 8`, 8, false},
	{"( tcp", `unexpected end after "tcp"`, 0, false},
	{"tcp )", `unexpected ")" at word 2`, 2, false},
	{"tcp port 80 garbage", `unexpected "garbage" at word 4`, 4, false},
	{"ip proto tcp", `unexpected "tcp" at word 3`, 3, false},
	{"tcp[13] &", `unexpected end after "&"`, 0, false},
	{"tcp[13] & 2", `unexpected end after "2"`, 0, false},
	{"tcp[13 = 1", `unexpected "=" at word 2`, 2, false},
	{"host 1.2.3.4 @ tcp", `unexpected "@" at word 3`, 3, false},
	{"host example.com", `word 2: "example.com" is not an IP address, and wstrace resolves no host names: give an address`, 2, true},
	{"port 80 and host localhost", "resolves no host names", 5, true},
	{"host 1.2.3", `word 2: "1.2.3" is not an IP address`, 2, true},
	{"host 10", `"10" is not an IP address`, 2, true},
	{"port 70000", "word 2: illegal port number 70000 > 65535", 2, false},
	{"port 80 or 65536", "illegal port number 65536 > 65535", 4, false},
	{"port nosuchservice", `unknown port name "nosuchservice": give a number`, 2, false},
	{"portrange 80-", `unexpected "-" at word 2`, 2, false},
	{"portrange 1-2-3", `unknown port name "2-3"`, 2, true},
	{"tcp host 1.2.3.4", "'tcp' modifier applied to host", 3, false},
	{"tcp src 80", "'tcp' modifier applied to host", 3, false},
	{"ip port 80", "illegal qualifier of 'port'", 3, false},
	{"ip host ::1", "'ip' modifier applied to ip6 host", 3, false},
	{"ip6 net 10.0.0.0/8", "'ip6' modifier applied to ip net", 3, false},
	{"net 10.1.2.3/8", `non-network bits set in "10.1.2.3/8"`, 2, false},
	{"net 10.0.0.0/33", `bad prefix length "33"`, 2, false},
	{"host 10.0.0.0/8", "mask syntax for networks only", 2, false},
	{"net ::1 mask 255.0.0.0", `bad mask "255.0.0.0"`, 4, false},
	{"tcp[0:3] = 1", "data size must be 1, 2, or 4", 1, false},
	{"len / 0 = 1", "word 2: division by zero", 2, false},
	{"gateway 1.2.3.4", `word 1: wstrace does not support the "gateway" keyword`, 1, true},
	{"ether host 00:11:22:33:44:55", "ether host", 3, true},
	{"vlan 5000", `bad VLAN ID "5000"`, 2, false},
	{strings.Repeat("(", 65) + "tcp" + strings.Repeat(")", 65), "parentheses nested more than 64 deep", 1, true},
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range badExpressions {
		f, err := Compile(tc.expr)
		if err == nil {
			t.Errorf("Compile(%q) = %q, want an error", tc.expr, f)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("Compile(%q) error %q, want it to contain %q", tc.expr, err, tc.msg)
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Compile(%q) error is a %T, want *Error", tc.expr, err)
		} else if e.Word != tc.word {
			t.Errorf("Compile(%q) error names word %d, want %d", tc.expr, e.Word, tc.word)
		}
	}
}

// TestCompileLikeLibpcap checks the parser against libpcap's, through
// tcpdump -d: an expression Compile accepts compiles there too, to the same
// BPF program as its canonical form; one Compile refuses for its syntax
// libpcap refuses too.
func TestCompileLikeLibpcap(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	program := func(expr string) (string, error) {
		out, err := exec.Command(tcpdump, "-d", "-y", "EN10MB", expr).CombinedOutput()
		return string(out), err
	}
	for _, tc := range goodExpressions {
		orig, err := program(tc.expr)
		if err != nil {
			t.Errorf("tcpdump -d %q: %v\n%s", tc.expr, err, orig)
			continue
		}
		if !tc.sameProgram {
			continue
		}
		canon, err := program(tc.canonical)
		if err != nil {
			t.Errorf("tcpdump -d %q (canonical form of %q): %v\n%s", tc.canonical, tc.expr, err, canon)
			continue
		}
		if canon != orig {
			t.Errorf("tcpdump compiles %q and its canonical form %q differently:\n%s\n%s", tc.expr, tc.canonical, orig, canon)
		}
	}
	for _, tc := range badExpressions {
		if tc.pcapAccepts {
			continue
		}
		if out, err := program(tc.expr); err == nil {
			t.Errorf("Compile refuses %q but tcpdump accepts it:\n%s", tc.expr, out)
		}
	}
}

// FuzzCompile checks that no expression makes Compile panic, and that what
// it accepts has a canonical form that compiles to itself.
func FuzzCompile(f *testing.F) {
	for _, tc := range goodExpressions {
		f.Add(tc.expr)
	}
	for _, tc := range badExpressions {
		f.Add(tc.expr)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		flt, err := Compile(expr)
		if err != nil {
			return
		}
		s := flt.String()
		again, err := Compile(s)
		if err != nil {
			t.Fatalf("Compile(%q) gives %q, which does not compile: %v", expr, s, err)
		}
		if again.String() != s {
			t.Fatalf("Compile(%q) gives %q, which compiles to %q", expr, s, again.String())
		}
	})
}
