package demo

import (
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/live"
)

// isolatedEnv holds, in the environment of the process CaptureIsolated
// starts, the JSON of what that process is to do.
const isolatedEnv = "WSTRACE_DEMO_ISOLATED"

// isolatedJob is what CaptureIsolated asks of the process it starts.
type isolatedJob struct {
	Addr        string
	Names       []string
	Messages    []string
	Deflate     bool
	TLS         bool
	Pause       time.Duration
	Interface   string
	SnapLen     int
	Promiscuous bool
}

// isolatedRecord is one item the isolated process sends back on its standard
// output: a packet, or at the end the transcript and the error.
type isolatedRecord struct {
	Packet     *isolatedPacket
	Transcript *Transcript
	Err        string
}

// isolatedPacket is a captured packet on its way out of the isolated process.
type isolatedPacket struct {
	Timestamp time.Time
	Interface string
	LinkType  capture.LinkType
	SnapLen   uint32
	Data      []byte
	Length    int
}

// IsolatedChild reports whether this process was started by CaptureIsolated.
// A program that calls CaptureIsolated must, first thing in main, check it
// and then exit with the status RunIsolatedChild returns:
//
//	if demo.IsolatedChild() {
//		os.Exit(demo.RunIsolatedChild())
//	}
func IsolatedChild() bool { return os.Getenv(isolatedEnv) != "" }

// CaptureIsolated is CaptureRun for users who may not capture on the host: it
// plays the scenario and captures it inside a new user and network namespace
// of its own, where the process holds CAP_NET_RAW over a private network that
// has only a loopback device. It runs the current executable again in those
// namespaces (see IsolatedChild); the packets come back to w as they arrive.
//
// The server listens on cfg.Addr inside the namespace, so the port cannot
// clash with anything on the host, and the host's traffic is never captured.
// cfg.Clock is not used: the server there writes the real time. It works
// where the kernel lets unprivileged users create user namespaces (most Linux
// distributions; a sysctl such as user.max_user_namespaces=0 or an AppArmor
// restriction can forbid it); otherwise the error says so.
func CaptureIsolated(ctx context.Context, cfg Config, opts live.Options, w PacketWriter) (*Transcript, error) {
	cfg = cfg.withDefaults()
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("demo: find the program to run in a namespace: %w", err)
	}
	job, err := json.Marshal(isolatedJob{
		Addr: cfg.Addr, Names: cfg.Names, Messages: cfg.Messages, Deflate: cfg.Deflate, TLS: cfg.TLS, Pause: cfg.Pause,
		Interface: opts.Interface, SnapLen: opts.SnapLen, Promiscuous: opts.Promiscuous,
	})
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	attr := namespaceAttr()
	if attr == nil {
		return nil, fmt.Errorf("demo: capture in a private namespace: %w", live.ErrNotSupported)
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), isolatedEnv+"="+string(job))
	cmd.SysProcAttr = attr
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if cfg.Log != nil {
		cmd.Stderr = io.MultiWriter(&stderr, cfg.Log)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("demo: cannot start a private user and network namespace (%w); "+
			"run as root (sudo), or allow unprivileged user namespaces (sysctl -w user.max_user_namespaces=15000)", err)
	}

	t, readErr := readIsolated(out, w, opts.Filter)
	if readErr != nil {
		io.Copy(io.Discard, out)
	}
	waitErr := cmd.Wait()
	switch {
	case readErr != nil:
		return t, readErr
	case waitErr != nil:
		msg := strings.TrimSpace(stderr.String())
		return t, fmt.Errorf("demo: the isolated run failed: %w: %s", waitErr, msg)
	}
	if f, ok := w.(interface{ Flush() error }); ok {
		if err := f.Flush(); err != nil {
			return t, fmt.Errorf("demo: flush the capture: %w", err)
		}
	}
	return t, nil
}

