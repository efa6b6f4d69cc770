package filter

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/internal/testenv"
)

// bpfExpressions are the expressions the BPF tests compile: the oracle's,
// the corner cases', and a few that only a compiler finds hard.
func bpfExpressions() []string {
	exprs := append(append([]string{}, oracleExpressions...), cornerExpressions...)
	return append(exprs,
		"tcp[tcp[12] >> 4] = 0",
		"tcp[(tcp[12] & 0xf0) >> 2:4] = 0x47455420",
		"ip[ip[0] & 0xf] != 7",
		"ether[len - 1] = 0",
		"ip6[40 + 13] & 2 != 0",
		"tcp[13] / (tcp[13] & 1) = 2",
		"tcp[13] % (ip[1] & 3) = 1",
		"tcp[13] << (ip[8] & 63) = 0",
		"ip[0] >> ip[9] = 1",
		"-ip[0] = 0xffffffbb",
		"ip[2:2] ^ 1 - 2 = 7",
		"not (tcp[100] = 1)",
		"ip or tcp[100] = 1",
		"not ip6 or icmp6[0] = 128 or tcp[2000000] = 1",
		"tcp[4294967295] = 0 or udp",
		"ether[4294967294:2] = 0 or arp",
		"not (host 10.0.0.1 and not host 10.0.0.2) or (port 80 and not (udp or vlan))",
		"ip6 net fd00::/16 or ip6 host ::1 and not ip6 src host ::2",
		"arp or rarp host 10.99.0.1 or ip src net 10.0.0.0 mask 255.0.255.0",
	)
}

// usesLength reports whether expr reads the packet's length on the wire,
// which the BPF machine of x/net/bpf knows only as the captured length.
func usesLength(expr string) bool {
	return strings.Contains(expr, "len") || strings.Contains(expr, "less") || strings.Contains(expr, "greater")
}

// bpfVerdict compiles f for the packet's link type and runs it on the
// packet in x/net/bpf's virtual machine. cooked runs the program a Linux
// SOCK_DGRAM socket gets on the packet as that socket sees it: without the
// cooked header, and with SKF_AD_PROTOCOL (which the virtual machine lacks)
// replaced by the header's protocol field. ok is false when the filter is
// not compiled for the link type.
func bpfVerdict(t testing.TB, f *Filter, expr string, link capture.LinkType, data []byte, cooked bool) (match, ok bool) {
	t.Helper()
	prog, err := f.BPF(link, BPFOptions{SnapLen: 0xffff, Cooked: cooked})
	if errors.Is(err, ErrNotExpressible) {
		return false, false
	}
	if err != nil {
		t.Fatalf("%q: BPF(%d): %v", expr, link, err)
	}
	if cooked {
		hdr, protoAt := sllLen, sllLen-2
		if link == capture.LinkTypeLinuxSLL2 {
			hdr, protoAt = sll2Len, 0
		}
		if len(data) < hdr {
			return false, false
		}
		proto := uint32(binary.BigEndian.Uint16(data[protoAt:]))
		prog = append([]bpf.Instruction(nil), prog...)
		for i, ins := range prog {
			if ext, isExt := ins.(bpf.LoadExtension); isExt && ext.Num == bpf.ExtProto {
				prog[i] = bpf.LoadConstant{Dst: bpf.RegA, Val: proto}
			}
		}
		data = data[hdr:]
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatalf("%q: the compiled program does not load: %v\n%s", expr, err, disassemble(prog))
	}
	n, err := vm.Run(data)
	if err != nil {
		t.Fatalf("%q: run: %v", expr, err)
	}
	if n != 0 && n != 0xffff {
		t.Fatalf("%q: the program returns %d", expr, n)
	}
	return n != 0, true
}

func disassemble(prog []bpf.Instruction) string {
	var b strings.Builder
	for i, ins := range prog {
		fmt.Fprintf(&b, "(%03d) %v\n", i, ins)
	}
	return b.String()
}

// compiled reports whether BPF compiles for the link type.
func compiled(link capture.LinkType) bool {
	switch link {
	case capture.LinkTypeEthernet, capture.LinkTypeLinuxSLL, capture.LinkTypeLinuxSLL2:
		return true
	}
	return false
}

