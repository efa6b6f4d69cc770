package tcpdump_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/internal/testenv"
)

// TestConformanceMutated takes the packets of the real captures, damages
// them in the ways hostile or broken traffic does (cut short, bad header and
// option lengths, odd TCP options, IPv6 extension headers, VLAN tags,
// application payloads on the ports tcpdump decodes, ...), and requires the
// printer's output to equal tcpdump's for every packet the printer claims
// to print exactly. The mutations are random but seeded, so runs repeat;
// set WSTRACE_MUTATIONS to change how many packets are made per link type
// (default 1500), WSTRACE_SEED to try other seeds, and WSTRACE_KEEP_MUTANTS
// to a directory to keep the generated captures.
func TestConformanceMutated(t *testing.T) {
	tool := testenv.NeedTool(t, "tcpdump")
	if testing.Short() {
		t.Skip("skipping the mutation test in short mode")
	}
	n := 1500
	if s := os.Getenv("WSTRACE_MUTATIONS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatal(err)
		}
		n = v
	}
	seed := uint64(1)
	if s := os.Getenv("WSTRACE_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seed = v
	}
	byType := map[capture.LinkType][]*capture.Packet{}
	for _, file := range captureFiles(t) {
		for _, p := range readAll(t, file) {
			if p.LinkType().Supported() && len(p.Data) > 0 {
				byType[p.LinkType()] = append(byType[p.LinkType()], p)
			}
		}
	}
	var types []capture.LinkType
	for lt := range byType {
		types = append(types, lt)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	var total, same, inexact int
	for _, lt := range types {
		t.Run(lt.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(lt)))
			pkts := mutants(rng, byType[lt], n)
			dir := os.Getenv("WSTRACE_KEEP_MUTANTS") // keep the files there
			if dir == "" {
				dir = t.TempDir()
			}
			file := filepath.Join(dir, "mutants-"+lt.String()+".pcap")
			writePcap(t, file, pkts)
			for _, m := range modes[:9] {
				flags := fmt.Sprint(m.flags)
				want, err := runTcpdump(tool, file, m.flags)
				if err != nil {
					t.Fatalf("tcpdump %s: %v", flags, err)
				}
				r := compare(t, lt.String(), flags, m.opts, pkts, want)
				total += r.total
				same += r.same
				inexact += r.inexactPackets
				t.Logf("%-10s %-12s identical lines %d/%d (packets %d, not exact %d)", lt, flags, r.same, r.total, r.packets, r.inexactPackets)
				if t.Failed() {
					t.Logf("mutants kept in %s", keep(t, file))
					return
				}
			}
		})
	}
	t.Logf("all link types and modes: identical lines %d/%d; packets the printer does not claim exact: %d", same, total, inexact)
}

// keep copies a failing mutant file where it survives the test.
func keep(t *testing.T, file string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	name := filepath.Join(os.TempDir(), "wstrace-mutants-"+t.Name()[len("TestConformanceMutated/"):]+".pcap")
	if err := os.WriteFile(name, b, 0o644); err != nil {
		return err.Error()
	}
	return name
}

// mutants makes n damaged copies of packets chosen from base.
func mutants(rng *rand.Rand, base []*capture.Packet, n int) []*capture.Packet {
	start := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	out := make([]*capture.Packet, 0, n)
	for i := 0; i < n; i++ {
		src := base[rng.IntN(len(base))]
		m := &mutant{rng: rng, lt: src.LinkType(), data: append([]byte(nil), src.Data...), length: src.Length}
		steps := 1 + rng.IntN(3)
		for j := 0; j < steps; j++ {
			m.mutate()
		}
		if rng.IntN(4) == 0 {
			m.cut(rng.IntN(len(m.data) + 1))
		}
		if m.length < len(m.data) {
			m.length = len(m.data)
		}
		if len(m.data) == 0 {
			m.data = src.Data[:1]
		}
		ts := start.Add(time.Duration(i)*time.Second + time.Duration(rng.IntN(1e6))*time.Microsecond)
		switch rng.IntN(200) {
		case 0: // a record header tcpdump calls invalid
			m.length = rng.IntN(len(m.data))
		case 1: // a time tcpdump cannot convert
			ts = time.Unix(1<<31+int64(i), int64(rng.IntN(1e6))*1000)
		}
		out = append(out, &capture.Packet{
			Number:    i + 1,
			Timestamp: ts,
			Interface: src.Interface,
			Data:      m.data,
			Length:    m.length,
		})
	}
	return out
}

