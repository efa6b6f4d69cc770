package annotate

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// capBuilder builds captures of raw IPv4 packets for tests: the TCP and IP
// headers are written here, the payloads come from elsewhere (RFC examples,
// real captures, other implementations).
type capBuilder struct {
	pkts []*capture.Packet
	ifc  *capture.Interface
	now  time.Time
	step time.Duration
	snap int // cut packets to this many bytes (0: no cut)
}

func newCapBuilder() *capBuilder {
	return &capBuilder{
		ifc:  &capture.Interface{LinkType: capture.LinkTypeRaw},
		now:  time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		step: 500 * time.Microsecond,
	}
}

func checksum(b []byte, sum uint32) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// tcp appends a TCP segment in an IPv4 packet.
func (b *capBuilder) tcp(src, dst netip.AddrPort, seq, ack uint32, flags decode.TCPFlags, win uint16, opts, payload []byte) *capture.Packet {
	for len(opts)%4 != 0 {
		opts = append(opts, decode.OptNOP)
	}
	thl := 20 + len(opts)
	tcp := make([]byte, thl+len(payload))
	binary.BigEndian.PutUint16(tcp[0:], src.Port())
	binary.BigEndian.PutUint16(tcp[2:], dst.Port())
	binary.BigEndian.PutUint32(tcp[4:], seq)
	binary.BigEndian.PutUint32(tcp[8:], ack)
	tcp[12] = byte(thl/4) << 4
	tcp[13] = byte(flags)
	binary.BigEndian.PutUint16(tcp[14:], win)
	copy(tcp[20:], opts)
	copy(tcp[thl:], payload)
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	pseudo := append(append(append([]byte{}, s4[:]...), d4[:]...), 0, 6, byte(len(tcp)>>8), byte(len(tcp)))
	var sum uint32
	for i := 0; i < len(pseudo); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(pseudo[i:]))
	}
	binary.BigEndian.PutUint16(tcp[16:], checksum(tcp, sum))

	ip := make([]byte, 20, 20+len(tcp))
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)))
	binary.BigEndian.PutUint16(ip[4:], uint16(len(b.pkts)+1))
	ip[6] = 0x40 // DF
	ip[8] = 64
	ip[9] = 6
	copy(ip[12:], s4[:])
	copy(ip[16:], d4[:])
	binary.BigEndian.PutUint16(ip[10:], checksum(ip, 0))
	data := append(ip, tcp...)
	p := &capture.Packet{
		Number:    len(b.pkts) + 1,
		Timestamp: b.now,
		Interface: b.ifc,
		Data:      data,
		Length:    len(data),
	}
	if b.snap > 0 && len(p.Data) > b.snap {
		p.Data = p.Data[:b.snap]
	}
	b.now = b.now.Add(b.step)
	b.pkts = append(b.pkts, p)
	return p
}

// pcap returns the packets as a pcap file.
func (b *capBuilder) pcap() []byte {
	var buf bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], uint32(b.ifc.LinkType))
	buf.Write(hdr)
	for _, p := range b.pkts {
		rec := make([]byte, 16)
		binary.LittleEndian.PutUint32(rec[0:], uint32(p.Timestamp.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(p.Timestamp.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(p.Data)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(p.Length))
		buf.Write(rec)
		buf.Write(p.Data)
	}
	return buf.Bytes()
}

// writePcap writes the packets to a temporary pcap file.
func (b *capBuilder) writePcap(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "test.pcap")
	if err := os.WriteFile(name, b.pcap(), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// annotate annotates the packets built so far, read back through the
// capture reader.
func (b *capBuilder) annotate(t *testing.T, opts Options) *Result {
	t.Helper()
	r, err := capture.NewReader(bytes.NewReader(b.pcap()))
	if err != nil {
		t.Fatal(err)
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	res, err := Annotate(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// conv is a TCP conversation between a client and a server.
type conv struct {
	b      *capBuilder
	ends   [3]netip.AddrPort
	isn    [3]uint32
	next   [3]uint32 // next sequence number each end sends
	win    [3]uint16
	wscale bool
}

func (b *capBuilder) conv(client, server string) *conv {
	return &conv{
		b:    b,
		ends: [3]netip.AddrPort{{}, netip.MustParseAddrPort(client), netip.MustParseAddrPort(server)},
		isn:  [3]uint32{0, 1000000, 5000000},
		next: [3]uint32{0, 1000000, 5000000},
		win:  [3]uint16{0, 512, 512},
	}
}

var synOpts = []byte{decode.OptMSS, 4, 0x05, 0xb4, decode.OptSACKPerm, 2, decode.OptNOP, decode.OptWScale, 3, 7}

// handshake sends SYN, SYN-ACK and ACK.
func (c *conv) handshake() {
	c.b.tcp(c.ends[Client], c.ends[Server], c.isn[Client], 0, decode.SYN, 65535, synOpts, nil)
	c.next[Client]++
	c.b.tcp(c.ends[Server], c.ends[Client], c.isn[Server], c.next[Client], decode.SYN|decode.ACK, 65535, synOpts, nil)
	c.next[Server]++
	c.ack(Client)
}

// send sends data from one end in one segment, acknowledging everything
// the other end sent.
func (c *conv) send(from Role, data []byte) *capture.Packet {
	p := c.b.tcp(c.ends[from], c.ends[from.Peer()], c.next[from], c.next[from.Peer()], decode.PSH|decode.ACK, c.win[from], nil, data)
	c.next[from] += uint32(len(data))
	return p
}

// sendAt sends data at sequence offset off (relative to the ISN + 1)
// without moving the end's next sequence number.
func (c *conv) sendAt(from Role, off int, data []byte) *capture.Packet {
	return c.b.tcp(c.ends[from], c.ends[from.Peer()], c.isn[from]+1+uint32(off), c.next[from.Peer()], decode.PSH|decode.ACK, c.win[from], nil, data)
}

// skip advances an end's sequence number as if it sent n bytes that were
// not captured.
func (c *conv) skip(from Role, n int) { c.next[from] += uint32(n) }

// ack sends a pure ACK of everything the other end sent.
func (c *conv) ack(from Role) *capture.Packet {
	return c.b.tcp(c.ends[from], c.ends[from.Peer()], c.next[from], c.next[from.Peer()], decode.ACK, c.win[from], nil, nil)
}

// ackAt sends a pure ACK of the other end's bytes before offset off.
func (c *conv) ackAt(from Role, off int) *capture.Packet {
	return c.b.tcp(c.ends[from], c.ends[from.Peer()], c.next[from], c.isn[from.Peer()]+1+uint32(off), decode.ACK, c.win[from], nil, nil)
}

// fin sends a FIN (with ACK).
func (c *conv) fin(from Role) *capture.Packet {
	p := c.b.tcp(c.ends[from], c.ends[from.Peer()], c.next[from], c.next[from.Peer()], decode.FIN|decode.ACK, c.win[from], nil, nil)
	c.next[from]++
	return p
}

// finNoAck sends a FIN whose ACK number does not cover a FIN of the peer
// that is in flight (simultaneous close).
func (c *conv) finAcking(from Role, ack uint32) *capture.Packet {
	p := c.b.tcp(c.ends[from], c.ends[from.Peer()], c.next[from], ack, decode.FIN|decode.ACK, c.win[from], nil, nil)
	c.next[from]++
	return p
}

// rst sends a RST.
func (c *conv) rst(from Role) *capture.Packet {
	return c.b.tcp(c.ends[from], c.ends[from.Peer()], c.next[from], c.next[from.Peer()], decode.RST|decode.ACK, 0, nil, nil)
}
