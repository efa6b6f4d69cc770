package capture_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// This file checks capture and capture/decode against a second
// implementation nobody here wrote: github.com/gopacket/gopacket (the
// maintained fork of google/gopacket, which knows LINUX_SLL2).

// gopacketFiles lists the capture files of testdata and testdata/corpus.
func gopacketFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, dir := range []string{"../testdata", "../testdata/corpus"} {
		for _, pattern := range []string{"*.pcap", "*.pcapng", "*.pcap.gz", "*.pcapng.gz"} {
			m, err := filepath.Glob(filepath.Join(dir, pattern))
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, m...)
		}
	}
	if len(files) == 0 {
		t.Fatal("no capture files under ../testdata")
	}
	return files
}

// readAll reads every packet of a capture file with capture.OpenFile.
func readAll(t *testing.T, name string) ([]*capture.Packet, error) {
	t.Helper()
	r, err := capture.OpenFile(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var pkts []*capture.Packet
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return pkts, nil
		}
		if err != nil {
			return pkts, err
		}
		pkts = append(pkts, p)
	}
}

// gopacketPacket is a packet as pcapgo reads it.
type gopacketPacket struct {
	data []byte
	ci   gopacket.CaptureInfo
	link layers.LinkType
}

// readPcapgo reads every packet of a capture file with pcapgo.
func readPcapgo(name string) ([]gopacketPacket, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(name, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if b, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	var pkts []gopacketPacket
	if len(b) >= 4 && bytes.Equal(b[:4], []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		r, err := pcapgo.NewNgReader(bytes.NewReader(b), pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, err
		}
		for {
			data, ci, err := r.ReadPacketData()
			if errors.Is(err, io.EOF) {
				return pkts, nil
			}
			if err != nil {
				return pkts, err
			}
			ifc, err := r.Interface(ci.InterfaceIndex)
			if err != nil {
				return pkts, err
			}
			pkts = append(pkts, gopacketPacket{data, ci, ifc.LinkType})
		}
	}
	r, err := pcapgo.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	for {
		data, ci, err := r.ReadPacketData()
		if errors.Is(err, io.EOF) {
			return pkts, nil
		}
		if err != nil {
			return pkts, err
		}
		pkts = append(pkts, gopacketPacket{data, ci, r.LinkType()})
	}
}

// pcapgoTimestampGaps are files whose timestamps pcapgo reads wrongly,
// and why; tshark reads them as capture does.
var pcapgoTimestampGaps = map[string]string{
	"sections.pcapng": "pcapgo misreads an if_tsresol that is a power of two (2^-20 s) with an if_tsoffset",
}

// TestReaderLikePcapgo reads every capture file of testdata with
// capture.OpenFile and with pcapgo, and requires the same packets: bytes,
// lengths, timestamps and link types. Files pcapgo cannot read are logged.
func TestReaderLikePcapgo(t *testing.T) {
	var files, packets int
	for _, name := range gopacketFiles(t) {
		theirs, err := readPcapgo(name)
		if err != nil {
			t.Logf("%s: not compared: pcapgo stops after %d packets: %v", name, len(theirs), err)
			continue
		}
		ours, err := readAll(t, name)
		if err != nil {
			t.Errorf("%s: capture reads %d packets, then: %v; pcapgo reads %d", name, len(ours), err, len(theirs))
			continue
		}
		if len(ours) != len(theirs) {
			t.Errorf("%s: capture reads %d packets, pcapgo %d", name, len(ours), len(theirs))
			continue
		}
		for i, p := range ours {
			g := theirs[i]
			switch {
			case !bytes.Equal(p.Data, g.data):
				t.Errorf("%s packet %d: bytes differ:\nours  % x\ntheirs % x", name, p.Number, p.Data, g.data)
			case p.Length != g.ci.Length:
				t.Errorf("%s packet %d: length %d, pcapgo %d", name, p.Number, p.Length, g.ci.Length)
			case !p.Timestamp.Equal(g.ci.Timestamp) && pcapgoTimestampGaps[filepath.Base(name)] == "":
				t.Errorf("%s packet %d: timestamp %v, pcapgo %v", name, p.Number, p.Timestamp, g.ci.Timestamp)
			case uint32(p.LinkType()) != uint32(g.link):
				t.Errorf("%s packet %d: link type %d, pcapgo %d", name, p.Number, p.LinkType(), g.link)
			}
		}
		files++
		packets += len(ours)
	}
	if files < 10 {
		t.Fatalf("only %d files compared", files)
	}
	t.Logf("%d files, %d packets read alike by capture and pcapgo", files, packets)
}

// TestDecodeLikeGopacket decodes every packet of testdata with
// capture/decode and with gopacket/layers, and compares the fields of the
// LINUX_SLL2, IPv4, IPv6, TCP and UDP headers both find.
func TestDecodeLikeGopacket(t *testing.T) {
	counts := map[string]int{}
	for _, name := range gopacketFiles(t) {
		pkts, _ := readAll(t, name) // a file with a bad packet is checked up to it
		for _, p := range pkts {
			d := decode.Decode(p.LinkType(), p.Data, p.Length)
			g := gopacket.NewPacket(p.Data, layers.LinkType(p.LinkType()), gopacket.DecodeOptions{NoCopy: true})
			where := func() string { return name + " packet " + strconv.Itoa(p.Number) }
			compareDecoded(t, where, d, g, counts)
		}
	}
	for _, l := range []string{"LINUX_SLL2", "IPv4", "IPv6", "TCP", "UDP"} {
		if counts[l] == 0 {
			t.Errorf("no %s header compared", l)
		}
	}
	t.Logf("headers decoded alike by capture/decode and gopacket/layers: %v", counts)
}

// field records one compared field.
type field struct {
	name        string
	ours, their any
}

func compareFields(t *testing.T, where func() string, layer string, fs []field) {
	t.Helper()
	for _, f := range fs {
		if f.ours != f.their {
			t.Errorf("%s: %s %s: decode %v, gopacket %v", where(), layer, f.name, f.ours, f.their)
		}
	}
}

func addr(ip []byte) netip.Addr {
	a, _ := netip.AddrFromSlice(ip)
	return a
}

func compareDecoded(t *testing.T, where func() string, d *decode.Packet, g gopacket.Packet, counts map[string]int) {
	t.Helper()
	if s, ok := g.Layer(layers.LayerTypeLinuxSLL2).(*layers.LinuxSLL2); ok && d.SLL2 != nil {
		counts["LINUX_SLL2"]++
		compareFields(t, where, "LINUX_SLL2", []field{
			{"protocol", d.SLL2.Protocol, uint16(s.ProtocolType)},
			{"interface index", d.SLL2.IfIndex, s.InterfaceIndex},
			{"hardware type", d.SLL2.HAType, uint16(s.ARPHardwareType)},
			{"packet type", d.SLL2.PacketType, uint8(s.PacketType)},
			{"address length", d.SLL2.AddrLen, s.AddrLength},
			{"address", string(d.SLL2.Addr[:min(int(d.SLL2.AddrLen), len(d.SLL2.Addr))]), string(s.Addr)},
		})
	}
	if ip, ok := g.Layer(layers.LayerTypeIPv4).(*layers.IPv4); ok && d.IPv4 != nil {
		counts["IPv4"]++
		compareFields(t, where, "IPv4", []field{
			{"source", d.Src, addr(ip.SrcIP)},
			{"destination", d.Dst, addr(ip.DstIP)},
			{"header length", d.IPv4.HeaderLength, int(ip.IHL) * 4},
			{"TOS", d.IPv4.TOS, ip.TOS},
			{"total length", d.IPv4.TotalLength, ip.Length},
			{"ID", d.IPv4.ID, ip.Id},
			{"flags", d.IPv4.Flags, uint8(ip.Flags)},
			{"fragment offset", d.IPv4.FragOffset, ip.FragOffset},
			{"TTL", d.IPv4.TTL, ip.TTL},
			{"protocol", d.IPv4.Protocol, uint8(ip.Protocol)},
			{"checksum", d.IPv4.Checksum, ip.Checksum},
		})
	}
	if ip, ok := g.Layer(layers.LayerTypeIPv6).(*layers.IPv6); ok && d.IPv6 != nil {
		counts["IPv6"]++
		fs := []field{
			{"source", d.Src, addr(ip.SrcIP)},
			{"destination", d.Dst, addr(ip.DstIP)},
			{"traffic class", d.IPv6.TrafficClass, ip.TrafficClass},
			{"flow label", d.IPv6.FlowLabel, ip.FlowLabel},
			{"payload length", d.IPv6.PayloadLength, ip.Length},
			{"hop limit", d.IPv6.HopLimit, ip.HopLimit},
		}
		if len(d.IPv6.Extensions) == 0 {
			fs = append(fs, field{"next header", d.IPv6.NextHeader, uint8(ip.NextHeader)})
		}
		compareFields(t, where, "IPv6", fs)
	}
	if tcp, ok := g.Layer(layers.LayerTypeTCP).(*layers.TCP); ok && d.TCP != nil {
		counts["TCP"]++
		flags := map[decode.TCPFlags]bool{
			decode.FIN: tcp.FIN, decode.SYN: tcp.SYN, decode.RST: tcp.RST, decode.PSH: tcp.PSH,
			decode.ACK: tcp.ACK, decode.URG: tcp.URG, decode.ECE: tcp.ECE, decode.CWR: tcp.CWR, decode.AE: tcp.NS,
		}
		var theirFlags decode.TCPFlags
		for f, set := range flags {
			if set {
				theirFlags |= f
			}
		}
		compareFields(t, where, "TCP", []field{
			{"source port", d.TCP.SrcPort, uint16(tcp.SrcPort)},
			{"destination port", d.TCP.DstPort, uint16(tcp.DstPort)},
			{"sequence number", d.TCP.Seq, tcp.Seq},
			{"acknowledgment number", d.TCP.Ack, tcp.Ack},
			{"header length", d.TCP.HeaderLength, int(tcp.DataOffset) * 4},
			{"flags", d.TCP.Flags, theirFlags},
			{"window", d.TCP.Window, tcp.Window},
			{"checksum", d.TCP.Checksum, tcp.Checksum},
			{"urgent pointer", d.TCP.Urgent, tcp.Urgent},
			{"payload", string(d.Payload), string(tcp.Payload)},
		})
	}
	if udp, ok := g.Layer(layers.LayerTypeUDP).(*layers.UDP); ok && d.UDP != nil {
		counts["UDP"]++
		compareFields(t, where, "UDP", []field{
			{"source port", d.UDP.SrcPort, uint16(udp.SrcPort)},
			{"destination port", d.UDP.DstPort, uint16(udp.DstPort)},
			{"length", d.UDP.Length, udp.Length},
			{"checksum", d.UDP.Checksum, udp.Checksum},
		})
	}
}
