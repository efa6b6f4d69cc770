package capture

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"time"
)

// The pcapng format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html):
// a sequence of blocks, each type (4 bytes), total length (4), body, total
// length again. A file holds one or more sections, each starting with a
// Section Header Block that sets the byte order of the section's blocks and
// followed by Interface Description Blocks (numbered from 0 within their
// section) and packet blocks that refer to them.

// Block types.
const (
	blockSectionHeader  = 0x0a0d0d0a
	blockInterface      = 0x00000001
	blockPacketObsolete = 0x00000002
	blockSimplePacket   = 0x00000003
	blockEnhancedPacket = 0x00000006
	blockSecrets        = 0x0000000a
	byteOrderMagic      = 0x1a2b3c4d
)

// Option codes.
const (
	optEndOfOpt      = 0
	optComment       = 1
	optShbUserAppl   = 4
	optIfName        = 2
	optIfDescription = 3
	optIfTsresol     = 9
	optIfTsoffset    = 14
)

// ngState is what a Reader keeps about a pcapng file.
type ngState struct {
	order  binary.ByteOrder
	ifaces []ngInterface // of the current section, by interface ID
}

// ngInterface is an interface of the current section with what is needed to
// turn its timestamps into times.
type ngInterface struct {
	iface *Interface
	res   tsResolution
}

// tsResolution converts pcapng timestamps, counted in units of 10^-exp or
// 2^-exp seconds since offset seconds after the Unix epoch, to times.
type tsResolution struct {
	pow2   bool
	exp    uint8
	offset int64
}

// defaultResolution is the if_tsresol of an interface that has none:
// microseconds.
var defaultResolution = tsResolution{exp: 6}

// parseResolution decodes an if_tsresol value.
func parseResolution(v byte) (tsResolution, error) {
	res := tsResolution{pow2: v&0x80 != 0, exp: v & 0x7f}
	if res.pow2 && res.exp > 63 || !res.pow2 && res.exp > 19 {
		return res, fmt.Errorf("if_tsresol %#x is out of range", v)
	}
	return res, nil
}

var pow10 = [20]uint64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19}

// time returns the time of a timestamp of ticks units.
func (res tsResolution) time(ticks uint64) time.Time {
	var sec, ns uint64
	switch {
	case res.pow2:
		sec = ticks >> res.exp
		frac := ticks & (1<<res.exp - 1)
		hi, lo := bits.Mul64(frac, 1e9)
		if res.exp > 0 {
			ns = hi<<(64-res.exp) | lo>>res.exp
		}
	case res.exp <= 9:
		unit := pow10[res.exp]
		sec, ns = ticks/unit, ticks%unit*pow10[9-res.exp]
	default:
		unit := pow10[res.exp]
		sec, ns = ticks/unit, ticks%unit/pow10[res.exp-9]
	}
	return time.Unix(int64(sec)+res.offset, int64(ns)).UTC()
}

// startNg reads the Section Header Block that starts a pcapng file.
func (r *Reader) startNg() error {
	if err := r.readFixed(r.hdr[:8], "Section Header Block"); err != nil {
		return r.errorAt(0, 0, err)
	}
	return r.readSectionHeader(0)
}

// cutBlock turns err, if it is a *cutError about a block's body, into one
// about the whole block: before bytes of the block came before the body,
// total is the block's length.
func cutBlock(err error, before, total int64) error {
	if c, ok := err.(*cutError); ok {
		c.got += before
		c.want = total
	}
	return err
}

// nextNg reads blocks until a packet block, handling the others on the way.
func (r *Reader) nextNg() (*Packet, error) {
	for {
		start := r.off
		h := r.hdr[:8]
		if err := r.readFixed(h, "block header"); err != nil {
			if err == io.EOF {
				return nil, err
			}
			return nil, r.errorAt(0, start, err)
		}
		st := &r.ng
		// The Section Header Block's type reads the same in both orders;
		// its byte-order magic, which follows the length, sets the order.
		if binary.LittleEndian.Uint32(h[0:4]) == blockSectionHeader {
			if err := r.readSectionHeader(start); err != nil {
				return nil, err
			}
			continue
		}
		if st.order == nil {
			return nil, r.errorAt(0, start, fmt.Errorf("pcapng block before the first Section Header Block"))
		}
		btype := st.order.Uint32(h[0:4])
		length := st.order.Uint32(h[4:8])
		if err := checkBlockLength(length, 12); err != nil {
			return nil, r.errorAt(r.blockPacketNumber(btype), start, fmt.Errorf("%s: %w", blockName(btype), err))
		}
		body := int(length) - 12
		switch btype {
		case blockInterface:
			if err := r.readInterface(start, body); err != nil {
				return nil, err
			}
		case blockEnhancedPacket, blockSimplePacket, blockPacketObsolete:
			return r.readPacketBlock(start, btype, body)
		case blockSecrets:
			if err := r.readSecrets(start, body); err != nil {
				return nil, err
			}
			if err := r.readTrailer(start, btype, length, 0); err != nil {
				return nil, err
			}
		default:
			// Interface Statistics, Name Resolution, custom and unknown
			// blocks: skipped.
			if err := r.skip(int64(body), blockName(btype)); err != nil {
				return nil, r.errorAt(0, start, cutBlock(err, 8, int64(length)))
			}
			if err := r.readTrailer(start, btype, length, 0); err != nil {
				return nil, err
			}
		}
	}
}

