package render

import (
	"fmt"
	"io"
	"strings"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
)

// WritePcapng writes the page's packets back as a pcapng file, each with
// its explanation as a packet comment (opt_comment): the phase, the
// sentences, the notes and the messages it completes, unmasked and
// inflated. Wireshark shows the comments under "Packet comments", so the
// tutorial travels with the capture.
//
// Secrets are redacted in the packet data too, unless the page was built
// with Options.NoRedact; the section comment says so, since the TCP
// checksums of those packets no longer match.
//
// The page's Secrets come first, each in a Decryption Secrets Block.
func WritePcapng(w io.Writer, p *Page) error {
	comment := "wstrace: " + mdsafe.PlainText(p.Title)
	if p.redactedAny {
		comment += "\n" + mdsafe.PlainText(p.Label("ui.pcapng.redacted"))
	}
	nw, err := capture.NewNgWriter(w, capture.NgWriterOptions{Application: p.Generator, Comment: comment})
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	for _, sec := range p.Secrets {
		if err := nw.WriteSecrets(sec.Type, sec.Data); err != nil {
			return fmt.Errorf("render: %w", err)
		}
	}
	for _, pk := range p.Packets {
		if pk.captured == nil {
			continue
		}
		cp := *pk.captured
		cp.Comments = []string{pk.PcapngComment()}
		if err := nw.WritePacket(&cp); err != nil {
			return fmt.Errorf("render: %w", err)
		}
	}
	if err := nw.Flush(); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return nil
}

// maxComment bounds a packet comment (a pcapng option holds at most 65,535
// bytes).
const maxComment = 60000

// PcapngComment returns the packet's comment for a pcapng file: its
// explanation's lines, then each message it completes.
func (p *Packet) PcapngComment() string {
	var b strings.Builder
	b.WriteString(strings.Join(p.CommentLines(), "\n"))
	for _, pl := range p.Payloads {
		b.WriteString("\n\n" + mdsafe.PlainText(pl.Title) + ":\n")
		if pl.Hex != nil {
			b.WriteString(strings.TrimRight(pl.Hex.String(), "\n"))
		} else {
			b.WriteString(pl.Text)
		}
		if pl.Note != "" {
			b.WriteString("\n" + mdsafe.PlainText(pl.Note))
		}
	}
	s := b.String()
	if len(s) > maxComment {
		cut := maxComment
		for cut > 0 && s[cut]&0xc0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
