package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"time"
)

// The classic pcap format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-03.html):
// a 24-byte file header, then per packet a 16-byte record header and the
// captured bytes. The magic number gives the byte order and whether the
// timestamps' fraction counts micro- or nanoseconds.

const pcapFileHeaderLen = 24

// pcapState is what a Reader keeps about a pcap file.
type pcapState struct {
	order     binary.ByteOrder
	nano      bool
	recHdrLen int    // 16, or 24 for Alexey Kuznetzov's modified pcap
	maxCapLen uint32 // longest record accepted
	iface     *Interface
}

// setPcapMagic recognises the magic number of a pcap file and records what
// it says in st.
func setPcapMagic(st *pcapState, magic []byte) bool {
	le := binary.LittleEndian.Uint32(magic)
	be := binary.BigEndian.Uint32(magic)
	st.recHdrLen = 16
	for _, o := range []struct {
		v     uint32
		order binary.ByteOrder
	}{{le, binary.LittleEndian}, {be, binary.BigEndian}} {
		switch o.v {
		case 0xa1b2c3d4:
		case 0xa1b23c4d:
			st.nano = true
		case 0xa1b2cd34: // modified pcap: 8 more bytes per record header
			st.recHdrLen = 24
		default:
			continue
		}
		st.order = o.order
		return true
	}
	return false
}

func (r *Reader) startPcap() error {
	h := r.hdr[:pcapFileHeaderLen]
	if err := r.readFixed(h, "pcap file header"); err != nil {
		return r.errorAt(0, 0, err)
	}
	st := &r.pcap
	major, minor := st.order.Uint16(h[4:6]), st.order.Uint16(h[6:8])
	if major != 2 {
		return r.errorAt(0, 0, fmt.Errorf("unsupported pcap version %d.%d", major, minor))
	}
	snaplen := st.order.Uint32(h[16:20])
	// The link-type field's upper bits may say how long an FCS the packets
	// carry; the type is in the lower 16.
	link := LinkType(st.order.Uint32(h[20:24]) & 0xffff)
	st.maxCapLen = min(max(snaplen, defaultMaxCapLen), maxPacket)
	st.iface = r.newInterface(Interface{LinkType: link, SnapLen: snaplen})
	return nil
}

func (r *Reader) nextPcap() (*Packet, error) {
	st := &r.pcap
	start := r.off
	num := r.count + 1
	h := r.hdr[:st.recHdrLen]
	if err := r.readFixed(h, "record header"); err != nil {
		if err == io.EOF {
			return nil, err
		}
		return nil, r.errorAt(num, start, err)
	}
	sec := st.order.Uint32(h[0:4])
	frac := st.order.Uint32(h[4:8])
	capLen := st.order.Uint32(h[8:12])
	origLen := st.order.Uint32(h[12:16])
	if capLen > st.maxCapLen {
		return nil, r.errorAt(num, start, fmt.Errorf("record claims %d captured bytes, more than the file's snap length (%d) allows", capLen, r.pcap.iface.SnapLen))
	}
	data, err := r.readPacketBytes(int(capLen), "record")
	if err != nil {
		return nil, r.errorAt(num, start, err)
	}
	ns := int64(frac)
	if !st.nano {
		ns *= 1000
	}
	r.count = num
	return &Packet{
		Number:    num,
		Timestamp: time.Unix(int64(sec), ns).UTC(),
		Interface: st.iface,
		Data:      data,
		Length:    max(int(origLen), len(data)),
	}, nil
}
