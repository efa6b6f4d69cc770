package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render/text"
)

// progress is a capture source that shows, on a terminal's standard error,
// how far reading has come: packets, share of the file and rate. It shows
// nothing in a pipe or a file, and nothing for a run that ends within a
// second.
type progress struct {
	capture.Source
	w           io.Writer
	name        string
	size        int64 // bytes of the file, 0 when unknown (stdin, gzip)
	read        int64 // bytes of packet records read, about
	n           int
	start, last time.Time
	shown       bool
}

// withProgress wraps src when standard error is a terminal.
func withProgress(src capture.Source, name string) capture.Source {
	if !text.IsTerminal(os.Stderr) {
		return src
	}
	p := &progress{Source: src, w: os.Stderr, name: displayName(name), start: time.Now()}
	p.last = p.start
	if fi, err := os.Stat(name); err == nil && name != "-" && !strings.HasSuffix(name, ".gz") {
		p.size = fi.Size()
	}
	return p
}

// Secrets passes on the secrets of the capture it reads (pcapng Decryption
// Secrets Blocks), so that wss:// decrypts on a terminal as in a pipe.
func (p *progress) Secrets() []capture.Secrets { return sourceSecrets(p.Source) }

func (p *progress) Next() (*capture.Packet, error) {
	pkt, err := p.Source.Next()
	if err != nil {
		p.done()
		return pkt, err
	}
	p.n++
	p.read += int64(len(pkt.Data)) + 16
	if p.n%4096 == 0 {
		if now := time.Now(); now.Sub(p.last) >= 250*time.Millisecond && now.Sub(p.start) >= time.Second {
			p.last = now
			p.show(now)
		}
	}
	return pkt, nil
}

// show writes the progress line over the previous one.
func (p *progress) show(now time.Time) {
	rate := float64(p.n) / now.Sub(p.start).Seconds()
	share := ""
	if p.size > 0 {
		share = fmt.Sprintf(" (%d%% of %s)", min(99, p.read*100/p.size), p.name)
	}
	fmt.Fprintf(p.w, "\r\x1b[Kwstrace: %d packets read%s, %.0f packets/s", p.n, share, rate)
	p.shown = true
}

// done clears the progress line.
func (p *progress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
