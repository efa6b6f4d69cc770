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

// secretsSource is a capture that carries decryption secrets.
type secretsSource struct {
	countSource
	secrets []capture.Secrets
}

func (s *secretsSource) Secrets() []capture.Secrets { return s.secrets }

// TestProgressKeepsSecrets: the progress shown on a terminal must not hide
// the secrets a pcapng carries, or wss:// would decrypt in a pipe and not
// on a terminal.
func TestProgressKeepsSecrets(t *testing.T) {
	want := []capture.Secrets{{Type: capture.SecretsTLSKeyLog, Data: []byte("CLIENT_RANDOM x y\n")}}
	var src capture.Source = &progress{Source: &secretsSource{secrets: want}, w: io.Discard}
	ss, ok := src.(capture.SecretsSource)
	if !ok {
		t.Fatal("progress hides the capture's secrets")
	}
	if got := ss.Secrets(); len(got) != 1 || string(got[0].Data) != string(want[0].Data) {
		t.Errorf("secrets %v, want %v", got, want)
	}
}