// checkBlockLength checks a block's total length field.
func checkBlockLength(length, minLen uint32) error {
	switch {
	case length < minLen:
		return fmt.Errorf("block length %d is less than %d", length, minLen)
	case length%4 != 0:
		return fmt.Errorf("block length %d is not a multiple of 4", length)
	case length > maxBlock:
		return fmt.Errorf("block length %d is over the limit of %d", length, maxBlock)
	}
	return nil
}

// blockPacketNumber is the packet number an error in a block of type btype
// is reported for.
func (r *Reader) blockPacketNumber(btype uint32) int {
	switch btype {
	case blockEnhancedPacket, blockSimplePacket, blockPacketObsolete:
		return r.count + 1
	}
	return 0
}

// blockName names a block type for error messages.
func blockName(btype uint32) string {
	switch btype {
	case blockSectionHeader:
		return "Section Header Block"
	case blockInterface:
		return "Interface Description Block"
	case blockPacketObsolete:
		return "Packet Block"
	case blockSimplePacket:
		return "Simple Packet Block"
	case 4:
		return "Name Resolution Block"
	case 5:
		return "Interface Statistics Block"
	case blockEnhancedPacket:
		return "Enhanced Packet Block"
	case blockSecrets:
		return "Decryption Secrets Block"
	}
	return fmt.Sprintf("block of type %#x", btype)
}

// readTrailer reads and checks the total length that ends every block.
func (r *Reader) readTrailer(start int64, btype, length uint32, packet int) error {
	t := r.hdr[8:12]
	n, err := io.ReadFull(r.br, t)
	r.off += int64(n)
	if err != nil {
		return r.errorAt(packet, start, cutErr(int64(length)-4+int64(n), int64(length), err, blockName(btype)))
	}
	if got := r.ng.order.Uint32(t); got != length {
		return r.errorAt(packet, start, fmt.Errorf("%s: total length %d at the end does not match %d at the start", blockName(btype), got, length))
	}
	return nil
}

// readSectionHeader reads a Section Header Block whose first 8 bytes (in
// r.hdr) have been read, and starts a new section.
func (r *Reader) readSectionHeader(start int64) error {
	const what = "Section Header Block"
	bom := r.hdr[8:12]
	n, err := io.ReadFull(r.br, bom)
	r.off += int64(n)
	if err != nil {
		return r.errorAt(0, start, cutErr(8+n, 28, err, what))
	}
	var order binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint32(bom) == byteOrderMagic:
		order = binary.LittleEndian
	case binary.BigEndian.Uint32(bom) == byteOrderMagic:
		order = binary.BigEndian
	default:
		return r.errorAt(0, start, fmt.Errorf("%s: bad byte-order magic % x", what, bom))
	}
	length := order.Uint32(r.hdr[4:8])
	if err := checkBlockLength(length, 28); err != nil {
		return r.errorAt(0, start, fmt.Errorf("%s: %w", what, err))
	}
	body, err := r.readScratch(int(length)-16, what)
	if err != nil {
		return r.errorAt(0, start, cutBlock(err, 12, int64(length)))
	}
	major, minor := order.Uint16(body[0:2]), order.Uint16(body[2:4])
	if major != 1 {
		return r.errorAt(0, start, fmt.Errorf("unsupported pcapng version %d.%d", major, minor))
	}
	r.ng = ngState{order: order}
	return r.readTrailer(start, blockSectionHeader, length, 0)
}

// readInterface reads the body of an Interface Description Block.
func (r *Reader) readInterface(start int64, bodyLen int) error {
	const what = "Interface Description Block"
	st := &r.ng
	if bodyLen < 8 {
		return r.errorAt(0, start, fmt.Errorf("%s of %d bytes is too short", what, bodyLen+12))
	}
	body, err := r.readScratch(bodyLen, what)
	if err != nil {
		return r.errorAt(0, start, cutBlock(err, 8, int64(bodyLen)+12))
	}
	ifc := Interface{
		LinkType: LinkType(st.order.Uint16(body[0:2])),
		SnapLen:  st.order.Uint32(body[4:8]),
	}
	res := defaultResolution
	var optErr error
	r.options(body[8:], func(code uint16, v []byte) {
		switch code {
		case optIfName:
			ifc.Name = string(v)
		case optIfDescription:
			ifc.Description = string(v)
		case optIfTsresol:
			if len(v) >= 1 {
				offset := res.offset
				res, optErr = parseResolution(v[0])
				res.offset = offset
			}
		case optIfTsoffset:
			if len(v) >= 8 {
				res.offset = int64(st.order.Uint64(v))
			}
		}
	})
	if optErr != nil {
		return r.errorAt(0, start, fmt.Errorf("%s: %w", what, optErr))
	}
	if err := r.readTrailer(start, blockInterface, uint32(bodyLen+12), 0); err != nil {
		return err
	}
	st.ifaces = append(st.ifaces, ngInterface{iface: r.newInterface(ifc), res: res})
	return nil
}

