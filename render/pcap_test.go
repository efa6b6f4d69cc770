package render

import (
	"encoding/binary"
	"fmt"
	"os"
	"testing"
)

// testPacket is a packet of a pcap file, read by readPcap; Net is its data
// from the network-layer header on.
type testPacket struct {
	Data, Net []byte
}

// readPcap reads a classic little-endian pcap file with microsecond times.
// It knows the link types of the test fixtures only; the tests use it to
// feed bytes to the dump layout, which they compare with tcpdump's.
func readPcap(t *testing.T, name string) []testPacket {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 24 || binary.LittleEndian.Uint32(b) != 0xa1b2c3d4 {
		t.Fatalf("%s: not a little-endian microsecond pcap file", name)
	}
	linkHeader := map[uint32]int{1: 14, 113: 16, 276: 20}[binary.LittleEndian.Uint32(b[20:])]
	if linkHeader == 0 {
		t.Fatalf("%s: unexpected link type", name)
	}
	var pkts []testPacket
	for off := 24; off+16 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[off+8:]))
		off += 16
		if off+n > len(b) {
			t.Fatal(fmt.Errorf("%s: truncated record", name))
		}
		data := b[off : off+n]
		pkts = append(pkts, testPacket{Data: data, Net: data[linkHeader:]})
		off += n
	}
	return pkts
}
