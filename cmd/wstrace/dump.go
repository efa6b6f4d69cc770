package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/capture/filter"
	"github.com/wstrace/wstrace/capture/tcpdump"
)

type dumpFlags struct {
	file        string
	ascii       int // -A, -AA
	hex         int // -X, -XX
	hexOnly     int // -x, -xx
	absoluteSeq bool
	linkHeader  bool
	times       int // -t ... -ttttt
	nano        bool
	count       int
	numeric     int // -n, -nn: accepted, names are never resolved
}

// printerOptions turns tcpdump's flags into the printer's options.
func (f dumpFlags) printerOptions() tcpdump.Options {
	return tcpdump.Options{
		ASCII:          f.ascii > 0,
		Hex:            f.hex > 0,
		HexOnly:        f.hexOnly > 0,
		DumpLinkHeader: f.ascii > 1 || f.hex > 1 || f.hexOnly > 1,
		AbsoluteSeq:    f.absoluteSeq,
		LinkHeader:     f.linkHeader,
		Time:           tcpdump.TimeFormat(f.times),
		Nano:           f.nano,
	}
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
	f.registerPrint(fl, "hex")
	fl.IntVarP(&f.count, "count", "c", 0, "stop after `N` packets (0: no limit), as tcpdump -c")
	fl.SortFlags = false
	return c
}

// registerPrint registers tcpdump's flags for how packets are printed;
// -X's long name is hexName (the page flags have a --hex of their own).
func (f *dumpFlags) registerPrint(fl *pflag.FlagSet, hexName string) {
	fl.CountVarP(&f.ascii, "ascii", "A", "print each packet in ASCII, as tcpdump -A (-AA: from the link-level header on)")
	fl.CountVarP(&f.hex, hexName, "X", "print each packet in hex and ASCII, as tcpdump -X (-XX: from the link-level header on)")
	fl.CountVarP(&f.hexOnly, "hex-only", "x", "print each packet in hex, as tcpdump -x (-xx: from the link-level header on)")
	fl.BoolVarP(&f.absoluteSeq, "absolute-tcp-sequence-numbers", "S", false, "print absolute TCP sequence numbers, as tcpdump -S")
	fl.BoolVarP(&f.linkHeader, "link-header", "e", false, "print the link-level header on each line, as tcpdump -e")
	fl.CountVarP(&f.times, "time", "t", "timestamp format as tcpdump: -t none, -tt seconds since 1970, -ttt delta, -tttt date and time, -ttttt delta since the first packet")
	fl.BoolVar(&f.nano, "nano", false, "print times to the nanosecond, as tcpdump --nano")
	fl.CountVarP(&f.numeric, "numeric", "n", "accepted for tcpdump habits (-n, -nn); wstrace never resolves names")
}

// printing reports the tcpdump printing flags given, as the user typed
// them, such as "-A -tttt".
func (f dumpFlags) printing() string {
	var given []string
	add := func(n int, flag string) {
		if n > 0 {
			given = append(given, "-"+strings.Repeat(flag, n))
		}
	}
	add(f.ascii, "A")
	add(f.hex, "X")
	add(f.hexOnly, "x")
	add(f.times, "t")
	if f.absoluteSeq {
		given = append(given, "-S")
	}
	if f.linkHeader {
		given = append(given, "-e")
	}
	if f.nano {
		given = append(given, "--nano")
	}
	return strings.Join(given, " ")
}

func runDump(stdout io.Writer, stdin io.Reader, f dumpFlags, expr string) error {
	if f.times > 5 {
		return usageError{errors.New("-t may be given at most five times (-ttttt)")}
	}
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
	printer := tcpdump.NewPrinter(out, f.printerOptions())
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
		// The printer reads the packet's bytes itself; decode only for a filter.
		if expr != "" && !match.MatchPacket(pkt, decode.Decode(pkt.LinkType(), pkt.Data, pkt.Length)) {
			continue
		}
		if err := printer.Print(pkt); err != nil {
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
