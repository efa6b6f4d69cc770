package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/filter"
	"github.com/wstrace/wstrace/internal/outfile"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/output"
	"github.com/wstrace/wstrace/render/text"
)

// pageFlags are the flags of every command that writes a page: render,
// capture and demo.
type pageFlags struct {
	input        string // render -r FILE
	count        int    // render -c N
	output       string
	format       string
	style        string
	order        string
	lang         string
	templates    string
	hex          bool
	clientName   string
	serverName   string
	maxBytes     int
	redact       bool
	noRedact     bool
	conn         int
	packets      string
	wsPorts      []uint
	maxMessage   int64
	maxRetained  int64
	maxConns     int
	maxPackets   int
	framePayload bool
	fragment     bool
	idPrefix     string
	color        string
	hideBeats    bool
	keylog       string
	keys         *tlsrec.KeyLog // parsed from keylog by keyLogSecrets
}

func (f *pageFlags) register(fl *pflag.FlagSet) {
	fl.StringVarP(&f.output, "output", "o", "", "write the page to `FILE`; its extension (.md, .html, .json, .txt, .pcapng) chooses the format")
	fl.StringVar(&f.format, "format", "", "output `FORMAT`: md, html, json, jsonl (one record per line), text or pcapng (default md, or the -o extension's)")
	fl.StringVar(&f.style, "style", "guide", "page `STYLE`: guide (sections, diagrams, field tables) or classic (the seed tutorial's one code block)")
	fl.StringVar(&f.order, "order", "conn", "guide `ORDER`: conn (each connection's story whole) or time (capture order, connections interleaved, for a lesson)")
	fl.StringVar(&f.lang, "lang", "", "page language `LANG`: en, zh-TW or zh-CN (default from LC_ALL, LC_MESSAGES or LANG, else en)")
	fl.StringVar(&f.templates, "templates", "", "`DIR` whose messages/LANG.txt and layout/ files override the built-in ones")
	fl.BoolVar(&f.hex, "hex", false, "show packets as tcpdump -X (hex and ASCII) instead of -A")
	fl.StringVar(&f.clientName, "client-name", "", "what the text calls the client (default: the browser)")
	fl.StringVar(&f.serverName, "server-name", "", "what the text calls the server (default: the server)")
	fl.IntVar(&f.maxBytes, "max-bytes", render.DefaultMaxBytes, "show at most `N` bytes of a packet or payload (-1: all), with a note of how much more there is")
	fl.BoolVar(&f.redact, "redact", true, "mask Cookie, Set-Cookie, Authorization and token-like query parameters")
	fl.BoolVar(&f.noRedact, "no-redact", false, "keep cookies, authorization headers and tokens as captured")
	fl.IntVar(&f.conn, "conn", 0, "show only connection `N` (numbered from 1 in order of first packet)")
	fl.StringVar(&f.packets, "packets", "", "show only packets `A-B` (numbered from 1; A- and -B leave an end open)")
	fl.UintSliceVar(&f.wsPorts, "ws-port", nil, "decode TCP port `N` as WebSocket even without an upgrade (repeatable)")
	fl.Lookup("ws-port").DefValue = "" // no "(default [])" in the help
	fl.Int64Var(&f.maxMessage, "max-message", 16<<20, "decompress at most `BYTES` of one WebSocket message")
	fl.Int64Var(&f.maxRetained, "max-retained", annotate.DefaultMaxRetained, "keep at most `BYTES` of message content (after decompression) in all; messages past it keep what fits and the page says so (-1: no cap)")
	fl.IntVar(&f.maxConns, "max-connections", render.DefaultMaxConnections, "explain at most `N` connections in full; past it the page is a digest with an overview of every connection (-1: no limit)")
	fl.IntVar(&f.maxPackets, "max-packets", render.DefaultMaxPackets, "explain at most `N` packets in full; past it the page is a digest (-1: no limit)")
	fl.BoolVar(&f.framePayload, "frame-payloads", false, "JSON: add each frame's unmasked payload as payload_base64")
	fl.BoolVar(&f.fragment, "fragment", false, "HTML: write the trace alone, without <html>, <head> or <body>, to paste into another page")
	fl.StringVar(&f.idPrefix, "id-prefix", "", "HTML: put `P` in front of every id and internal link, so that several traces fit on one page")
	fl.BoolVar(&f.hideBeats, "hide-heartbeats", false, "leave out of the page and its diagram the packets that only carry keep-alives: WebSocket, Engine.IO and GraphQL pings and pongs, STOMP heart-beats, MQTT PINGREQ/PINGRESP, SignalR pings (a note says how many)")
	fl.StringVar(&f.keylog, "keylog", "", "decrypt TLS (wss://) with the NSS key log `FILE` that SSLKEYLOGFILE makes browsers and curl write; pcapng output, and capture's -w file, embed it")
	fl.StringVar(&f.color, "color", "auto", "text format: colours `WHEN`: auto (on a terminal, unless NO_COLOR is set), always or never")
}