// compareBPF checks that the compiled program gives the packet the verdict
// MatchPacket gives it, read as a pcap file has it and, for the cooked link
// types, as the kernel hands it to a cooked socket. It returns the number of
// verdicts compared.
func compareBPF(t testing.TB, f *Filter, expr string, p *capture.Packet, d *decode.Packet, where string) (compared, matched int) {
	link := p.LinkType()
	if !compiled(link) || usesLength(expr) && p.Length != len(p.Data) {
		return 0, 0
	}
	want := f.MatchPacket(p, d)
	for _, cooked := range []bool{false, true} {
		if cooked && link == capture.LinkTypeEthernet {
			continue
		}
		got, ok := bpfVerdict(t, f, expr, link, p.Data, cooked)
		if !ok {
			continue
		}
		compared++
		if got {
			matched++
		}
		if got != want {
			prog, _ := f.BPF(link, BPFOptions{SnapLen: 0xffff, Cooked: cooked})
			t.Errorf("%s: %q (cooked %v): BPF says %v, MatchPacket %v; packet % x\n%s",
				where, expr, cooked, got, want, p.Data, disassemble(prog))
		}
	}
	return compared, matched
}

// TestBPFLikeMatchPacket runs every expression over every packet of the
// capture files under testdata and the corner packets, through MatchPacket
// and through the compiled program in x/net/bpf's virtual machine, and
// requires the same verdicts.
func TestBPFLikeMatchPacket(t *testing.T) {
	var filters []*Filter
	exprs := bpfExpressions()
	for _, expr := range exprs {
		filters = append(filters, MustCompile(expr))
	}
	var decisions, selected int
	tally := func(c, m int) { decisions, selected = decisions+c, selected+m }
	for _, name := range captureFiles(t) {
		for _, cp := range readCapture(t, name) {
			for i, f := range filters {
				tally(compareBPF(t, f, exprs[i], cp.p, cp.d, fmt.Sprintf("%s packet %d", name, cp.p.Number)))
			}
		}
	}
	for _, link := range []capture.LinkType{capture.LinkTypeEthernet, capture.LinkTypeLinuxSLL, capture.LinkTypeLinuxSLL2} {
		for _, cp := range cornerPackets() {
			data := cp.data
			if link != capture.LinkTypeEthernet && len(data) < 14 {
				continue
			}
			switch link {
			case capture.LinkTypeLinuxSLL:
				data = append(append(make([]byte, 14), cp.data[12:14]...), cp.data[14:]...)
			case capture.LinkTypeLinuxSLL2:
				data = append(append(append([]byte{}, cp.data[12:14]...), make([]byte, 18)...), cp.data[14:]...)
			}
			wire := cp.wire - len(cp.data) + len(data)
			p := &capture.Packet{Number: 1, Data: data, Length: wire, Interface: &capture.Interface{LinkType: link}}
			d := decode.Decode(link, data, wire)
			for i, f := range filters {
				tally(compareBPF(t, f, exprs[i], p, d, fmt.Sprintf("corner packet %q link %d", cp.what, link)))
			}
		}
	}
	if decisions == 0 || selected == 0 || selected == decisions {
		t.Fatalf("%d verdicts compared, %d of them matches: the test proves nothing", decisions, selected)
	}
	t.Logf("%d verdicts of the compiled programs (%d matches) agree with MatchPacket (%d expressions)", decisions, selected, len(exprs))
}

// TestBPFNotExpressible checks the filters the compiler refuses, so that a
// live capture runs them in user space.
func TestBPFNotExpressible(t *testing.T) {
	tests := []struct {
		expr   string
		link   capture.LinkType
		cooked bool
	}{
		{"tcp", capture.LinkTypeNull, false},
		{"tcp", capture.LinkTypeRaw, false},
		{"ether[0] = 1", capture.LinkTypeLinuxSLL2, true},
		{"vlan 100", capture.LinkTypeLinuxSLL2, true},
		{"ether[ip[0]] = 1", capture.LinkTypeLinuxSLL, true},
		{strings.Repeat("ip[0] + (", 18) + "1" + strings.Repeat(")", 18) + " = 0", capture.LinkTypeEthernet, false},
	}
	for _, tc := range tests {
		_, err := MustCompile(tc.expr).BPF(tc.link, BPFOptions{Cooked: tc.cooked})
		if !errors.Is(err, ErrNotExpressible) {
			t.Errorf("%q on link %d (cooked %v): got %v, want ErrNotExpressible", tc.expr, tc.link, tc.cooked, err)
		}
	}
	// What a cooked socket can do: the protocol field, and everything past
	// the header.
	for _, expr := range []string{"ip", "tcp port 80", "vlan and ip", "ether[20] = 0"} {
		if _, err := MustCompile(expr).BPF(capture.LinkTypeLinuxSLL2, BPFOptions{Cooked: true}); err != nil {
			t.Errorf("%q on cooked LINUX_SLL2: %v", expr, err)
		}
	}
}