// options calls fn for each option in b, stopping at opt_endofopt or at
// the first option that does not fit.
func (r *Reader) options(b []byte, fn func(code uint16, value []byte)) {
	for len(b) >= 4 {
		code, n := r.ng.order.Uint16(b[0:2]), int(r.ng.order.Uint16(b[2:4]))
		if code == optEndOfOpt || 4+n > len(b) {
			return
		}
		fn(code, b[4:4+n])
		b = b[min(len(b), 4+pad4(n)):]
	}
}

// pad4 rounds n up to a multiple of 4.
func pad4(n int) int { return (n + 3) &^ 3 }

// readPacketBlock reads an Enhanced, Simple or obsolete Packet Block of
// bodyLen bytes, whose header has been read.
func (r *Reader) readPacketBlock(start int64, btype uint32, bodyLen int) (*Packet, error) {
	st := &r.ng
	num := r.count + 1
	what := blockName(btype)
	fixed := 20 // Enhanced and obsolete Packet Block: fields before the data
	if btype == blockSimplePacket {
		fixed = 4
	}
	if bodyLen < fixed {
		return nil, r.errorAt(num, start, fmt.Errorf("%s of %d bytes is too short", what, bodyLen+12))
	}
	body, err := r.readPacketBytes(bodyLen, what)
	if err != nil {
		return nil, r.errorAt(num, start, cutBlock(err, 8, int64(bodyLen)+12))
	}
	if err := r.readTrailer(start, btype, uint32(bodyLen+12), num); err != nil {
		return nil, err
	}
	o := st.order
	var (
		ifID            uint32
		ticks           uint64
		capLen, origLen uint32
	)
	switch btype {
	case blockEnhancedPacket:
		ifID = o.Uint32(body[0:4])
		ticks = uint64(o.Uint32(body[4:8]))<<32 | uint64(o.Uint32(body[8:12]))
		capLen, origLen = o.Uint32(body[12:16]), o.Uint32(body[16:20])
	case blockPacketObsolete:
		ifID = uint32(o.Uint16(body[0:2]))
		ticks = uint64(o.Uint32(body[4:8]))<<32 | uint64(o.Uint32(body[8:12]))
		capLen, origLen = o.Uint32(body[12:16]), o.Uint32(body[16:20])
	case blockSimplePacket:
		origLen = o.Uint32(body[0:4])
	}
	if int(ifID) >= len(st.ifaces) {
		return nil, r.errorAt(num, start, fmt.Errorf("%s for interface %d, but the section describes %d", what, ifID, len(st.ifaces)))
	}
	ifc := st.ifaces[ifID]
	room := uint32(bodyLen - fixed)
	if btype == blockSimplePacket {
		// The captured length is not stored: it is the original length
		// cut to the interface's snap length (and to the block).
		capLen = min(origLen, room)
		if snap := ifc.iface.SnapLen; snap != 0 {
			capLen = min(capLen, snap)
		}
	}
	if capLen > room {
		return nil, r.errorAt(num, start, fmt.Errorf("%s claims %d captured bytes but holds at most %d", what, capLen, room))
	}
	end := fixed + int(capLen)
	p := &Packet{
		Number:    num,
		Interface: ifc.iface,
		Data:      body[fixed:end:end],
		Length:    max(int(origLen), int(capLen)),
	}
	if btype != blockSimplePacket {
		p.Timestamp = ifc.res.time(ticks)
		if opts := fixed + pad4(int(capLen)); opts < bodyLen {
			r.options(body[opts:], func(code uint16, v []byte) {
				if code == optComment {
					p.Comments = append(p.Comments, string(v))
				}
			})
		}
	}
	r.count = num
	return p, nil
}

// readSecrets reads the body of a Decryption Secrets Block: secrets type,
// secrets length, the secrets, padding, options (skipped).
func (r *Reader) readSecrets(start int64, bodyLen int) error {
	const what = "Decryption Secrets Block"
	if bodyLen < 8 {
		return r.errorAt(0, start, fmt.Errorf("%s: body of %d bytes is shorter than its 8-byte header", what, bodyLen))
	}
	b, err := r.readPacketBytes(bodyLen, what)
	if err != nil {
		return r.errorAt(0, start, cutBlock(err, 8, int64(bodyLen)+12))
	}
	order := r.ng.order
	typ, n := order.Uint32(b[0:4]), order.Uint32(b[4:8])
	if uint64(n) > uint64(bodyLen-8) {
		return r.errorAt(0, start, fmt.Errorf("%s: secrets length %d is more than the block's %d bytes", what, n, bodyLen-8))
	}
	r.secrets = append(r.secrets, Secrets{Type: typ, Data: b[8 : 8+n : 8+n]})
	return nil
}