// check validates the flags that need no capture.
func (f *pageFlags) check() error {
	if _, err := f.resolveFormat(); err != nil {
		return err
	}
	if _, err := f.options(""); err != nil {
		return err
	}
	return nil
}

// resolveFormat picks the output format from --format, else from -o's
// extension, else Markdown, and checks that the HTML-only flags go with
// HTML.
func (f *pageFlags) resolveFormat() (render.Format, error) {
	format, err := f.pickFormat()
	if err == nil && (f.fragment || f.idPrefix != "") && format != render.FormatHTML {
		return "", usageError{fmt.Errorf("--fragment and --id-prefix are for --format html, not %s", format)}
	}
	return format, err
}

func (f *pageFlags) pickFormat() (render.Format, error) {
	if f.format != "" {
		format, err := render.ParseFormat(f.format)
		if err != nil {
			return "", usageError{err}
		}
		return format, nil
	}
	if f.output != "" {
		format, ok := render.FormatForPath(f.output)
		if !ok {
			return "", usageError{fmt.Errorf("-o %s: cannot tell the format from the extension; give --format", f.output)}
		}
		return format, nil
	}
	return render.FormatMarkdown, nil
}

// options turns the flags into the renderer's options.
func (f *pageFlags) options(expr string) (render.Options, error) {
	style, err := render.ParseStyle(f.style)
	if err != nil {
		return render.Options{}, usageError{err}
	}
	order, err := render.ParseOrder(f.order)
	if err != nil {
		return render.Options{}, usageError{err}
	}
	lang := f.lang
	if lang == "" {
		lang = render.LangFromEnv(os.Getenv)
	} else if lang, err = render.ParseLang(lang); err != nil {
		return render.Options{}, usageError{err}
	}
	opts := render.Options{
		Style:      style,
		Order:      order,
		Lang:       lang,
		Templates:  f.templates,
		Hex:        f.hex,
		ClientName: f.clientName,
		ServerName: f.serverName,
		MaxBytes:   f.maxBytes,
		NoRedact:   f.noRedact || !f.redact,
		Conn:       f.conn,
		Fragment:   f.fragment,
		IDPrefix:   f.idPrefix,

		HideHeartbeats: f.hideBeats,
		MaxConnections: f.maxConns,
		MaxPackets:     f.maxPackets,
	}
	if f.maxConns == 0 || f.maxConns < -1 || f.maxPackets == 0 || f.maxPackets < -1 {
		return opts, usageError{errors.New("--max-connections and --max-packets must be positive, or -1 for no limit")}
	}
	switch f.color {
	case "auto", "always", "never":
	default:
		return opts, usageError{fmt.Errorf("--color %q: want auto, always or never", f.color)}
	}
	if f.templates != "" {
		if err := render.CheckTemplates(f.templates); err != nil {
			return opts, usageError{err}
		}
	}
	if f.maxBytes == 0 {
		return opts, usageError{errors.New("--max-bytes 0 would show nothing; give a positive number, or -1 for no limit")}
	}
	if f.conn < 0 {
		return opts, usageError{errors.New("--conn must be a connection number from 1")}
	}
	if f.maxRetained == 0 || f.maxRetained < -1 {
		return opts, usageError{errors.New("--max-retained must be positive, or -1 for no cap")}
	}
	if f.maxMessage <= 0 {
		return opts, usageError{errors.New("--max-message must be positive")}
	}
	for _, p := range f.wsPorts {
		if p == 0 || p > 65535 {
			return opts, usageError{fmt.Errorf("--ws-port %d: not a TCP port", p)}
		}
	}
	if f.packets != "" {
		if opts.First, opts.Last, err = parseRange(f.packets); err != nil {
			return opts, usageError{err}
		}
	}
	if strings.TrimSpace(expr) != "" {
		match, err := filter.Compile(expr)
		if err != nil {
			return opts, usageError{err}
		}
		opts.Filter = func(p *annotate.PacketInfo) bool { return match.MatchPacket(p.Packet, p.Decoded) }
	}
	return opts, nil
}