type mutant struct {
	rng    *rand.Rand
	lt     capture.LinkType
	data   []byte
	length int // on the wire
}

func (m *mutant) decode() *decode.Packet { return decode.Decode(m.lt, m.data, m.length) }

// cut shortens the captured bytes to n, as a snap length does.
func (m *mutant) cut(n int) {
	if n < len(m.data) {
		m.data = m.data[:n]
	}
}

// splice replaces data[at:at+del] with ins and fixes the wire length.
func (m *mutant) splice(at, del int, ins []byte) {
	if at > len(m.data) {
		at = len(m.data)
	}
	if at+del > len(m.data) {
		del = len(m.data) - at
	}
	d := append(append(append([]byte(nil), m.data[:at]...), ins...), m.data[at+del:]...)
	m.length += len(d) - len(m.data)
	m.data = d
}

// ipLengths adds delta to the IP length fields of the packet.
func (m *mutant) ipLengths(d *decode.Packet, delta int) {
	off := d.LinkHeaderLength
	switch {
	case d.IPv4 != nil:
		v := int(binary.BigEndian.Uint16(m.data[off+2:])) + delta
		binary.BigEndian.PutUint16(m.data[off+2:], uint16(v))
	case d.IPv6 != nil:
		v := int(binary.BigEndian.Uint16(m.data[off+4:])) + delta
		binary.BigEndian.PutUint16(m.data[off+4:], uint16(v))
	}
}

func (m *mutant) mutate() {
	d := m.decode()
	net := d.LinkHeaderLength
	r := m.rng
	switch r.IntN(16) {
	case 0: // a random byte anywhere in the first 100
		if len(m.data) > 0 {
			m.data[r.IntN(min(len(m.data), 100))] = byte(r.Uint32())
		}
	case 1: // a random byte in the network header
		if len(m.data) > net+1 {
			i := net + r.IntN(min(len(m.data)-net, 40))
			m.data[i] = byte(r.Uint32())
		}
	case 2: // a random byte in the transport header
		if t := d.TransportOffset; t > 0 && len(m.data) > t+1 {
			i := t + r.IntN(min(len(m.data)-t, 60))
			m.data[i] = byte(r.Uint32())
		}
	case 3: // new TCP options
		if d.TCP != nil && len(m.data) >= d.TransportOffset+d.TCP.HeaderLength {
			m.tcpOptions(d)
		}
	case 4: // TCP data offset
		if d.TCP != nil {
			t := d.TransportOffset
			m.data[t+12] = byte(r.IntN(16))<<4 | m.data[t+12]&0x0f
		}
	case 5: // TCP flags
		if d.TCP != nil {
			m.data[d.TransportOffset+13] = byte(r.Uint32())
		}
	case 6: // IP length fields
		if d.IPv4 != nil || d.IPv6 != nil {
			m.ipLengths(d, r.IntN(81)-40)
		}
	case 7: // IPv4 header length, options
		if d.IPv4 != nil {
			m.ipv4Options(d)
		}
	case 8: // IPv6 extension headers
		if d.IPv6 != nil && d.TransportOffset > 0 {
			m.ipv6Extension(d)
		}
	case 9: // VLAN tags
		if m.lt == capture.LinkTypeEthernet && len(m.data) >= 14 {
			tpids := []uint16{0x8100, 0x88a8, 0x9100, 0x9200}
			tag := binary.BigEndian.AppendUint16(nil, tpids[r.IntN(4)])
			tag = binary.BigEndian.AppendUint16(tag, uint16(r.Uint32()))
			m.splice(12, 0, tag)
		}
	case 10: // the ports of a protocol tcpdump decodes, with its text
		if d.TCP != nil || d.UDP != nil {
			m.appPayload(d)
		}
	case 11: // wire length longer than captured
		m.length += r.IntN(3000)
	case 12: // link-layer type fields
		m.linkType()
	case 13: // ICMP type and code
		if d.ICMP != nil && len(m.data) >= d.TransportOffset+2 {
			m.data[d.TransportOffset] = byte(r.IntN(20))
			if d.ICMP.V6 {
				m.data[d.TransportOffset] = []byte{1, 2, 3, 4, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 143, 144, 145, 200}[r.IntN(18)]
			}
			m.data[d.TransportOffset+1] = byte(r.IntN(17))
		}
	case 14: // UDP length
		if d.UDP != nil {
			binary.BigEndian.PutUint16(m.data[d.TransportOffset+4:], uint16(int(d.UDP.Length)+r.IntN(41)-20))
		}
	case 15: // protocol number
		switch {
		case d.IPv4 != nil:
			m.data[net+9] = []byte{1, 6, 17, 58, 4, 41, 59, 77, 200, 2}[r.IntN(10)]
		case d.IPv6 != nil:
			m.data[net+6] = []byte{1, 6, 17, 58, 4, 41, 59, 77, 200, 0, 43, 44, 60}[r.IntN(13)]
		}
	}
}