// readIsolated passes on the packets the isolated process sends and returns
// its transcript and error.
func readIsolated(r io.Reader, w PacketWriter, filter func(*capture.Packet) bool) (*Transcript, error) {
	dec := gob.NewDecoder(r)
	type ifKey struct {
		name    string
		link    capture.LinkType
		snapLen uint32
	}
	interfaces := map[ifKey]*capture.Interface{}
	number := 0
	for {
		var rec isolatedRecord
		if err := dec.Decode(&rec); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, errors.New("demo: the isolated run ended without a result")
			}
			return nil, fmt.Errorf("demo: read from the isolated run: %w", err)
		}
		if rec.Packet == nil {
			if rec.Err != "" {
				return rec.Transcript, errors.New(rec.Err)
			}
			return rec.Transcript, nil
		}
		ip := rec.Packet
		key := ifKey{ip.Interface, ip.LinkType, ip.SnapLen}
		ifc := interfaces[key]
		if ifc == nil {
			ifc = &capture.Interface{Index: len(interfaces), Name: ip.Interface, LinkType: ip.LinkType, SnapLen: ip.SnapLen}
			interfaces[key] = ifc
		}
		p := &capture.Packet{Timestamp: ip.Timestamp, Interface: ifc, Data: ip.Data, Length: ip.Length}
		if filter != nil && !filter(p) {
			continue
		}
		number++
		p.Number = number
		if err := w.WritePacket(p); err != nil {
			return nil, fmt.Errorf("demo: write packet %d: %w", p.Number, err)
		}
	}
}

// RunIsolatedChild does the work CaptureIsolated started this process for,
// inside its namespaces, and returns the exit status.
func RunIsolatedChild() int {
	var job isolatedJob
	if err := json.Unmarshal([]byte(os.Getenv(isolatedEnv)), &job); err != nil {
		fmt.Fprintf(os.Stderr, "demo: bad %s: %v\n", isolatedEnv, err)
		return 2
	}
	enc := gob.NewEncoder(os.Stdout)
	finish := func(t *Transcript, err error) int {
		rec := isolatedRecord{Transcript: t}
		if err != nil {
			rec.Err = err.Error()
		}
		if err := enc.Encode(rec); err != nil {
			fmt.Fprintf(os.Stderr, "demo: %v\n", err)
			return 1
		}
		return 0
	}
	if err := bringUpLoopback(); err != nil {
		return finish(nil, err)
	}
	cfg := Config{Addr: job.Addr, Names: job.Names, Messages: job.Messages, Deflate: job.Deflate, TLS: job.TLS, Pause: job.Pause, Log: os.Stderr}
	opts := live.Options{Interface: job.Interface, SnapLen: job.SnapLen, Promiscuous: job.Promiscuous}
	t, err := CaptureRun(context.Background(), cfg, opts, &gobWriter{enc: enc})
	return finish(t, err)
}

// gobWriter sends packets to the parent process.
type gobWriter struct{ enc *gob.Encoder }

func (g *gobWriter) WritePacket(p *capture.Packet) error {
	return g.enc.Encode(isolatedRecord{Packet: &isolatedPacket{
		Timestamp: p.Timestamp,
		Interface: p.Interface.Name,
		LinkType:  p.Interface.LinkType,
		SnapLen:   p.Interface.SnapLen,
		Data:      p.Data,
		Length:    p.Length,
	}})
}

// Capture captures the scenario with CaptureRun or, where this process may
// not capture (live.ErrPermission), with CaptureIsolated. A program calling
// it must hook IsolatedChild into main.
func Capture(ctx context.Context, cfg Config, opts live.Options, w PacketWriter) (*Transcript, error) {
	t, err := CaptureRun(ctx, cfg, opts, w)
	if !errors.Is(err, live.ErrPermission) {
		return t, err
	}
	t, ierr := CaptureIsolated(ctx, cfg, opts, w)
	if ierr != nil {
		return t, fmt.Errorf("%w; and in a private namespace: %w", err, ierr)
	}
	return t, nil
}
