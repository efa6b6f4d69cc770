package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
)

// countSource yields n empty packets.
type countSource struct{ n int }

func (s *countSource) Next() (*capture.Packet, error) {
	if s.n == 0 {
		return nil, io.EOF
	}
	s.n--
	return &capture.Packet{Data: make([]byte, 84)}, nil
}

// TestProgress: on a terminal, a long read shows packets, share of the
// file and rate, and clears the line at the end; in a pipe (as here) the
// source is left alone.
func TestProgress(t *testing.T) {
	src := &countSource{n: 10}
	if withProgress(src, "x.pcap") != capture.Source(src) {
		t.Error("progress on a standard error that is not a terminal")
	}
	var out bytes.Buffer
	p := &progress{Source: &countSource{n: 3 * 4096}, w: &out, name: "big.pcap", size: 3 * 4096 * 100 * 2,
		start: time.Now().Add(-2 * time.Second)}
	for {
		if _, err := p.Next(); err != nil {
			break
		}
	}
	s := out.String()
	if !strings.Contains(s, "wstrace: 4096 packets read (16% of big.pcap), ") || !strings.Contains(s, "packets/s") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("progress output %q", s)
	}
}