// tcpOptions replaces the TCP options with a random list, well formed or
// not, and moves the payload accordingly.
func (m *mutant) tcpOptions(d *decode.Packet) {
	r := m.rng
	var o []byte
	for k := r.IntN(6); k >= 0; k-- {
		switch r.IntN(22) {
		case 0:
			o = append(o, 0)
		case 1, 2:
			o = append(o, 1)
		case 3:
			o = append(o, 2, 4, byte(r.Uint32()), byte(r.Uint32()))
		case 4:
			o = append(o, 3, 3, byte(r.IntN(16)))
		case 5:
			o = append(o, 4, 2)
		case 6:
			nb := r.IntN(4)
			o = append(o, 5, byte(2+8*nb))
			for i := 0; i < 8*nb; i++ {
				o = append(o, byte(r.Uint32()))
			}
		case 7:
			o = append(o, 8, 10)
			o = binary.BigEndian.AppendUint64(o, r.Uint64())
		case 8:
			o = append(o, 19, 18)
			for i := 0; i < 16; i++ {
				o = append(o, byte(r.Uint32()))
			}
		case 9:
			o = append(o, 28, 4, byte(r.Uint32()), byte(r.Uint32()))
		case 10: // tfo with a cookie, a request, or an odd length
			l := []int{2, 6, 10, 18, 5}[r.IntN(5)]
			o = append(o, 34, byte(l))
			for i := 2; i < l; i++ {
				o = append(o, byte(r.Uint32()))
			}
		case 11: // experimental fast open or other magic
			l := []int{4, 8, 12, 3}[r.IntN(4)]
			o = append(o, 254, byte(l))
			magic := []uint16{0xf989, 0x1234}[r.IntN(2)]
			o = binary.BigEndian.AppendUint16(o, magic)
			for i := 4; i < l; i++ {
				o = append(o, byte(r.Uint32()))
			}
		case 12: // mptcp
			l := []int{4, 12, 20, 22, 16, 24, 8, 10, 3, 30}[r.IntN(10)]
			o = append(o, 30, byte(l), byte(r.IntN(9))<<4|byte(r.IntN(3)), byte(r.Uint32()))
			for i := 4; i < l; i++ {
				o = append(o, byte(r.Uint32()))
			}
		case 13: // unknown kinds
			kind := []byte{9, 10, 14, 15, 16, 17, 18, 21, 27, 31, 99, 253}[r.IntN(12)]
			l := r.IntN(6) + 2
			o = append(o, kind, byte(l))
			for i := 2; i < l; i++ {
				o = append(o, byte(r.Uint32()))
			}
		case 14: // a bad length
			o = append(o, []byte{2, 3, 8, 5, 99, 19, 30}[r.IntN(7)], byte(r.IntN(3)))
		case 15: // a length past the end
			o = append(o, 2, 40, 1, 1)
		case 16: // wrong lengths for fixed options
			o = append(o, []byte{2, 3, 8, 28, 4}[r.IntN(5)], byte(3+r.IntN(8)))
			o = append(o, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
		case 17: // cc, echo, scps
			kind := []byte{6, 7, 11, 12, 13, 20}[r.IntN(6)]
			o = append(o, kind, 6, 1, 2, 3, 4)
		case 18: // tcp-ao
			l := []int{2, 3, 4, 6, 10}[r.IntN(5)]
			o = append(o, 29, byte(l))
			for i := 2; i < l; i++ {
				o = append(o, byte(r.Uint32()))
			}
		default:
			o = append(o, 1, 1, 8, 10)
			o = binary.BigEndian.AppendUint64(o, r.Uint64())
		}
	}
	if r.IntN(4) != 0 {
		for len(o)%4 != 0 {
			o = append(o, 0)
		}
	}
	if len(o) > 40 {
		o = o[:40]
	}
	t := d.TransportOffset
	old := d.TCP.HeaderLength - 20
	m.splice(t+20, old, o)
	hl := (20 + len(o) + 3) / 4
	m.data[t+12] = byte(hl)<<4 | m.data[t+12]&0x0f
	m.ipLengths(d, len(o)-old)
}

// ipv4Options gives the IPv4 header options, or a bad header length.
func (m *mutant) ipv4Options(d *decode.Packet) {
	r := m.rng
	net := d.LinkHeaderLength
	if r.IntN(3) == 0 {
		m.data[net] = 0x40 | byte(r.IntN(16))
		return
	}
	opts := [][]byte{{1, 1, 1, 0}, {7, 7, 4, 10, 0, 0, 1}, {0x94, 4, 0, 0}, {68, 12, 5, 1, 0, 0, 0, 1, 0, 0, 0, 2}, {131, 3, 4}}
	o := append([]byte(nil), opts[r.IntN(len(opts))]...)
	for len(o)%4 != 0 {
		o = append(o, 0)
	}
	old := d.IPv4.HeaderLength - 20
	m.splice(net+20, old, o)
	m.data[net] = 0x40 | byte((20+len(o))/4)
	m.ipLengths(d, len(o)-old)
}

// ipv6Extension inserts an extension header before the transport header.
func (m *mutant) ipv6Extension(d *decode.Packet) {
	r := m.rng
	net := d.LinkHeaderLength
	t := d.TransportOffset
	// The next header field that points at the transport header.
	nhAt := net + 6
	pos := net + 40
	for _, e := range d.IPv6.Extensions {
		nhAt = pos
		pos += e.Length
	}
	if nhAt >= len(m.data) {
		return
	}
	next := m.data[nhAt]
	var h []byte
	var typ byte
	switch r.IntN(6) {
	case 0: // hop-by-hop, padded, maybe with a router alert or jumbo
		typ = 0
		h = []byte{next, 0, 1, 4, 0, 0, 0, 0}
		if r.IntN(2) == 0 {
			h = []byte{next, 0, 5, 2, 0, 0, 1, 0}
		}
		if r.IntN(4) == 0 {
			h = []byte{next, 0, 0xc2, 4, 0, 1, 0, 0}
		}
	case 1: // destination options
		typ = 60
		h = []byte{next, byte(r.IntN(2)), 1, 4, 0, 0, 0, 0}
		if h[1] == 1 {
			h = append(h, 1, 6, 0, 0, 0, 0, 0, 0)
		}
	case 2: // routing, type 0, 2, 4 or other
		typ = 43
		rt := []byte{0, 2, 4, 3}[r.IntN(4)]
		h = []byte{next, 2, rt, 1, 0, 0, 0, 0}
		h = append(h, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1)
	case 3: // fragment, first or not
		typ = 44
		off := []uint16{0, 0, 0x0008 | 1, 185 << 3}[r.IntN(4)]
		h = []byte{next, 0}
		h = binary.BigEndian.AppendUint16(h, off)
		h = binary.BigEndian.AppendUint32(h, r.Uint32())
	case 4: // a bad length
		typ = []byte{0, 60, 43}[r.IntN(3)]
		h = []byte{next, byte(r.Uint32()), 1, 4, 0, 0, 0, 0}
	case 5: // mobility or no next header
		typ = []byte{59, 135}[r.IntN(2)]
		h = []byte{next, 0, 0, 0, 0, 0, 0, 0}
	}
	m.data[nhAt] = typ
	m.splice(t, 0, h)
	m.ipLengths(d, len(h))
}

// appPayload moves the segment to a port tcpdump decodes and gives it a
// payload in that protocol, well formed or not.
func (m *mutant) appPayload(d *decode.Packet) {
	r := m.rng
	t := d.TransportOffset
	ports := []uint16{80, 8080, 22, 21, 25, 43, 554, 8554, 53, 5353, 23, 179, 2049, 123, 67, 7001, 4789, 9001}
	port := ports[r.IntN(len(ports))]
	if r.IntN(2) == 0 {
		binary.BigEndian.PutUint16(m.data[t:], port)
	} else {
		binary.BigEndian.PutUint16(m.data[t+2:], port)
	}
	payloads := []string{
		"GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
		"get  /x HTTP/1.0\n",
		"POST /a\tb HTTP/1.1\r\n",
		"HTTP/1.1 20x OK\r\n",
		"GET /no-end-of-line",
		"GET /cr\rx\r\n",
		"\x81\x05hello",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"SSH-2.0-partial",
		"SSH-1.99-x\rz",
		"220 ftp.example.com ready\r\n",
		"EHLO x\n",
		"DESCRIBE rtsp://x RTSP/1.0\r\n",
		"RTSP/1.0 200 OK\r\n",
		"\r\n",
		" GET / HTTP/1.1\r\n",
		"",
	}
	p := []byte(payloads[r.IntN(len(payloads))])
	if (port == 53 || port == 5353) && r.IntN(4) != 0 {
		p = dnsMessage(r)
		if d.TCP != nil && r.IntN(4) != 0 {
			p = append(binary.BigEndian.AppendUint16(nil, uint16(len(p))), p...)
		}
	}
	var hl int
	if d.TCP != nil {
		hl = d.TCP.HeaderLength
	} else {
		hl = 8
	}
	if t+hl > len(m.data) {
		return
	}
	old := len(m.data) - (t + hl)
	if d.PayloadLength < old {
		old = d.PayloadLength
	}
	if old < 0 {
		old = 0
	}
	m.splice(t+hl, old, p)
	m.ipLengths(d, len(p)-old)
	if d.UDP != nil {
		binary.BigEndian.PutUint16(m.data[t+4:], uint16(8+len(p)))
	}
}

// linkType changes a type field of the link-layer header.
func (m *mutant) linkType() {
	r := m.rng
	types := []uint16{0x0800, 0x86dd, 0x0806, 0x8035, 0x8100, 0x88cc, 0x9000, 0x0050, 0x1234, 0x6004, 0x88e5}
	ty := types[r.IntN(len(types))]
	switch m.lt {
	case capture.LinkTypeEthernet:
		if len(m.data) >= 14 {
			binary.BigEndian.PutUint16(m.data[12:], ty)
		}
	case capture.LinkTypeLinuxSLL:
		if len(m.data) >= 16 {
			binary.BigEndian.PutUint16(m.data[14:], ty)
			if r.IntN(3) == 0 {
				binary.BigEndian.PutUint16(m.data[0:], uint16(r.IntN(6)))
			}
		}
	case capture.LinkTypeLinuxSLL2:
		if len(m.data) >= 20 {
			binary.BigEndian.PutUint16(m.data[0:], ty)
			if r.IntN(3) == 0 {
				m.data[10] = byte(r.IntN(6))
				binary.BigEndian.PutUint32(m.data[4:], uint32(r.IntN(4)))
			}
		}
	case capture.LinkTypeNull, capture.LinkTypeLoop:
		if len(m.data) >= 4 {
			fams := []uint32{2, 24, 28, 30, 7, 99, 0x02000000, 0x18000000}
			binary.LittleEndian.PutUint32(m.data, fams[r.IntN(len(fams))])
		}
	default:
		if len(m.data) > 0 {
			m.data[0] = m.data[0]&0x0f | byte(r.IntN(16))<<4
		}
	}
}

// dnsMessage makes a DNS query or response, mostly well formed.
func dnsMessage(r *rand.Rand) []byte {
	flags := uint16(r.Uint32())
	if r.IntN(2) == 0 {
		flags &= 0x8fff // opcode 0
		flags &^= 0x000f | 0x0040
	}
	qd, an, ns, ar := 1, r.IntN(4), r.IntN(2), r.IntN(2)
	if r.IntN(8) == 0 {
		qd = r.IntN(3)
	}
	m := binary.BigEndian.AppendUint16(nil, uint16(r.Uint32()))
	m = binary.BigEndian.AppendUint16(m, flags)
	for _, n := range []int{qd, an, ns, ar} {
		if r.IntN(20) == 0 {
			n = r.IntN(5)
		}
		m = binary.BigEndian.AppendUint16(m, uint16(n))
	}
	labels := []string{"www", "example", "com", "a", "wstrace", "local", "xn--bcher-kva", "with space", "\x01ctl", "\xffhigh"}
	var names []int // offsets of names written, for compression
	name := func() {
		if len(names) > 0 && r.IntN(3) == 0 {
			off := names[r.IntN(len(names))]
			if r.IntN(10) == 0 {
				off = len(m) + r.IntN(20) // a forward (bad) pointer
			}
			m = binary.BigEndian.AppendUint16(m, 0xc000|uint16(off))
			return
		}
		names = append(names, len(m))
		for k := r.IntN(4); k >= 0; k-- {
			switch r.IntN(30) {
			case 0: // a bit-string label
				m = append(m, 0x41, 12, 0xab, 0xcd)
				continue
			case 1: // a reserved label type
				m = append(m, 0x80)
			case 2: // an unknown extended label type
				m = append(m, 0x42)
			case 3: // a long label
				m = append(m, 63)
				for i := 0; i < 63; i++ {
					m = append(m, 'x')
				}
				continue
			}
			l := labels[r.IntN(len(labels))]
			m = append(m, byte(len(l)))
			m = append(m, l...)
		}
		if len(names) > 1 && r.IntN(3) == 0 {
			m = binary.BigEndian.AppendUint16(m, 0xc000|uint16(names[0]))
		} else {
			m = append(m, 0)
		}
	}
	types := []uint16{1, 28, 5, 15, 16, 33, 38, 256, 41, 6, 12, 2, 39, 104, 250, 99, 65, 1234}
	for i := 0; i < qd; i++ {
		name()
		m = binary.BigEndian.AppendUint16(m, types[r.IntN(len(types))])
		m = binary.BigEndian.AppendUint16(m, []uint16{1, 1, 1, 3, 255, 0x8001, 77}[r.IntN(7)])
	}
	for i := 0; i < an+ns+ar; i++ {
		name()
		typ := types[r.IntN(len(types))]
		m = binary.BigEndian.AppendUint16(m, typ)
		m = binary.BigEndian.AppendUint16(m, []uint16{1, 1, 1, 4, 0x8001, 1232}[r.IntN(6)])
		m = binary.BigEndian.AppendUint32(m, r.Uint32())
		at := len(m)
		m = append(m, 0, 0)
		switch typ {
		case 1:
			m = append(m, 10, 0, 0, byte(r.IntN(256)))
		case 28:
			m = append(m, 0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(r.IntN(256)))
		case 5, 12, 2, 39:
			name()
		case 15:
			m = append(m, 0, 10)
			name()
		case 16:
			for k := r.IntN(3); k >= 0; k-- {
				t := []string{"v=spf1 -all", "", "a\"b", "\x00\x7f\xc8"}[r.IntN(4)]
				m = append(m, byte(len(t)))
				m = append(m, t...)
			}
		case 33:
			m = append(m, 0, 1, 0, 2, 0x1f, 0x90)
			name()
		case 38:
			pbit := []byte{0, 64, 128, 200, 13}[r.IntN(5)]
			m = append(m, pbit)
			if pbit <= 128 {
				for j := int(pbit &^ 7 / 8); j < 16; j++ {
					m = append(m, byte(r.IntN(256)))
				}
			}
			if pbit > 0 && pbit <= 128 {
				name()
			}
		case 256:
			m = append(m, 0, 10, 0, 1)
			m = append(m, "https://x"...)
		case 41:
			if r.IntN(3) == 0 {
				m = append(m, 0, 10, 0, 2, 1, 2)
			}
		case 104:
			m = append(m, "text"...)
		default:
			for k := r.IntN(8); k > 0; k-- {
				m = append(m, byte(r.IntN(256)))
			}
		}
		rdlen := len(m) - at - 2
		if r.IntN(15) == 0 {
			rdlen += r.IntN(5) - 2
		}
		binary.BigEndian.PutUint16(m[at:], uint16(rdlen))
	}
	return m
}
