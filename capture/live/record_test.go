package live

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/wstrace/wstrace/capture"
)

// segment builds a raw IPv4 TCP segment between two ports of 127.0.0.1.
func segment(ifc *capture.Interface, src, dst uint16, flags byte) *capture.Packet {
	b := make([]byte, 40)
	b[0], b[9] = 0x45, 6
	binary.BigEndian.PutUint16(b[2:], 40)
	copy(b[12:], []byte{127, 0, 0, 1, 127, 0, 0, 1})
	binary.BigEndian.PutUint16(b[20:], src)
	binary.BigEndian.PutUint16(b[22:], dst)
	b[32], b[33] = 0x50, flags
	return &capture.Packet{Interface: ifc, Data: b, Length: len(b)}
}

// TestConnTracker feeds connections to the tracker behind
// RecordOptions.UntilClose and checks after which packet it says all ended.
func TestConnTracker(t *testing.T) {
	const fin, syn, rst, ack = 0x01, 0x02, 0x04, 0x10
	ifc := &capture.Interface{LinkType: capture.LinkTypeRaw}
	// Two connections to port 80, one after the other: the first ends with
	// FINs, the second with a reset.
	packets := []*capture.Packet{
		segment(ifc, 1000, 80, syn),
		segment(ifc, 80, 1000, syn|ack),
		segment(ifc, 1000, 80, fin|ack),
		segment(ifc, 80, 1000, fin|ack), // index 3: first connection ended
		segment(ifc, 1000, 80, ack),
		segment(ifc, 2000, 80, syn),
		segment(ifc, 80, 2000, syn|ack),
		segment(ifc, 2000, 80, fin|ack),
		segment(ifc, 80, 2000, rst), // index 8: second connection ended
	}
	for _, tt := range []struct {
		connections int
		want        []int // indexes of the packets add reports true for
	}{
		{0, []int{3, 8}},
		{1, []int{3, 8}},
		{2, []int{8}},
		{3, nil},
	} {
		c := connTracker{want: max(tt.connections, 1)}
		var got []int
		for i, p := range packets {
			if c.add(p) {
				got = append(got, i)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Connections %d: all ended after packets %v, want %v", tt.connections, got, tt.want)
		}
	}
}
