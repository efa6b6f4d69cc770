// Package rendertest annotates the test fixtures for the render packages'
// tests, with packet times printed in UTC so that golden files do not
// depend on the machine's time zone.
package rendertest

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/tcpdump"
)

// Fixtures are the shared captures, as file names under testdata/.
var Fixtures = []string{"workerman-chat.pcap", "chromium-ws-deflate.pcap", "chromium-ws-plain-any.pcap"}

// Annotate reads and annotates a capture file.
func Annotate(t testing.TB, name string) *annotate.Result {
	t.Helper()
	res, _, err := AnnotateFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// AnnotateFile reads and annotates a capture file, returning the packets
// too.
func AnnotateFile(name string) (*annotate.Result, []*capture.Packet, error) {
	r, err := capture.OpenFile(name)
	if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	pr := tcpdump.NewPrinter(io.Discard, tcpdump.Options{Location: time.UTC})
	a := annotate.New(annotate.Options{Summary: pr.Line})
	var pkts []*capture.Packet
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		pkts = append(pkts, p)
		if _, err := a.Add(p); err != nil {
			return nil, nil, err
		}
	}
	return a.Finish(), pkts, nil
}
