package annotate

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"net/netip"
	"time"

	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// Defaults of the Options fields.
const (
	DefaultMaxMessageSize   = 16 << 20
	DefaultRelayWindow      = time.Second
	DefaultMaxReassembly    = 4 << 20
	DefaultMaxHTTPHead      = 64 << 10
	DefaultMaxRetained      = 256 << 20
	DefaultMaxHeld          = 1 << 15
	DefaultMaxHeldBytes     = 32 << 20
	defaultMaxHeld          = 256 << 10
	maxSentLog              = 4096
	maxEarlyPackets         = 4096
	defaultMaxPendingChunks = 1 << 16
)

// Options tunes an Annotator. The zero value means the defaults.
type Options struct {
	// WSPorts are TCP ports whose traffic is decoded as WebSocket frames
	// even when no upgrade was captured (wstrace --ws-port).
	WSPorts []uint16
	// MaxMessageSize caps the bytes kept of any one message, after
	// decompression: 0 means DefaultMaxMessageSize (16 MiB). Decompression
	// stops at the cap and the message reports it (Message.CapHit).
	MaxMessageSize int64
	// RelayWindow is how soon after a message the same payload on another
	// connection counts as a relay of it: 0 means DefaultRelayWindow, a
	// negative value disables relay linking.
	RelayWindow time.Duration
	// MaxReassembly caps the out-of-order bytes held per direction while a
	// hole waits to be filled: 0 means DefaultMaxReassembly. When it is
	// exceeded the hole is taken to be bytes never captured.
	MaxReassembly int
	// MaxHTTPHead caps the length of an HTTP message head: 0 means
	// DefaultMaxHTTPHead (64 KiB).
	MaxHTTPHead int
	// Location is the time zone of the times in PacketInfo.Summary; nil
	// means local time, which (as for tcpdump) honours TZ.
	Location *time.Location
	// Summary, when set, replaces the tcpdump printer that writes
	// PacketInfo.Summary.
	Summary func(p *capture.Packet) string
	// DropDecoded leaves PacketInfo.Decoded nil once a packet is
	// annotated, which saves about half a kilobyte a packet. Set it when
	// nothing needs the decoded headers afterwards (a filter on them, for
	// one); PacketInfo.HasTCP, TCPFlags and LinkHeaderLength still say
	// what the renderers need.
	DropDecoded bool
	// MaxRetained caps the message content (Message.Data, after
	// decompression) kept at any one time, over all messages: 0 means
	// DefaultMaxRetained (256 MiB), a negative value no cap. Without Emit
	// everything is kept to the end, so the cap covers the whole capture;
	// with Emit a message's bytes count until it is handed over. A
	// message that would pass the cap keeps only what fits, reports
	// Message.RetainCapHit and gets a ws-memory-cap event.
	MaxRetained int64
	// Emit, when set, makes the Annotator stream: it hands each packet,
	// frame, message and connection to Emit once nothing can change it any
	// more (see Record), and then forgets it, so that memory is bounded by
	// what is still open rather than by the length of the capture. Finish
	// then returns an empty Result. An error from Emit stops the stream:
	// Add and Finish return it.
	Emit func(Record) error
	// MaxHeld bounds how many packets a streaming Annotator holds back
	// while something open may still add to them (a frame or HTTP head
	// in progress, a hole in the byte stream, roles not yet settled): 0
	// means DefaultMaxHeld. Beyond it (or beyond DefaultMaxHeldBytes of
	// captured bytes) the oldest packets are handed over as they are.
	MaxHeld int
	// KeyLog holds TLS secrets (wstrace --keylog) that decrypt wss://
	// connections; the secrets a capture carries are added to a copy
	// (see Annotator.UseSecrets). Nil for none.
	KeyLog *tlsrec.KeyLog
}

func (o Options) withDefaults() Options {
	if o.MaxMessageSize <= 0 {
		o.MaxMessageSize = DefaultMaxMessageSize
	}
	if o.RelayWindow == 0 {
		o.RelayWindow = DefaultRelayWindow
	}
	if o.MaxReassembly <= 0 {
		o.MaxReassembly = DefaultMaxReassembly
	}
	if o.MaxHTTPHead <= 0 {
		o.MaxHTTPHead = DefaultMaxHTTPHead
	}
	if o.MaxRetained == 0 {
		o.MaxRetained = DefaultMaxRetained
	}
	if o.MaxHeld <= 0 {
		o.MaxHeld = DefaultMaxHeld
	}
	return o
}