func (f *pageFlags) annotateOptions() annotate.Options {
	ports := make([]uint16, len(f.wsPorts))
	for i, p := range f.wsPorts {
		ports[i] = uint16(p)
	}
	return annotate.Options{WSPorts: ports, MaxMessageSize: f.maxMessage, MaxRetained: f.maxRetained, KeyLog: f.keys}
}

func newRenderCommand() *cobra.Command {
	var f pageFlags
	c := &cobra.Command{
		Use:   "render [flags] FILE [FILTER]",
		Short: "Explain a capture as a tutorial page (Markdown, HTML, JSON, text or pcapng)",
		Long: `Follow every TCP connection of a capture through its phases (handshake, WebSocket
upgrade, frames, close, teardown) and write a page that explains each packet.
FILE "-" reads standard input. A trailing filter in tcpdump's words selects the
packets shown; every packet is still read, so connections are followed whole.`,
		Example: `  wstrace render capture.pcap > page.md
  wstrace render -o page.html --lang zh-TW capture.pcapng
  wstrace render --style classic --packets 12-30 examples/workerman-chat.pcap
  wstrace render --format json capture.pcap port 7272`,
		Args: positionalArgs(func(c *cobra.Command, args []string) error {
			if f.input == "" && len(args) == 0 {
				return errors.New("render needs a capture file: wstrace render FILE (or -r FILE; - reads standard input)")
			}
			return nil
		}),
		RunE: func(c *cobra.Command, args []string) error {
			collectNearLimit()
			if f.input == "" {
				f.input, args = args[0], args[1:]
			}
			if f.count < 0 {
				return usageError{fmt.Errorf("-c %d: the count must not be negative", f.count)}
			}
			// An interrupt stops the rendering cleanly: no partial page
			// is left behind.
			ctx, stop := signal.NotifyContext(c.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return renderFile(ctx, c.OutOrStdout(), c.InOrStdin(), f.input, f, strings.Join(args, " "))
		},
	}
	c.Flags().StringVarP(&f.input, "read", "r", "", "read packets from `FILE` (as tcpdump -r; or give FILE as the first argument)")
	c.Flags().IntVarP(&f.count, "count", "c", 0, "read only the first `N` packets (0: all), as tcpdump -c")
	f.register(c.Flags())
	c.Flags().SortFlags = false
	registerCompletions(c)
	return c
}

// renderFile annotates the capture in name ("-" for stdin) and writes the
// page to f.output, or to stdout. When the capture cannot be read to its end,
// the page covers every packet before the problem and the error is returned
// after it is written.
//
// When ctx is done (an interrupt), reading and writing stop, the output
// is left as it was, and an error says so.
func renderFile(ctx context.Context, stdout io.Writer, stdin io.Reader, name string, f pageFlags, expr string) error {
	format, err := f.resolveFormat()
	if err != nil {
		return err
	}
	opts, err := f.options(expr)
	if err != nil {
		return err
	}
	secrets, err := f.keyLogSecrets()
	if err != nil {
		return err
	}
	// The output is checked, and its temporary file made, before a large
	// capture is read: an output that is the input is refused, and one
	// that cannot be written fails now rather than after the reading.
	out := stdout
	var file *outfile.File
	if f.output != "" && f.output != "-" {
		if file, err = outfile.Create(f.output, name, f.keylog); err != nil {
			if errors.Is(err, outfile.ErrSameFile) {
				return usageError{err}
			}
			return err
		}
		defer file.Abort()
		out = file
	}
	src, closeSrc, err := openCapture(name, stdin)
	if err != nil {
		return err
	}
	defer closeSrc()
	aopts := f.annotateOptions()
	// Without a filter nothing reads the decoded headers after annotation:
	// dropping them saves about half a kilobyte per packet.
	aopts.DropDecoded = opts.Filter == nil
	known := &knownLinkTypes{Source: withProgress(src, name), name: displayName(name), ctx: ctx, count: f.count}
	bw := bufio.NewWriterSize(ctxWriter{ctx, out}, 64<<10)
	readErr, err := output.Write(bw, known, output.Options{
		Format:        format,
		Page:          opts,
		Annotate:      aopts,
		Capture:       render.Capture{Name: filepath.Base(displayName(name))},
		Color:         format == render.FormatText && f.useColor(out),
		FramePayloads: f.framePayload,
		Secrets:       func() []capture.Secrets { return append(sourceSecrets(src), secrets...) },
		ReadErr: func(err error) error {
			if known.err != nil && errors.Is(err, known.err) {
				return known.err // it names the file and packet already
			}
			return err
		},
		Stop: func() bool { return ctx.Err() != nil },
	})
	if ctx.Err() != nil {
		return errInterrupted
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	// Only a complete page replaces the output; the page of a capture
	// that could not be read to its end is complete up to the problem.
	if file != nil {
		if err := file.Commit(); err != nil {
			return err
		}
	}
	return readErr
}

// knownLinkTypes is a capture source that stops, as dump does, at the
// first packet of a link type wstrace cannot decode.
type knownLinkTypes struct {
	capture.Source
	name  string
	ctx   context.Context
	count int // stop after this many packets (0: no limit)
	read  int
	err   error
}

func (k *knownLinkTypes) Next() (*capture.Packet, error) {
	if k.ctx.Err() != nil {
		return nil, errInterrupted
	}
	if k.count > 0 && k.read >= k.count {
		return nil, io.EOF
	}
	k.read++
	p, err := k.Source.Next()
	if err != nil {
		return p, err
	}
	if lt := p.LinkType(); !lt.Supported() {
		k.err = fmt.Errorf("%s: packet %d: unsupported link type %s", k.name, p.Number, lt)
		return nil, k.err
	}
	return p, nil
}

// errInterrupted is what renderFile returns when a signal stopped it.
var errInterrupted = errors.New("interrupted: the page was not written")

// ctxWriter fails its writes once ctx is done.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, errInterrupted
	}
	return c.w.Write(p)
}

