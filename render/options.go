package render

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wstrace/wstrace/annotate"
)

// Style is the layout of a page.
type Style string

// The styles.
const (
	// StyleGuide is a page with a summary, a sequence diagram, one section
	// per phase, frame tables and unmasked payloads.
	StyleGuide Style = "guide"
	// StyleClassic is the seed tutorial's layout: one code block, each
	// packet preceded by a /* ... */ comment that explains it.
	StyleClassic Style = "classic"
)

// ParseStyle returns the style that s names ("guide" or "classic").
func ParseStyle(s string) (Style, error) {
	switch Style(strings.ToLower(s)) {
	case StyleGuide, "":
		return StyleGuide, nil
	case StyleClassic:
		return StyleClassic, nil
	}
	return "", fmt.Errorf("render: unknown style %q (want guide or classic)", s)
}

// Format is an output format.
type Format string

// The formats.
const (
	FormatMarkdown Format = "md"
	FormatHTML     Format = "html"
	FormatJSON     Format = "json"
	FormatJSONL    Format = "jsonl" // JSON lines: one record per line
	FormatText     Format = "text"
	FormatPcapng   Format = "pcapng"
)

// Streams reports whether the format is written record by record while
// the capture is read (json, jsonl), rather than from a whole page.
func (f Format) Streams() bool { return f == FormatJSON || f == FormatJSONL }

// ParseFormat returns the format that a --format value names: md (or
// markdown), html, json, jsonl (or ndjson), text (or txt) or pcapng.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "md", "markdown":
		return FormatMarkdown, nil
	case "html", "htm":
		return FormatHTML, nil
	case "json":
		return FormatJSON, nil
	case "jsonl", "ndjson":
		return FormatJSONL, nil
	case "text", "txt":
		return FormatText, nil
	case "pcapng":
		return FormatPcapng, nil
	}
	return "", fmt.Errorf("render: unknown format %q (want md, html, json, jsonl, text or pcapng)", s)
}

// FormatForPath returns the format that an output file's extension calls
// for (.md, .markdown, .html, .htm, .json, .jsonl, .ndjson, .txt, .pcapng), and false when
// the extension names none.
func FormatForPath(path string) (Format, bool) {
	ext := strings.TrimPrefix(filepath.Ext(path), ".")
	if ext == "" {
		return "", false
	}
	f, err := ParseFormat(ext)
	return f, err == nil
}

// DefaultMaxBytes is the default of Options.MaxBytes.
const DefaultMaxBytes = 1024

// Options says what a page shows and how. The zero value is the default
// page: guide style, English, secrets redacted, -A dumps of at most
// DefaultMaxBytes bytes.
type Options struct {
	Style Style
	// Lang is the page language, one of [Languages]; "" means "en". Use
	// [LangFromEnv] for the environment's language.
	Lang string
	// Templates is a directory whose messages/LANG.txt and layout/ files
	// override the built-in ones; "" for none.
	Templates string
	// Hex shows packets as tcpdump -X does (hex and ASCII) instead of -A.
	Hex bool
	// ClientName and ServerName name the two roles in the text; "" means
	// the catalog's words ("the browser", "the server").
	ClientName, ServerName string
	// MaxBytes is the most bytes shown of any one packet or payload; 0
	// means DefaultMaxBytes, a negative value no limit.
	MaxBytes int
	// NoRedact keeps cookies, authorization headers and token-like query
	// parameters. By default their values are replaced by '*' wherever the
	// page shows them.
	NoRedact bool
	// Conn, when not 0, keeps only the packets of that connection.
	Conn int
	// First and Last, when not 0, keep only packets numbered First..Last.
	First, Last int
	// EarlierShown says that the packets before First are on the page
	// already, so that sentences do not call them "not shown on this page"
	// (the live page builds each packet alone and adds it to those before).
	EarlierShown bool
	// Filter, when not nil, keeps only the packets it accepts (the CLI's
	// filter expression, as in `wstrace dump`).
	Filter func(*annotate.PacketInfo) bool
	// MaxConnections and MaxPackets bound what a page built by a
	// [Collector] explains in full (--max-connections, --max-packets): 0
	// means DefaultMaxConnections (20) and DefaultMaxPackets (2,000), a
	// negative value no bound. Past them the page is a digest.
	MaxConnections, MaxPackets int
	// HideHeartbeats leaves out of the page and its diagram the packets
	// that only carry keep-alive traffic: WebSocket pings and pongs,
	// Engine.IO pings and pongs, STOMP heart-beats, MQTT PINGREQ/PINGRESP,
	// GraphQL ping/pong/ka, SignalR pings (and their bare ACKs); a note says
	// how many.
	HideHeartbeats bool
	// Catalog, when not nil, is the message catalog to use, loaded with
	// LoadCatalog(Lang, Templates) once for many pages (the live page builds
	// one for each packet); nil loads it for the page.
	Catalog *Catalog
	// Order lays a guide page out by connection (OrderConn, the default)
	// or in capture order (OrderTime).
	Order Order
	// Fragment asks the HTML writer for the trace alone, to go inside
	// another page: no <html>, <head> or <body> (and so no
	// Content-Security-Policy, which only a document can carry).
	Fragment bool
	// IDPrefix goes in front of every id of the HTML page and of every
	// link to one, so that several traces can share a page. It may hold
	// ASCII letters, digits, '-' and '_', and must start with a letter.
	IDPrefix string
}

// checkIDPrefix reports whether p is a usable Options.IDPrefix.
func checkIDPrefix(p string) error {
	for i, c := range p {
		letter := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if letter || i > 0 && (c >= '0' && c <= '9' || c == '-' || c == '_') {
			continue
		}
		return fmt.Errorf("render: id prefix %q: want ASCII letters, digits, - and _, starting with a letter", p)
	}
	return nil
}

func (o Options) maxBytes() int {
	switch {
	case o.MaxBytes == 0:
		return DefaultMaxBytes
	case o.MaxBytes < 0:
		return 0
	}
	return o.MaxBytes
}
