package annotate

import (
	"path/filepath"
	"reflect"
	"testing"
)

// TestDropDecoded checks that Options.DropDecoded changes nothing but
// PacketInfo.Decoded, and that HasTCP, TCPFlags and LinkHeaderLength say
// what Decoded says.
func TestDropDecoded(t *testing.T) {
	files, _ := filepath.Glob("../testdata/*.pcap")
	more, _ := filepath.Glob("../testdata/corpus/*.pcap*")
	files = append(files, more...)
	if len(files) < 3 {
		t.Fatalf("only %d captures", len(files))
	}
	for _, name := range files {
		kept := annotatePath(t, name, Options{})
		dropped := annotatePath(t, name, Options{DropDecoded: true})
		if len(kept.Packets) != len(dropped.Packets) {
			t.Fatalf("%s: %d packets, %d with DropDecoded", name, len(kept.Packets), len(dropped.Packets))
		}
		for i, pi := range kept.Packets {
			d := pi.Decoded
			if d == nil {
				t.Fatalf("%s: packet %d: no Decoded", name, pi.Number)
			}
			if pi.HasTCP != (d.TCP != nil) || int(pi.LinkHeaderLength) != d.LinkHeaderLength || (d.TCP != nil && pi.TCPFlags != d.TCP.Flags) {
				t.Errorf("%s: packet %d: HasTCP %v TCPFlags %v LinkHeaderLength %d disagree with Decoded", name, pi.Number, pi.HasTCP, pi.TCPFlags, pi.LinkHeaderLength)
			}
			if dropped.Packets[i].Decoded != nil {
				t.Errorf("%s: packet %d: Decoded kept", name, pi.Number)
			}
			pi.Decoded = nil
		}
		if !reflect.DeepEqual(kept, dropped) {
			t.Errorf("%s: DropDecoded changed the annotation", name)
		}
	}
}