// useColor reports whether a text page written to dest gets colours: with
// --color always, or with auto on a terminal when NO_COLOR is not set
// (https://no-color.org).
func (f pageFlags) useColor(dest io.Writer) bool {
	switch f.color {
	case "always":
		return true
	case "never":
		return false
	}
	tty, _ := dest.(*os.File)
	return tty != nil && text.IsTerminal(tty) && os.Getenv("NO_COLOR") == ""
}

// pathExt returns the extension of path, with its dot.
func pathExt(path string) string { return filepath.Ext(path) }

// parseRange parses a --packets value: "A-B", "A-" (from A on), "-B" (up to
// B) or "N" (packet N only). Packets count from 1.
func parseRange(s string) (first, last int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	if !isRange {
		b = a
	}
	num := func(v string) (int, error) {
		if v == "" {
			return 0, nil
		}
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 1 || fmt.Sprint(n) != v {
			return 0, fmt.Errorf("--packets %s: bad packet number %q", s, v)
		}
		return n, nil
	}
	if first, err = num(a); err != nil {
		return 0, 0, err
	}
	if last, err = num(b); err != nil {
		return 0, 0, err
	}
	if first == 0 && last == 0 {
		return 0, 0, fmt.Errorf("--packets %q: empty range", s)
	}
	if last != 0 && first > last {
		return 0, 0, fmt.Errorf("--packets %s: the range runs backwards", s)
	}
	return first, last, nil
}
