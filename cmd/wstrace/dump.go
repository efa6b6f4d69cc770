package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/capture/filter"
	"github.com/wstrace/wstrace/render/tcpdump"
)

type dumpFlags struct {
	file        string
	ascii, hex  bool
	absoluteSeq bool
	linkHeader  bool
	count       int
	numeric     bool
}

func newDumpCommand() *cobra.Command {
	var f dumpFlags
	c := &cobra.Command{
		Use:   "dump [flags] FILE [FILTER]",
		Short: "Print a capture's packets exactly as tcpdump -n -r does",
		Long: `Print every packet of a pcap or pcapng file (plain or gzip-compressed) exactly as
'tcpdump -n -r FILE' prints it. FILE "-" reads standard input. A trailing filter in
tcpdump's words (tcp, host H, port N, src/dst, and/or/not, parentheses) selects
what is printed. Times are local, honouring TZ, as tcpdump's are.`,
		Example: `  wstrace dump -A examples/workerman-chat.pcap
  TZ=UTC wstrace dump -X capture.pcapng port 7272 and host 127.0.0.1`,
		Args: positionalArgs(func(c *cobra.Command, args []string) error {
			if f.file == "" && len(args) == 0 {
				return errors.New("dump needs a capture file (or -r FILE)")
			}
			return nil
		}),
		RunE: func(c *cobra.Command, args []string) error {
			if f.file == "" {
				f.file, args = args[0], args[1:]
			}
			return runDump(c.OutOrStdout(), c.InOrStdin(), f, strings.Join(args, " "))
		},
	}
	fl := c.Flags()
	fl.StringVarP(&f.file, "read", "r", "", "read packets from `FILE` (as tcpdump -r; or give FILE as the first argument)")
	fl.BoolVarP(&f.ascii, "ascii", "A", false, "print each packet in ASCII, as tcpdump -A")
	fl.BoolVarP(&f.hex, "hex", "X", false, "print each packet in hex and ASCII, as tcpdump -X")
	fl.BoolVarP(&f.absoluteSeq, "absolute-tcp-sequence-numbers", "S", false, "print absolute TCP sequence numbers, as tcpdump -S")
	fl.BoolVarP(&f.linkHeader, "link-header", "e", false, "print the link-level header on each line, as tcpdump -e")
	fl.IntVarP(&f.count, "count", "c", 0, "stop after `N` packets (0: no limit), as tcpdump -c")
	fl.BoolVarP(&f.numeric, "numeric", "n", true, "accepted for tcpdump habits; wstrace never resolves names")
	fl.SortFlags = false
	return c
}

func runDump(stdout io.Writer, stdin io.Reader, f dumpFlags, expr string) error {
	if f.count < 0 {
		return usageError{fmt.Errorf("-c %d: the count must not be negative", f.count)}
	}
	match, err := filter.Compile(expr)
	if err != nil {
		return usageError{err}
	}
	src, closeSrc, err := openCapture(f.file, stdin)
	if err != nil {
		return err
	}
	defer closeSrc()

	out := bufio.NewWriterSize(stdout, 64<<10)
	printer := tcpdump.NewPrinter(out, tcpdump.Options{
		ASCII:       f.ascii,
		Hex:         f.hex,
		AbsoluteSeq: f.absoluteSeq,
		LinkHeader:  f.linkHeader,
	})
	printed := 0
	for f.count == 0 || printed < f.count {
		pkt, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			out.Flush()
			return err
		}
		if lt := pkt.LinkType(); !lt.Supported() {
			out.Flush()
			return fmt.Errorf("%s: packet %d: unsupported link type %s", displayName(f.file), pkt.Number, lt)
		}
		d := decode.Decode(pkt.LinkType(), pkt.Data, pkt.Length)
		if !match.MatchPacket(pkt, d) {
			continue
		}
		if err := printer.Print(pkt, d); err != nil {
			return fmt.Errorf("writing packet %d: %w", pkt.Number, err)
		}
		printed++
	}
	return out.Flush()
}

// openCapture opens a capture file, or standard input for "-".
func openCapture(name string, stdin io.Reader) (capture.Source, func() error, error) {
	if name == "-" {
		r, err := capture.NewReader(stdin)
		if err != nil {
			return nil, nil, fmt.Errorf("standard input: %w", err)
		}
		return r, func() error { return nil }, nil
	}
	r, err := capture.OpenFile(name)
	if err != nil {
		return nil, nil, err
	}
	return r, r.Close, nil
}

// displayName names an input file in messages.
func displayName(name string) string {
	if name == "-" {
		return "standard input"
	}
	return name
}