// Annotator follows the packets of a capture one at a time, keeping the
// state of every TCP connection, and annotates each.
//
// The PacketInfo that Add returns is final for what the packet itself shows;
// a few things may still be added to it by later packets: the fields and
// phase of an HTTP head or frame header that a later segment completes,
// the close pattern of a teardown, and the roles of a connection captured
// without its handshake (decided by its first payload). Finish makes
// everything final.
type Annotator struct {
	opts     Options
	wsPorts  map[uint16]bool
	pairs    map[connKey]*pairState // by address and port pair: tcpdump's numbers, the open connection
	states   []*connState           // every connection, in order of ID
	ends     map[netip.AddrPort]int
	servers  map[netip.AddrPort]bool
	summary  func(p *capture.Packet) string
	relay    relayIndex
	cause    causeIndex
	shared   sharedData
	res      Result
	count    int
	finished bool
	// params is scratch room for building the parameters of the most
	// frequent events (see exact).
	params Params

	// keys are the TLS secrets: Options.KeyLog and the capture's;
	// secretsSeen counts the capture's secrets read.
	keys        *tlsrec.KeyLog
	secretsSeen int

	// last is the packet Add took last.
	last *PacketInfo
	// nConns, nFrames and nMessages count what was numbered so far.
	nConns, nFrames, nMessages int
	// retained is the message content kept (see Options.MaxRetained);
	// capHit reports that the cap cut a message.
	retained int64
	capHit   bool

	// Streaming (Options.Emit set): packets and messages waiting to be
	// final, and connections closed but not yet handed over.
	emit       func(Record) error
	err        error
	queue      []*PacketInfo
	queueHead  int
	queueBytes int
	msgs       []*Message
	msgsHead   int
	doneConns  []*Connection
	sinceScan  int
	watermark  int
}

// New returns an Annotator with the given options.
func New(opts Options) *Annotator {
	opts = opts.withDefaults()
	a := &Annotator{
		opts:    opts,
		wsPorts: map[uint16]bool{},
		pairs:   map[connKey]*pairState{},
		ends:    map[netip.AddrPort]int{},
		servers: map[netip.AddrPort]bool{},
	}
	for _, p := range opts.WSPorts {
		a.wsPorts[p] = true
	}
	a.summary = opts.Summary
	if a.summary == nil {
		a.summary = tcpdumpSummary(opts.Location)
	}
	a.emit = opts.Emit
	if opts.KeyLog != nil {
		a.keys = new(tlsrec.KeyLog)
		a.keys.Merge(opts.KeyLog)
	}
	a.relay.window = opts.RelayWindow
	a.relay.seed = maphash.MakeSeed()
	return a
}

// ErrFinished is returned by Add after Finish.
var ErrFinished = errors.New("annotate: Add after Finish")

// Add annotates the next packet of the capture. Packets must come in
// capture order. The error is non-nil only for misuse (a nil packet, Add
// after Finish); packets that cannot be decoded are annotated as
// PhaseOther.
func (a *Annotator) Add(p *capture.Packet) (*PacketInfo, error) {
	if a.finished {
		return nil, ErrFinished
	}
	if a.err != nil {
		return nil, a.err
	}
	if p == nil {
		return nil, errors.New("annotate: nil packet")
	}
	a.count++
	pi := &PacketInfo{Number: p.Number, Time: p.Timestamp, Packet: p}
	// In the zone of the Summary line: Location, else local time.
	if a.opts.Location != nil {
		pi.Time = pi.Time.In(a.opts.Location)
	} else {
		pi.Time = pi.Time.Local()
	}
	if pi.Number <= 0 {
		pi.Number = a.count
	}
	lt := capture.LinkTypeEthernet
	if p.Interface != nil {
		lt = p.Interface.LinkType
	}
	d := decode.Decode(lt, p.Data, p.Length)
	if !a.opts.DropDecoded {
		pi.Decoded = d
	}
	pi.LinkHeaderLength = uint16(min(d.LinkHeaderLength, 1<<16-1))
	if d.TCP != nil {
		pi.HasTCP, pi.TCPFlags = true, d.TCP.Flags
	}
	pi.Summary = a.summary(p)
	a.last = pi
	if a.emit == nil {
		a.res.Packets = append(a.res.Packets, pi)
	}
	if d.TCP == nil || !d.Src.IsValid() || !d.Dst.IsValid() || isLaterFragment(d) {
		pi.Phase = PhaseOther
	} else {
		a.addTCP(pi, d)
	}
	if a.emit != nil {
		if err := a.push(pi); err != nil {
			return pi, err
		}
	}
	return pi, nil
}

func isLaterFragment(d *decode.Packet) bool {
	return d.IPv4 != nil && d.IPv4.FragOffset != 0
}

// Finish flushes every connection's held bytes (declaring the holes that
// were never filled to be bytes never captured), decides what was left
// undecided, and returns the annotation of the whole capture. Add may not
// be called after Finish; Finish may be called again and returns the same
// Result.
func (a *Annotator) Finish() *Result {
	if a.finished {
		return &a.res
	}
	a.finished = true
	for _, cs := range a.orderedConns() {
		cs.finish()
	}
	a.fixWeakRoles()
	for _, pi := range a.res.Packets {
		if pi.Phase == phaseNone {
			pi.Phase = pi.currentPhase()
		}
	}
	if a.emit != nil {
		a.err = errors.Join(a.err, a.flushAll())
	}
	return &a.res
}

// Annotate reads every packet of src and annotates the capture. When src
// fails before io.EOF it returns everything annotated before the failure
// together with the error.
func Annotate(src capture.Source, opts Options) (*Result, error) {
	a := New(opts)
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A capture error names its file, packet and byte already; an
			// Interface Description Block is no packet to number.
			var ce *capture.Error
			if errors.As(err, &ce) {
				return a.Finish(), err
			}
			return a.Finish(), fmt.Errorf("annotate: reading packet %d: %w", a.count+1, err)
		}
		a.useSource(src)
		if _, err := a.Add(p); err != nil {
			return a.Finish(), err
		}
	}
	return a.Finish(), nil
}

// orderedConns returns the live connection states in the order of their IDs.
func (a *Annotator) orderedConns() []*connState {
	return a.states
}
