package live_test

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/internal/testenv"
)

// ipPacket is a 40-byte IPv4 TCP SYN from 127.0.0.1:60653 to 127.0.0.1:7272.
var ipPacket = []byte{
	0x45, 0x00, 0x00, 0x28, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	127, 0, 0, 1, 127, 0, 0, 1,
	0xec, 0xed, 0x1c, 0x68, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x80, 0x00, 0, 0, 0, 0,
}

// TestLinkHeaders builds the headers a live capture adds and has tcpdump -e
// read them back.
func TestLinkHeaders(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	lo := live.LinkAddr{Protocol: 0x0800, Ifindex: 1, Hatype: 772, Pkttype: 0, Halen: 6}
	eth := live.LinkAddr{Protocol: 0x0800, Ifindex: 2, Hatype: 1, Pkttype: 4, Halen: 6,
		Addr: [8]byte{0x02, 0xfc, 0, 0, 0, 1}}
	ethFrame := append([]byte{1, 2, 3, 4, 5, 6, 0x02, 0xfc, 0, 0, 0, 1, 0x08, 0x00}, ipPacket...)
	tests := []struct {
		name string
		link capture.LinkType
		data []byte
		want string // what tcpdump -e prints between the timestamp and the IP addresses
	}{
		{"sll2 lo in", capture.LinkTypeLinuxSLL2, sll2(lo), "In ifindex 1 00:00:00:00:00:00 ethertype IPv4 (0x0800), length 60: 127.0.0.1.60653 > 127.0.0.1.7272"},
		{"sll2 eth out", capture.LinkTypeLinuxSLL2, sll2(eth), "Out ifindex 2 02:fc:00:00:00:01 ethertype IPv4 (0x0800), length 60: 127.0.0.1.60653 > 127.0.0.1.7272"},
		{"sll v1 out", capture.LinkTypeLinuxSLL, sll(eth), "Out 02:fc:00:00:00:01 ethertype IPv4 (0x0800), length 56: 127.0.0.1.60653 > 127.0.0.1.7272"},
		{"ethernet vlan", capture.LinkTypeEthernet, live.InsertVLANTag(ethFrame, 12, 0x8100, 3<<13|100),
			"02:fc:00:00:00:01 > 01:02:03:04:05:06, ethertype 802.1Q (0x8100), length 58: vlan 100, p 3, ethertype IPv4 (0x0800), 127.0.0.1.60653 > 127.0.0.1.7272"},
		{"sll v1 vlan", capture.LinkTypeLinuxSLL, live.InsertVLANTag(sll(eth), 14, 0x8100, 7),
			"Out 02:fc:00:00:00:01 ethertype 802.1Q (0x8100), length 60: vlan 7, p 0, ethertype IPv4, 127.0.0.1.60653 > 127.0.0.1.7272"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.pcap")
			ifc := &capture.Interface{LinkType: tt.link, SnapLen: 262144}
			writePcap(t, path, ifc, []*capture.Packet{{Timestamp: time.Unix(1, 0), Interface: ifc, Data: tt.data, Length: len(tt.data)}})
			out, err := exec.Command(tcpdump, "-r", path, "-nn", "-e", "-t").Output()
			if err != nil {
				t.Fatalf("tcpdump: %v", err)
			}
			got := strings.TrimSpace(string(out))
			got = strings.Join(strings.Fields(got), " ")
			if !strings.Contains(got, tt.want) {
				t.Errorf("tcpdump -e prints\n%s\nwant it to contain\n%s", got, tt.want)
			}
		})
	}
}

func sll2(a live.LinkAddr) []byte {
	b := make([]byte, 20, 20+len(ipPacket))
	live.PutSLL2(b, &a)
	return append(b, ipPacket...)
}

func sll(a live.LinkAddr) []byte {
	b := make([]byte, 16, 16+len(ipPacket))
	live.PutSLL(b, &a)
	return append(b, ipPacket...)
}

