package render

import (
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/templates"
)

// A Page is a tutorial page built from an annotated capture, ready to be
// written in any format. Text fields hold Markdown inline text in which
// everything from the wire is already escaped; fields named Line, Text
// (in [Payload]) and the dumps hold raw text that a writer must escape
// for its format.
type Page struct {
	Lang  string
	Style Style
	// Hex reports -X dumps instead of -A.
	Hex bool
	// Title is the page title (Markdown inline).
	Title string
	// Intro holds the opening paragraphs (Markdown).
	Intro []string
	// Summary lists facts about the capture: hosts, ports, duration,
	// packets, messages.
	Summary []Fact
	// Diagram is the sequence diagram, nil in classic style or when no
	// packet is shown.
	Diagram *Diagram
	// Sections hold the packets grouped by connection and phase (guide
	// style); Packets holds every packet shown, in capture order (both
	// styles).
	Sections []*Section
	Packets  []*Packet
	// Legend explains tcpdump's flags ([S], [S.], ...).
	Legend []Fact
	// Glossary explains the terms the page uses (Markdown inline; the
	// definitions link the RFC sections).
	Glossary []Fact
	// Exercises are questions on the packets shown, with their answers.
	Exercises []Exercise
	// References are the RFC sections the page teaches.
	References []Reference
	// Notes are page-level remarks (Markdown): secrets redacted, packets
	// left out.
	Notes []string
	// Generator names the program, for the HTML meta tag.
	Generator string
	// Fragment and IDPrefix are [Options.Fragment] and
	// [Options.IDPrefix], for the HTML writer.
	Fragment bool
	IDPrefix string
	// Secrets are decryption secrets (a TLS key log) that WritePcapng
	// writes in Decryption Secrets Blocks before the packets, so that the
	// file decrypts by itself. No other writer shows them.
	Secrets []capture.Secrets

	labels      map[string]string
	templates   string
	redactedAny bool
}

// Label returns the catalog's text for a ui.* key (Markdown inline), or
// the key itself if the catalog lacks it. Layouts call it as {{label "key"}}.
func (p *Page) Label(key string) string {
	if s, ok := p.labels[key]; ok {
		return s
	}
	return key
}

// SentenceSep returns what goes between two sentences of a paragraph: a
// space, but nothing in Chinese, where a full stop (。) ends a sentence
// without one.
func (p *Page) SentenceSep() string {
	if strings.HasPrefix(p.Lang, "zh") {
		return ""
	}
	return " "
}

// Colon returns the colon that follows a label: full-width (：) in
// Chinese.
func (p *Page) Colon() string {
	if strings.HasPrefix(p.Lang, "zh") {
		return "："
	}
	return ":"
}

// Layout returns the file system the page's layouts come from: the
// --templates directory's files first, then the built-in ones.
func (p *Page) Layout() fs.FS { return layoutFS(p.templates) }

// layoutFS returns the built-in templates with the files of dir (when not
// "") laid over them.
func layoutFS(dir string) fs.FS {
	if dir == "" {
		return templates.FS
	}
	return overlayFS{top: os.DirFS(dir), base: templates.FS}
}

type overlayFS struct{ top, base fs.FS }

func (o overlayFS) Open(name string) (fs.File, error) {
	if f, err := o.top.Open(name); err == nil {
		return f, nil
	}
	return o.base.Open(name)
}

// A Fact is a labelled value (both Markdown inline).
type Fact struct {
	Label, Value string
}

// A Section is a part of a guide page: a connection, or one phase of a
// connection's life.
type Section struct {
	// ID is the section's anchor, unique on the page.
	ID string
	// Level is the heading level: 2 for the top sections, 3 below a
	// connection's heading.
	Level int
	// Title is the heading (Markdown inline).
	Title string
	// Prose holds paragraphs (Markdown).
	Prose []string
	// Packets are the section's packets, in capture order.
	Packets []*Packet
}

// A Packet is one packet as the page explains it.
type Packet struct {
	Number int
	// ID is the packet's anchor, "p" and its number.
	ID   string
	Time time.Time
	// Conn is the connection's number (0 for packets of no connection).
	Conn int
	// FromClient reports a packet the client sent.
	FromClient bool
	// Phase is the annotator's phase of the packet; Section the page
	// section it belongs to.
	Phase, Section string
	// Heading names the packet in the guide (Markdown inline);
	// Title is the classic comment's first line: the phase, such as
	// "TCP three-way handshake, 1 of 3" (Markdown inline).
	Heading, Title string
	// Text holds the teacher's sentences (Markdown inline), one per thing
	// the packet does.
	Text []string
	// Line is the packet's line as tcpdump -n prints it (raw text).
	Line string
	// Dump is the packet's bytes as -A or -X shows them, secrets redacted.
	Dump *Dump
	// Marks are byte ranges of the dump that a frame table or header list
	// points at.
	Marks []Mark
	// Frames are field tables of the frames whose header starts in this
	// packet and that are the first of their kind on the page.
	Frames []*FrameTable
	// Payloads show the WebSocket messages this packet completes.
	Payloads []*Payload
	// Notes are remarks under the packet (Markdown inline): redactions,
	// bytes cut, faults.
	Notes []string

	// captured is the packet as captured, with secrets redacted. Its
	// Comments are those of the capture; WritePcapng replaces them.
	captured *capture.Packet
}

// A Mark is a range of a packet's dump, [Start, End) in dump byte offsets,
// named by an ID that is unique on the page.
type Mark struct {
	ID         string
	Start, End int
}

// A FrameTable explains the header of one WebSocket frame field by field,
// as RFC 6455 section 5.2 draws it.
type FrameTable struct {
	// Title names the frame (Markdown inline).
	Title string
	// Diagram is the RFC-style bit diagram filled in with the frame's bits
	// (raw text, ASCII only).
	Diagram string
	Rows    []FieldRow
}

// A FieldRow is one field of a frame header.
type FieldRow struct {
	Name    string // "FIN", "opcode", ...
	Bits    string // the field's bits, such as "1" or "0001"
	Value   string // its value, such as "1" or "0x1 (text)" (Markdown inline)
	Meaning string // what it means here (Markdown inline)
	Hex     string // the bytes it came from, in hex
	// Mark is the ID of the dump range the field came from, "" if it is
	// not in this packet's dump.
	Mark string
}

// A Payload shows a WebSocket message: how it was recovered from the bytes
// on the wire, and its content.
type Payload struct {
	// Title says what the message is (Markdown inline).
	Title string
	// Steps explain unmasking and decompression (Markdown inline).
	Steps []string
	// Unmask is a worked example of unmasking, rows of raw text aligned
	// in columns ("on the wire", "masking key", "XOR", "text"); nil when
	// the message was not masked.
	Unmask [][]string
	// Text is the content as text (raw, printable), when it is text;
	// otherwise Hex holds a -X style dump of it.
	Text string
	Hex  *Dump
	// Lang is the code block's info string ("json", "text" or "").
	Lang string
	// Note says how much was cut (Markdown inline), or "".
	Note string
}

// An Exercise is a question on the page's packets and its answer (both
// Markdown).
type Exercise struct {
	Question, Answer string
}

// A Reference is an RFC section the page teaches: its title (Markdown
// inline) and its address on www.rfc-editor.org.
type Reference struct {
	Title, URL string
}