// libpcapProgram returns the program libpcap compiles expr to for the link
// type of file, as tcpdump -ddd prints it, or nil when tcpdump refuses the
// expression or the program uses what x/net/bpf's machine lacks.
func libpcapProgram(t *testing.T, tcpdump, file, expr string) *bpf.VM {
	t.Helper()
	args := []string{"-r", file, "-ddd"}
	if expr != "" {
		args = append(args, expr)
	}
	out, err := exec.Command(tcpdump, args...).Output()
	if err != nil {
		return nil
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var raw []bpf.RawInstruction
	for _, line := range lines[1:] {
		var ins bpf.RawInstruction
		if _, err := fmt.Sscanf(line, "%d %d %d %d", &ins.Op, &ins.Jt, &ins.Jf, &ins.K); err != nil {
			t.Fatalf("tcpdump -ddd %q: line %q: %v", expr, line, err)
		}
		raw = append(raw, ins)
	}
	prog, ok := bpf.Disassemble(raw)
	if !ok {
		return nil
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		return nil
	}
	return vm
}

// TestBPFLikeLibpcap runs the program libpcap compiles (tcpdump -ddd) and
// the program BPF compiles on every packet of the capture files of the link
// types BPF compiles, both in x/net/bpf's machine, and requires the same
// verdicts.
func TestBPFLikeLibpcap(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	exprs := oracleExpressions
	if testing.Short() {
		exprs = exprs[:12]
	}
	// The packets of each link type, and a file tcpdump reads with it.
	type linkFiles struct {
		file string
		pkts []capturedPacket
	}
	byLink := map[capture.LinkType]*linkFiles{}
	for _, name := range captureFiles(t) {
		if strings.HasSuffix(name, ".gz") || strings.HasSuffix(name, ".pcapng") {
			continue // pcap files only: one link type each
		}
		pkts := readCapture(t, name)
		if len(pkts) == 0 || !compiled(pkts[0].p.LinkType()) {
			continue
		}
		link := pkts[0].p.LinkType()
		if byLink[link] == nil {
			byLink[link] = &linkFiles{file: name}
		}
		byLink[link].pkts = append(byLink[link].pkts, pkts...)
	}
	var decisions, programs, skipped int
	for link, lf := range byLink {
		for _, expr := range exprs {
			theirs := libpcapProgram(t, tcpdump, lf.file, expr)
			if theirs == nil {
				skipped++
				continue
			}
			f := MustCompile(expr)
			prog, err := f.BPF(link, BPFOptions{SnapLen: 262144})
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			ours, err := bpf.NewVM(prog)
			if err != nil {
				t.Fatalf("%q: %v", expr, err)
			}
			programs++
			for _, cp := range lf.pkts {
				if usesLength(expr) && cp.p.Length != len(cp.p.Data) {
					continue // libpcap's "len" is the length on the wire
				}
				a, _ := ours.Run(cp.p.Data)
				b, _ := theirs.Run(cp.p.Data)
				decisions++
				if (a != 0) != (b != 0) {
					t.Errorf("link %d, %q: packet % x: ours %v, libpcap's %v", link, expr, cp.p.Data, a != 0, b != 0)
				}
			}
		}
	}
	if programs == 0 {
		t.Fatal("no program compared")
	}
	t.Logf("%d verdicts of %d programs alike with libpcap's (%d link types; %d expressions libpcap refuses or x/net/bpf cannot run)",
		decisions, programs, len(byLink), skipped)
}