// TestKeep checks which copies of a packet a capture keeps.
func TestKeep(t *testing.T) {
	tests := []struct {
		a    live.LinkAddr
		want bool
	}{
		{live.LinkAddr{Ifindex: 1, Pkttype: 0}, true},               // lo, incoming
		{live.LinkAddr{Ifindex: 1, Pkttype: 4}, false},              // lo, outgoing: seen again incoming
		{live.LinkAddr{Ifindex: 2, Pkttype: 4, Hatype: 1}, true},    // eth0, outgoing
		{live.LinkAddr{Ifindex: 3, Pkttype: 4, Hatype: 280}, false}, // CAN, outgoing: looped back
		{live.LinkAddr{Ifindex: 2, Pkttype: 1, Hatype: 1}, true},    // broadcast
	}
	for _, tt := range tests {
		if got := live.Keep(&tt.a, 1); got != tt.want {
			t.Errorf("keep(%+v) = %v, want %v", tt.a, got, tt.want)
		}
	}
}

// TestTCPPort checks the port filter on real captures of every cooked and
// Ethernet link type against tcpdump's count for "tcp port N".
func TestTCPPort(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	for _, tt := range []struct {
		file string
		port uint16
	}{
		{"workerman-chat.pcap", 7272},
		{"workerman-chat.pcap", 60653},
		{"chromium-ws-deflate.pcap", 9001},
		{"chromium-ws-plain-any.pcap", 9003},
		{"chromium-ws-plain-any.pcap", 80},
	} {
		path := filepath.Join("..", "..", "testdata", tt.file)
		ifc, packets := readPcap(t, path)
		keep := live.TCPPort(tt.port)
		got := 0
		for _, p := range packets {
			p.Interface = ifc
			if keep(p) {
				got++
			}
		}
		out, err := exec.Command(tcpdump, "-r", path, "-nn", "tcp", "port", strconv.Itoa(int(tt.port))).Output()
		if err != nil {
			t.Fatalf("tcpdump: %v", err)
		}
		want := strings.Count(string(out), "\n")
		if got != want {
			t.Errorf("%s port %d: filter keeps %d packets, tcpdump %d", tt.file, tt.port, got, want)
		}
	}
}

// TestTCPOf counts the SYNs and FINs of real captures, as the filters and
// Record see them, and compares with tcpdump's counts.
func TestTCPOf(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	for _, file := range []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap"} {
		path := filepath.Join("..", "..", "testdata", file)
		_, packets := readPcap(t, path)
		for _, flag := range []struct {
			name string
			bit  decode.TCPFlags
		}{{"tcp-syn", decode.SYN}, {"tcp-fin", decode.FIN}, {"tcp-push", decode.PSH}} {
			got := 0
			for _, p := range packets {
				if tcp := live.TCPOf(p); tcp != nil && tcp.Flags&flag.bit != 0 {
					got++
				}
			}
			out, err := exec.Command(tcpdump, "-r", path, "-nn", "tcp[tcpflags] & "+flag.name+" != 0").Output()
			if err != nil {
				t.Fatalf("tcpdump: %v", err)
			}
			if want := strings.Count(string(out), "\n"); got != want {
				t.Errorf("%s: %d packets with %s, tcpdump counts %d", file, got, flag.name, want)
			}
		}
	}
}

// readPcap reads a little-endian classic pcap file with microsecond
// timestamps, the kind in testdata.
func readPcap(t *testing.T, path string) (*capture.Interface, []*capture.Packet) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("%s: not a little-endian microsecond pcap file", path)
	}
	ifc := &capture.Interface{SnapLen: binary.LittleEndian.Uint32(b[16:]), LinkType: capture.LinkType(binary.LittleEndian.Uint32(b[20:]))}
	var packets []*capture.Packet
	for b = b[24:]; len(b) >= 16; {
		n := int(binary.LittleEndian.Uint32(b[8:]))
		if len(b) < 16+n {
			t.Fatalf("%s: truncated record", path)
		}
		packets = append(packets, &capture.Packet{
			Number:    len(packets) + 1,
			Timestamp: time.Unix(int64(binary.LittleEndian.Uint32(b)), int64(binary.LittleEndian.Uint32(b[4:]))*1000),
			Interface: ifc,
			Data:      b[16 : 16+n],
			Length:    int(binary.LittleEndian.Uint32(b[12:])),
		})
		b = b[16+n:]
	}
	return ifc, packets
}
