package annotate

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestEventKindsComplete annotates every fixture and checks that each event
// kind and field kind it meets is one of the declared constants, so that
// EventKinds (which the catalog tests read) lists everything emitted.
func TestEventKindsComplete(t *testing.T) {
	if !slices.IsSorted(eventKinds[:]) {
		t.Errorf("EventKinds is not sorted: %v", eventKinds)
	}
	fields := []FieldKind{FieldHTTPStartLine, FieldHTTPHeader, FieldHTTPHeadEnd, FieldHTTPBody,
		FieldWSFlagsOpcode, FieldWSMaskLength, FieldWSExtendedLength, FieldWSMaskingKey, FieldWSPayload,
		FieldTCPData, FieldTLSRecordHeader, FieldTLSRecordBody}
	paths, _ := filepath.Glob(filepath.Join("..", "testdata", "*.pcap"))
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "corpus", "*.pcap*"))
	paths = append(paths, more...)
	if len(paths) < 5 {
		t.Fatalf("only %d fixtures", len(paths))
	}
	seen := map[EventKind]bool{}
	for _, path := range paths {
		res := annotatePath(t, path, Options{Location: time.UTC})
		for _, pi := range res.Packets {
			for _, e := range pi.Events {
				seen[e.Kind] = true
				if !slices.Contains(eventKinds[:], e.Kind) {
					t.Errorf("%s packet %d: event kind %q is not in EventKinds", filepath.Base(path), pi.Number, e.Kind)
				}
			}
			for _, f := range pi.Fields {
				if !slices.Contains(fields, f.Kind) {
					t.Errorf("%s packet %d: field kind %q is not declared", filepath.Base(path), pi.Number, f.Kind)
				}
			}
		}
	}
	if len(seen) < 20 {
		t.Errorf("the fixtures show only %d event kinds", len(seen))
	}
}
