package decode_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/internal/testenv"
)

func captureFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../../testdata/*.pcap", "../../testdata/corpus/*.pcap", "../../testdata/corpus/*.pcapng"} {
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

func readAll(t testing.TB, file string) []*capture.Packet {
	t.Helper()
	r, err := capture.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var pkts []*capture.Packet
	for {
		p, err := r.Next()
		if err == io.EOF {
			return pkts
		}
		if err != nil {
			t.Fatal(err)
		}
		pkts = append(pkts, p)
	}
}

// tsharkFields are the fields TestDecodeAgainstTshark compares.
var tsharkFields = []string{
	"frame.number", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "ip.flags.mf", "ip.frag_offset",
	"tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.flags", "tcp.hdr_len",
	"tcp.window_size_value", "tcp.len", "tcp.options", "udp.srcport", "udp.dstport", "udp.length",
	"icmp.type", "icmpv6.type", "arp.opcode", "arp.src.proto_ipv4", "vlan.id", "sll.ifindex",
}

// TestDecodeAgainstTshark decodes every packet of the captures in testdata
// and compares the header fields with what tshark reads from them.
func TestDecodeAgainstTshark(t *testing.T) {
	tshark := testenv.NeedTool(t, "tshark")
	for _, file := range captureFiles(t) {
		t.Run(strings.TrimPrefix(file, "../../testdata/"), func(t *testing.T) {
			args := []string{"-r", file, "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE",
				"-o", "tcp.desegment_tcp_streams:FALSE", "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"}
			for _, f := range tsharkFields {
				args = append(args, "-e", f)
			}
			var stderr bytes.Buffer
			cmd := exec.Command(tshark, args...)
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("tshark: %v: %s", err, stderr.String())
			}
			rows := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
			pkts := readAll(t, file)
			if len(rows) != len(pkts) {
				t.Fatalf("tshark read %d packets, capture %d", len(rows), len(pkts))
			}
			checked := 0
			for i, pkt := range pkts {
				d := decode.Decode(pkt.LinkType(), pkt.Data, pkt.Length)
				want := map[string]string{}
				for j, v := range strings.Split(rows[i], "|") {
					want[tsharkFields[j]] = v
				}
				got := fields(d)
				for k, g := range got {
					if w := want[k]; g != w {
						t.Errorf("packet %d: %s = %q, tshark says %q (problem %q)", pkt.Number, k, g, w, d.Problem)
					}
					checked++
				}
			}
			t.Logf("%d packets, %d fields identical to tshark's", len(pkts), checked)
		})
	}
}

// fields returns the decoded values of the tshark fields the packet has.
func fields(d *decode.Packet) map[string]string {
	f := map[string]string{}
	u := func(v uint64) string { return strconv.FormatUint(v, 10) }
	if d.IPv4 != nil {
		f["ip.src"], f["ip.dst"] = d.Src.String(), d.Dst.String()
		f["ip.flags.mf"] = u(uint64(d.IPv4.Flags & 1))
		f["ip.frag_offset"] = u(uint64(d.IPv4.FragOffset))
	}
	if d.IPv6 != nil {
		f["ipv6.src"], f["ipv6.dst"] = d.Src.String(), d.Dst.String()
	}
	if d.ICMP != nil {
		if d.ICMP.V6 {
			f["icmpv6.type"] = u(uint64(d.ICMP.Type))
		} else {
			f["icmp.type"] = u(uint64(d.ICMP.Type))
		}
		return f // tshark also decodes the datagram an ICMP error quotes
	}
	if t := d.TCP; t != nil {
		f["tcp.srcport"], f["tcp.dstport"] = u(uint64(t.SrcPort)), u(uint64(t.DstPort))
		f["tcp.seq_raw"], f["tcp.ack_raw"] = u(uint64(t.Seq)), u(uint64(t.Ack))
		f["tcp.flags"] = fmt.Sprintf("0x%04x", uint16(t.Flags))
		f["tcp.hdr_len"] = u(uint64(t.HeaderLength))
		f["tcp.window_size_value"] = u(uint64(t.Window))
		f["tcp.len"] = u(uint64(d.PayloadLength))
		var opts []byte
		for _, o := range t.Options {
			opts = append(opts, o.Kind)
			if o.Kind > 1 {
				opts = append(opts, byte(o.Length))
				opts = append(opts, o.Data...)
			}
		}
		if len(opts) > 0 {
			f["tcp.options"] = hex.EncodeToString(opts)
		}
	}
	if x := d.UDP; x != nil {
		f["udp.srcport"], f["udp.dstport"] = u(uint64(x.SrcPort)), u(uint64(x.DstPort))
		f["udp.length"] = u(uint64(x.Length))
	}
	if a := d.ARP; a != nil {
		f["arp.opcode"] = u(uint64(a.Operation))
		f["arp.src.proto_ipv4"] = a.SenderIP().String()
	}
	if e := d.Ethernet; e != nil && len(e.VLANs) > 0 {
		f["vlan.id"] = u(uint64(e.VLANs[0].ID()))
	}
	if s := d.SLL2; s != nil {
		f["sll.ifindex"] = u(uint64(s.IfIndex))
	}
	return f
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// A TCP SYN from 10.0.0.1:1234 to 10.0.0.2:80 with options mss 1460,
// sackOK, TS, nop, wscale 7, and an IPv6 one from 2001:db8::1.
const (
	ipv4SYN = "4500 003c 0001 4000 4006 0000 0a00 0001 0a00 0002" +
		"04d2 0050 0000 0064 0000 0000 a002 faf0 0000 0000" +
		"0204 05b4 0402 080a 0000 0001 0000 0000 0103 0307"
	ipv6Hdr = "6000 0000 0014 0640 2001 0db8 0000 0000 0000 0000 0000 0001" +
		"2001 0db8 0000 0000 0000 0000 0000 0002"
	tcpNoOpts = "04d2 0050 0000 0064 0000 0000 5018 faf0 0000 0000"
)

func TestDecode(t *testing.T) {
	eth := "0200 0000 0002 0200 0000 0001"
	tests := []struct {
		name    string
		lt      capture.LinkType
		data    string
		wireLen int // 0: the data's length
		check   func(*decode.Packet) string
	}{
		{"ethernet", capture.LinkTypeEthernet, eth + "0800" + ipv4SYN, 0, func(d *decode.Packet) string {
			if d.LinkHeaderLength != 14 || d.TCP == nil || !d.TCP.Has(decode.SYN) || len(d.TCP.Options) != 5 ||
				d.TCP.Options[4].Kind != decode.OptWScale || d.TCP.Options[4].Data[0] != 7 || d.Src.String() != "10.0.0.1" {
				return "bad ethernet/TCP decode"
			}
			return ""
		}},
		{"stacked VLANs", capture.LinkTypeEthernet, eth + "88a8 012c 8100 a190 0800" + ipv4SYN, 0, func(d *decode.Packet) string {
			e := d.Ethernet
			if d.LinkHeaderLength != 22 || len(e.VLANs) != 2 || e.VLANs[0].ID() != 300 || e.VLANs[1].ID() != 400 ||
				e.VLANs[1].Priority() != 5 || e.EtherType != decode.EtherTypeIPv4 || d.TCP == nil {
				return fmt.Sprintf("vlans %+v", e.VLANs)
			}
			return ""
		}},
		{"ethernet padding", capture.LinkTypeEthernet, eth + "0800" + "4500 0028 0001 4000 4006 0000 0a00 0001 0a00 0002" + tcpNoOpts + "0000 0000 0000", 0, func(d *decode.Packet) string {
			if len(d.Payload) != 0 || d.PayloadLength != 0 {
				return fmt.Sprintf("padding taken as payload: %d", len(d.Payload))
			}
			return ""
		}},
		{"NULL little-endian", capture.LinkTypeNull, "0200 0000" + ipv4SYN, 0, func(d *decode.Packet) string {
			if d.Loopback.Family != 2 || d.TCP == nil {
				return "family"
			}
			return ""
		}},
		{"NULL big-endian", capture.LinkTypeNull, "0000 001e" + ipv6Hdr + tcpNoOpts, 0, func(d *decode.Packet) string {
			if d.Loopback.Family != 30 || d.IPv6 == nil || d.TCP == nil {
				return "family"
			}
			return ""
		}},
		{"LOOP", capture.LinkTypeLoop, "0000 0018" + ipv6Hdr + tcpNoOpts, 0, func(d *decode.Packet) string {
			if d.TCP == nil || d.Src.String() != "2001:db8::1" {
				return "loop"
			}
			return ""
		}},
		{"RAW v6", capture.LinkTypeRaw, ipv6Hdr + tcpNoOpts, 0, func(d *decode.Packet) string {
			if d.TCP == nil || d.LinkHeaderLength != 0 {
				return "raw"
			}
			return ""
		}},
		{"SLL2", capture.LinkTypeLinuxSLL2, "0800 0000 0000 0002 0001 0406 0200 0000 0001 0000" + ipv4SYN, 0, func(d *decode.Packet) string {
			s := d.SLL2
			if s == nil || s.IfIndex != 2 || s.PacketType != decode.SLLOutgoing || s.HAType != 1 || d.TCP == nil {
				return fmt.Sprintf("sll2 %+v", s)
			}
			return ""
		}},
		{"SLL", capture.LinkTypeLinuxSLL, "0000 0304 0006 0000 0000 0000 0000 0800" + ipv4SYN, 0, func(d *decode.Packet) string {
			if d.SLL == nil || d.SLL.HAType != 772 || d.TCP == nil {
				return "sll"
			}
			return ""
		}},
		{"IPv6 extension headers", capture.LinkTypeIPv6,
			"6000 0000 0034 0040 2001 0db8 0000 0000 0000 0000 0000 0001 2001 0db8 0000 0000 0000 0000 0000 0002" +
				"3c00 0104 0000 0000" + // hop-by-hop, PadN, next: destination options
				"2c00 0104 0000 0000" + // destination options, next: fragment
				"0600 0000 1234 5678" + // fragment offset 0, next: TCP
				tcpNoOpts, 0, func(d *decode.Packet) string {
				ip := d.IPv6
				if len(ip.Extensions) != 3 || ip.NextHeader != decode.ProtoTCP || ip.Fragment == nil ||
					ip.Fragment.Identification != 0x12345678 || d.TCP == nil || d.TransportOffset != 64 {
					return fmt.Sprintf("ext %+v problem %q", ip, d.Problem)
				}
				return ""
			}},
		{"IPv6 later fragment", capture.LinkTypeIPv6,
			"6000 0000 001c 2c40 2001 0db8 0000 0000 0000 0000 0000 0001 2001 0db8 0000 0000 0000 0000 0000 0002" +
				"0600 00b9 1234 5678" + tcpNoOpts, 0, func(d *decode.Packet) string {
				if d.TCP != nil || d.IPv6.Fragment.Offset != 23 || !d.IPv6.Fragment.MoreFragments {
					return "a later fragment has no TCP header"
				}
				return ""
			}},
		{"IPv4 later fragment", capture.LinkTypeIPv4, "4500 003c 0001 20b9 4006 0000 0a00 0001 0a00 0002" + tcpNoOpts + "0000 0000", 0, func(d *decode.Packet) string {
			if d.TCP != nil || d.IPv4.FragOffset != 0xb9 || d.IPv4.Flags != 1 {
				return "a later fragment has no TCP header"
			}
			return ""
		}},
		{"snap length", capture.LinkTypeIPv4, ipv4SYN[:len(ipv4SYN)-10], 60, func(d *decode.Packet) string {
			if d.TCP == nil || d.Problem != "truncated TCP header" {
				return fmt.Sprintf("problem %q", d.Problem)
			}
			return ""
		}},
		{"truncated payload", capture.LinkTypeIPv4, "4500 0064 0001 4000 4006 0000 0a00 0001 0a00 0002" + tcpNoOpts + "4142", 100, func(d *decode.Packet) string {
			if !d.Truncated() || string(d.Payload) != "AB" || d.PayloadLength != 60 || d.Problem != "" {
				return fmt.Sprintf("payload %q of %d", d.Payload, d.PayloadLength)
			}
			return ""
		}},
		{"bad TCP option", capture.LinkTypeIPv4, "4500 0030 0001 4000 4006 0000 0a00 0001 0a00 0002" + "04d2 0050 0000 0064 0000 0000 7002 faf0 0000 0000 0201 0000 0000 0000", 0, func(d *decode.Packet) string {
			if d.Problem != "bad TCP option length 1" {
				return fmt.Sprintf("problem %q", d.Problem)
			}
			return ""
		}},
		{"bad data offset", capture.LinkTypeIPv4, "4500 0028 0001 4000 4006 0000 0a00 0001 0a00 0002" + "04d2 0050 0000 0064 0000 0000 3002 faf0 0000 0000", 0, func(d *decode.Packet) string {
			if d.Problem != "bad TCP header length 12" || d.Payload != nil {
				return fmt.Sprintf("problem %q", d.Problem)
			}
			return ""
		}},
		{"UDP", capture.LinkTypeIPv4, "4500 0021 0001 4000 4011 0000 0a00 0001 0a00 0002 d431 0035 000d 0000 6869 2121 21", 0, func(d *decode.Packet) string {
			if d.UDP == nil || d.UDP.DstPort != 53 || string(d.Payload) != "hi!!!" {
				return "udp"
			}
			return ""
		}},
		{"ICMP echo", capture.LinkTypeIPv4, "4500 001c 0001 4000 4001 0000 0a00 0001 0a00 0002 0800 0000 1234 0007", 0, func(d *decode.Packet) string {
			if echo, req := d.ICMP.IsEcho(); !echo || !req || d.ICMP.ID() != 0x1234 || d.ICMP.Seq() != 7 {
				return "icmp"
			}
			return ""
		}},
		{"ARP", capture.LinkTypeEthernet, "ffff ffff ffff 0200 0000 0001 0806 0001 0800 0604 0001 0200 0000 0001 0a00 0001 0000 0000 0000 0a00 0002", 0, func(d *decode.Packet) string {
			a := d.ARP
			if a == nil || a.Operation != decode.ARPRequest || a.SenderIP().String() != "10.0.0.1" || a.TargetIP().String() != "10.0.0.2" {
				return "arp"
			}
			return ""
		}},
		{"truncated Ethernet", capture.LinkTypeEthernet, "0200 0000", 60, func(d *decode.Packet) string {
			if d.Problem != "truncated Ethernet header" {
				return d.Problem
			}
			return ""
		}},
		{"raw unknown version", capture.LinkTypeRaw, "5000", 0, func(d *decode.Packet) string {
			if d.Problem != "unknown IP version" {
				return d.Problem
			}
			return ""
		}},
	}
	for _, tt := range tests {
		data := mustHex(tt.data)
		n := tt.wireLen
		if n == 0 {
			n = len(data)
		}
		d := decode.Decode(tt.lt, data, n)
		if msg := tt.check(d); msg != "" {
			t.Errorf("%s: %s", tt.name, msg)
		}
	}
}

// FuzzDecode checks that no input makes Decode panic.
func FuzzDecode(f *testing.F) {
	f.Add(uint32(capture.LinkTypeEthernet), mustHex("0200 0000 0002 0200 0000 0001 0800"+ipv4SYN), 74)
	f.Add(uint32(capture.LinkTypeRaw), mustHex(ipv6Hdr+tcpNoOpts), 60)
	f.Fuzz(func(t *testing.T, lt uint32, data []byte, wireLen int) {
		for _, l := range []capture.LinkType{capture.LinkType(lt), capture.LinkTypeEthernet, capture.LinkTypeRaw,
			capture.LinkTypeLinuxSLL, capture.LinkTypeLinuxSLL2, capture.LinkTypeNull} {
			d := decode.Decode(l, data, wireLen)
			if len(d.Payload) > len(data) {
				t.Fatalf("payload longer than the data")
			}
		}
	})
}

func ExampleDecode() {
	data := mustHex("4500 002e 0001 4000 4006 0000 0a00 0001 0a00 0002" + tcpNoOpts + "6869 2121 2121")
	d := decode.Decode(capture.LinkTypeIPv4, data, len(data))
	fmt.Println(d.Src, d.TCP.SrcPort, "->", d.Dst, d.TCP.DstPort, d.TCP.Has(decode.PSH|decode.ACK), string(d.Payload))
	// Output: 10.0.0.1 1234 -> 10.0.0.2 80 true hi!!!!
}
