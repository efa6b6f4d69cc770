// Command library shows wstrace's packages used as a library, the way a
// program of your own would use them: it opens a capture (package capture),
// follows its TCP connections and WebSocket sessions (package annotate),
// prints every WebSocket message with its direction and its text (unmasked,
// and inflated when permessage-deflate compressed it), then writes the
// annotated page as HTML (packages render and render/html).
//
// From the repository's root:
//
//	go run ./examples/library examples/workerman-chat.pcap
//	go run ./examples/library -o chat.html -lang zh-TW examples/demo.pcapng
//
// Without -o the page goes to the system's temporary directory.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
)

func main() {
	out := flag.String("o", "", "write the HTML page to `FILE` (default: NAME.html in the temporary directory)")
	lang := flag.String("lang", "en", "page language `LANG`: en, zh-TW or zh-CN")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: library [-o page.html] [-lang LANG] CAPTURE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	path := flag.Arg(0)
	if *out == "" {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		*out = filepath.Join(os.TempDir(), name+".html")
	}
	if err := run(os.Stdout, path, *out, *lang); err != nil {
		fmt.Fprintln(os.Stderr, "library:", err)
		os.Exit(1)
	}
}

// run annotates the capture at path, prints its messages to w and writes
// the page to out.
func run(w io.Writer, path, out, lang string) error {
	res, err := annotateFile(path)
	if err != nil {
		return err
	}
	if err := printMessages(w, res); err != nil {
		return err
	}
	if err := writePage(out, filepath.Base(path), res, lang); err != nil {
		return err
	}
	fmt.Fprintf(w, "page written to %s\n", out)
	return nil
}

// annotateFile reads a pcap or pcapng file (gzip-compressed or not) and
// annotates every packet.
func annotateFile(path string) (*annotate.Result, error) {
	src, err := capture.OpenFile(path)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	// The zero Options are the defaults; Annotate returns what it could
	// read even when the file is cut off, together with the error.
	return annotate.Annotate(src, annotate.Options{})
}

// printMessages prints one line for each WebSocket message: where it was
// completed, who sent it to whom, its kind, and its text.
func printMessages(w io.Writer, res *annotate.Result) error {
	bw := bufio.NewWriter(w)
	for _, m := range res.Messages {
		from, to := m.Conn.End(m.From), m.Conn.End(m.From.Peer())
		var how []string
		if m.Frames[0].Masked {
			how = append(how, "masked")
		}
		if m.Compressed {
			how = append(how, "compressed")
		}
		if m.RelayOf != nil {
			how = append(how, fmt.Sprintf("relays packet %d", m.RelayOf.Packet))
		}
		kind := m.OpcodeName()
		if len(how) > 0 {
			kind += " (" + strings.Join(how, ", ") + ")"
		}
		fmt.Fprintf(bw, "packet %d  %s %s > %s  %s: %s\n", m.Packet, m.From, from, to, kind, content(m))
	}
	return bw.Flush()
}

// content describes what a message carries: the text of a text message,
// the status of a close frame, the size of anything else.
func content(m *annotate.Message) string {
	switch {
	case m.Opcode == 8 && m.CloseCode != 0:
		return fmt.Sprintf("status %d %q", m.CloseCode, m.CloseReason)
	case m.Opcode == 8:
		return "no status"
	case utf8.Valid(m.Data) && (m.Text || m.Opcode >= 8):
		return string(m.Data)
	default:
		return fmt.Sprintf("%d bytes", m.Size)
	}
}

// writePage builds the annotated page and writes it as one self-contained
// HTML file.
func writePage(out, name string, res *annotate.Result, lang string) error {
	page, err := render.Build(res, render.Capture{Name: name}, render.Options{Lang: lang})
	if err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	if err := html.Write(bw, page); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", out, err)
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", out, err)
	}
	return f.Close()
}
