package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wstrace/wstrace/demo"
	"github.com/wstrace/wstrace/internal/testenv"
)

// TestMain removes the wstrace binary the tests built, and lets the test
// binary serve as the program the demo runs again inside a private
// namespace when it may not capture (demo.IsolatedChild).
func TestMain(m *testing.M) {
	if demo.IsolatedChild() {
		os.Exit(demo.RunIsolatedChild())
	}
	code := m.Run()
	if builtBinary.dir != "" {
		os.RemoveAll(builtBinary.dir)
	}
	os.Exit(code)
}

// builtBinary is the wstrace program, built once for every test that runs
// it as a separate process.
var builtBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// wstraceBinary builds the wstrace command (once per test binary) into a
// directory anyone may enter, so that it can also run as user nobody, and
// returns its path.
func wstraceBinary(t *testing.T) string {
	t.Helper()
	goTool := testenv.NeedTool(t, "go")
	b := &builtBinary
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "wstrace-bin-"); b.err != nil {
			return
		}
		if b.err = os.Chmod(b.dir, 0o755); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "wstrace")
		out, err := exec.Command(goTool, "build", "-o", b.path, ".").CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// process is a wstrace or tcpdump run in the background.
type process struct {
	cmd    *exec.Cmd
	stdout *lockedBuffer
	stderr *lockedBuffer
	done   chan struct{} // closed once the process has exited
	err    error         // what Wait returned, valid after done
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs a program in the background and returns once a line of its
// standard error contains ready (at once when ready is "").
func start(t *testing.T, dir, ready string, name string, args ...string) *process {
	t.Helper()
	p := &process{stdout: new(lockedBuffer), stderr: new(lockedBuffer), done: make(chan struct{})}
	p.cmd = exec.Command(name, args...)
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), "LANG=C.UTF-8", "LC_ALL=", "LC_MESSAGES=")
	p.cmd.Stdout = p.stdout
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", filepath.Base(name), err)
	}
	readyc := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		signalled := ready == ""
		if signalled {
			close(readyc)
		}
		for sc.Scan() {
			p.stderr.Write(append(sc.Bytes(), '\n'))
			if !signalled && strings.Contains(sc.Text(), ready) {
				close(readyc)
				signalled = true
			}
		}
		io.Copy(io.Discard, stderr)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case <-readyc:
	case <-p.done:
		t.Fatalf("%s %s ended before it was ready (%v):\n%s", filepath.Base(name), strings.Join(args, " "), p.err, p.stderr)
	case <-time.After(10 * time.Second):
		t.Fatalf("%s %s not ready within 10s:\n%s", filepath.Base(name), strings.Join(args, " "), p.stderr)
	}
	return p
}

// wait waits up to limit for the process to exit on its own and returns its
// exit code.
func (p *process) wait(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		p.cmd.Process.Kill()
		<-p.done
		t.Fatalf("%s did not exit within %v:\n%s", filepath.Base(p.cmd.Path), limit, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode()
}

// stop sends sig to the process and waits for it to exit.
func (p *process) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	return p.wait(t, 10*time.Second)
}

// startCapture runs "wstrace capture" in dir and returns once it captures.
func startCapture(t *testing.T, dir string, args ...string) *process {
	t.Helper()
	return start(t, dir, "wstrace: capturing on", wstraceBinary(t), append([]string{"capture"}, args...)...)
}

// startTcpdump runs tcpdump writing what iface carries of the port to file,
// and returns once it listens.
func startTcpdump(t *testing.T, iface, file string, port int) *process {
	t.Helper()
	tcpdump := testenv.NeedTool(t, "tcpdump")
	return start(t, "", "listening on", tcpdump, "-i", iface, "-U", "-n", "-w", file, "tcp", "port", strconv.Itoa(port))
}

// stopTcpdump lets tcpdump hand over the packets still in its ring (libpcap
// waits up to a second before it delivers a block that is not full, and
// drops it on SIGINT), then interrupts it.
func stopTcpdump(t *testing.T, p *process) {
	t.Helper()
	time.Sleep(1500 * time.Millisecond)
	if code := p.stop(t, os.Interrupt); code != 0 {
		t.Fatalf("tcpdump exited with %d:\n%s", code, p.stderr)
	}
}

// echoServer starts a WebSocket server (github.com/coder/websocket) on
// 127.0.0.1 that sends every message back, and returns its URL and port.
func echoServer(t *testing.T) (string, int) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, msg); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), srv.Listener.Addr().(*net.TCPAddr).Port
}

// session runs a WebSocket conversation with a client of
// github.com/coder/websocket (three masked messages and their echoes, one of
// them spread over several segments) and closes it cleanly.
func session(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer c.CloseNow()
	for _, msg := range []string{"hello", strings.Repeat("0123456789", 3000), "bye"} {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatalf("write: %v", err)
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != msg {
			t.Fatalf("read = %.20q, %v; want %.20q", got, err, msg)
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, "done"); err != nil {
		t.Fatalf("close: %v", err)
	}
}

// dumped is one packet as tcpdump -r printed it.
type dumped struct {
	time    time.Time
	summary string // the packet's line after the timestamp
	hex     string // its bytes, link-layer header included
}

// readWithTcpdump reads a capture file with tcpdump and returns the link
// type it reports and the packets. Anything tcpdump complains about (a file
// cut off mid-packet) fails the test.
func readWithTcpdump(t *testing.T, path string) (string, []dumped) {
	t.Helper()
	tcpdump := testenv.NeedTool(t, "tcpdump")
	cmd := exec.Command(tcpdump, "-r", path, "-nn", "-tt", "-e", "-xx")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v\n%s", path, err, stderr.String())
	}
	link, rest, _ := strings.Cut(stderr.String(), "\n")
	if _, after, ok := strings.Cut(link, "link-type "); ok {
		link, _, _ = strings.Cut(after, " ")
	} else {
		t.Fatalf("tcpdump -r %s: %s", path, stderr.String())
	}
	// tcpdump warns so about every LINUX_SLL2 file, its own included.
	rest = strings.ReplaceAll(rest, "Warning: interface names might be incorrect\n", "")
	if rest = strings.TrimSpace(rest); rest != "" {
		t.Errorf("tcpdump -r %s complains: %s", path, rest)
	}
	var packets []dumped
	for _, line := range strings.Split(string(out), "\n") {
		switch {
		case line == "":
		case strings.HasPrefix(line, "\t0x"):
			if len(packets) == 0 {
				t.Fatalf("tcpdump -r %s: hex before any packet", path)
			}
			_, hex, _ := strings.Cut(line, ":")
			packets[len(packets)-1].hex += strings.ReplaceAll(hex, " ", "")
		default:
			ts, summary, _ := strings.Cut(line, " ")
			sec, frac, _ := strings.Cut(ts, ".")
			s, err1 := strconv.ParseInt(sec, 10, 64)
			us, err2 := strconv.ParseInt(frac, 10, 64)
			if err1 != nil || err2 != nil {
				t.Fatalf("tcpdump -r %s: unexpected line %q", path, line)
			}
			packets = append(packets, dumped{time: time.Unix(s, us*1000), summary: summary})
		}
	}
	return link, packets
}

// samePackets checks that the capture file ours holds exactly the packets of
// tcpdump's file theirs: the same link type, and packet by packet the same
// bytes, length and summary line, with timestamps a few milliseconds apart
// at most. It returns how many packets matched.
func samePackets(t *testing.T, ours, theirs string) int {
	t.Helper()
	ourLink, ourPackets := readWithTcpdump(t, ours)
	theirLink, theirPackets := readWithTcpdump(t, theirs)
	if ourLink != theirLink {
		t.Errorf("%s: link type %s, tcpdump wrote %s", filepath.Base(ours), ourLink, theirLink)
	}
	if len(theirPackets) < 10 {
		t.Fatalf("tcpdump saw only %d packets of the session", len(theirPackets))
	}
	if len(ourPackets) != len(theirPackets) {
		t.Errorf("%s holds %d packets, tcpdump's file %d", filepath.Base(ours), len(ourPackets), len(theirPackets))
	}
	same := 0
	for i := range min(len(ourPackets), len(theirPackets)) {
		o, th := ourPackets[i], theirPackets[i]
		if o.summary != th.summary || o.hex != th.hex {
			t.Errorf("%s packet %d differs:\nours:    %s\n%s\ntcpdump: %s\n%s", filepath.Base(ours), i+1, o.summary, o.hex, th.summary, th.hex)
			continue
		}
		if d := o.time.Sub(th.time).Abs(); d > 20*time.Millisecond {
			t.Errorf("%s packet %d: timestamp %v apart from tcpdump's", filepath.Base(ours), i+1, d)
			continue
		}
		same++
	}
	return same
}

var statsLines = regexp.MustCompile(`(?m)^(\d+) packets captured\n(\d+) packets received by filter\n(\d+) packets dropped by kernel$`)

// checkStats checks the counters wstrace capture prints at the end, as
// tcpdump does, against the packets it wrote.
func checkStats(t *testing.T, stderr string, written int) {
	t.Helper()
	m := statsLines.FindStringSubmatch(stderr)
	if m == nil {
		t.Errorf("no packets captured / received by filter / dropped by kernel lines in:\n%s", stderr)
		return
	}
	captured, _ := strconv.Atoi(m[1])
	received, _ := strconv.Atoi(m[2])
	if captured != written || received < captured {
		t.Errorf("%d packets captured, %d received by filter; the file holds %d", captured, received, written)
	}
	if !strings.Contains(stderr, fmt.Sprintf("wstrace: wrote %d packets to ", written)) {
		t.Errorf("no 'wrote %d packets' line in:\n%s", written, stderr)
	}
}

// TestCaptureMatchesTcpdump runs "wstrace capture --until-close" on lo and
// on any, each with tcpdump beside it, around a WebSocket session between a
// client and server of github.com/coder/websocket, and checks that each
// capture holds exactly the packets tcpdump saw, and that wstrace stopped by
// itself once the connection closed.
func TestCaptureMatchesTcpdump(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "tcpdump")
	url, port := echoServer(t)
	dir := t.TempDir()
	ifaces := []string{"lo", "any"}
	var tcpdumps, captures []*process
	for _, iface := range ifaces {
		tcpdumps = append(tcpdumps, startTcpdump(t, iface, filepath.Join(dir, "tcpdump-"+iface+".pcap"), port))
		captures = append(captures, startCapture(t, dir, "-i", iface, "-w", "wstrace-"+iface+".pcapng", "--until-close", "tcp", "port", strconv.Itoa(port)))
	}
	// Without -w, the packets are printed as tcpdump -A prints them.
	printing := startCapture(t, dir, "-i", "lo", "-A", "--until-close", "tcp", "port", strconv.Itoa(port))
	session(t, url)
	for i, iface := range ifaces {
		if code := captures[i].wait(t, 5*time.Second); code != 0 {
			t.Fatalf("wstrace capture -i %s --until-close: exit %d:\n%s", iface, code, captures[i].stderr)
		}
	}
	if code := printing.wait(t, 5*time.Second); code != 0 {
		t.Fatalf("wstrace capture -i lo -A --until-close: exit %d:\n%s", code, printing.stderr)
	}
	for i, iface := range ifaces {
		stopTcpdump(t, tcpdumps[i])
		ours := filepath.Join(dir, "wstrace-"+iface+".pcapng")
		n := samePackets(t, ours, filepath.Join(dir, "tcpdump-"+iface+".pcap"))
		checkStats(t, captures[i].stderr.String(), n)
		t.Logf("-i %s: %d packets identical to tcpdump's", iface, n)
	}

	// The printed packets are tcpdump's reading of its own file, but for
	// the times, which the two captures take apart.
	want, err := exec.Command(testenv.NeedTool(t, "tcpdump"), "-n", "-A", "-r", filepath.Join(dir, "tcpdump-lo.pcap")).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, wantLines := withoutTimes(printing.stdout.String()), withoutTimes(string(want))
	if got != wantLines {
		t.Errorf("wstrace capture -A printed what tcpdump -A does not:\n%s", firstDiff(got, wantLines))
	}
	t.Logf("-i lo -A: %d lines as tcpdump -A prints them", strings.Count(got, "\n"))
}

// packetTime is the time of day that begins a packet line of tcpdump.
var packetTime = regexp.MustCompile(`(?m)^\d\d:\d\d:\d\d\.\d{6} `)

// withoutTimes removes the times from tcpdump's packet lines.
func withoutTimes(s string) string { return packetTime.ReplaceAllString(s, "") }

// TestCaptureInterrupted checks that packets reach the file as they arrive:
// while "wstrace capture" still runs, with no stop condition, its file
// already holds every packet tcpdump saw; an interrupt (Ctrl-C) then ends it
// with status 0 and the file complete, and so does a kill (a crash), which
// leaves no chance to finish the file.
func TestCaptureInterrupted(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "tcpdump")
	url, port := echoServer(t)
	dir := t.TempDir()
	theirs := filepath.Join(dir, "tcpdump.pcap")
	tcpdump := startTcpdump(t, "lo", theirs, port)
	interrupted := startCapture(t, dir, "-i", "lo", "-w", "interrupted.pcapng", "tcp", "port", strconv.Itoa(port))
	killed := startCapture(t, dir, "-i", "lo", "-w", "killed.pcapng", "tcp", "port", strconv.Itoa(port))
	session(t, url)
	stopTcpdump(t, tcpdump)

	select {
	case <-interrupted.done:
		t.Fatalf("wstrace capture without a stop condition ended by itself:\n%s", interrupted.stderr)
	default:
	}
	n := samePackets(t, filepath.Join(dir, "interrupted.pcapng"), theirs)
	t.Logf("before the interrupt, the file already holds %d packets identical to tcpdump's", n)

	if code := interrupted.stop(t, os.Interrupt); code != 0 {
		t.Fatalf("wstrace capture exited with %d after SIGINT:\n%s", code, interrupted.stderr)
	}
	n = samePackets(t, filepath.Join(dir, "interrupted.pcapng"), theirs)
	checkStats(t, interrupted.stderr.String(), n)
	if strings.Contains(interrupted.stderr.String(), "goroutine ") {
		t.Errorf("stack trace on SIGINT:\n%s", interrupted.stderr)
	}
	t.Logf("after SIGINT: %d packets identical to tcpdump's, exit 0", n)

	killed.stop(t, syscall.SIGKILL)
	n = samePackets(t, filepath.Join(dir, "killed.pcapng"), theirs)
	t.Logf("after SIGKILL: %d packets identical to tcpdump's", n)
}

// TestCaptureStops checks the other ways a capture ends and what it writes:
// -c, --duration, -o (the page rendered at the end) and --follow (the
// explanations printed while capturing).
func TestCaptureStops(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "tcpdump")
	wstraceBinary(t)

	t.Run("count", func(t *testing.T) {
		t.Parallel()
		url, port := echoServer(t)
		dir := t.TempDir()
		p := startCapture(t, dir, "-i", "lo", "-c", "5", "-w", "five.pcapng", "tcp", "port", strconv.Itoa(port))
		session(t, url)
		if code := p.wait(t, 5*time.Second); code != 0 {
			t.Fatalf("exit %d:\n%s", code, p.stderr)
		}
		_, packets := readWithTcpdump(t, filepath.Join(dir, "five.pcapng"))
		if len(packets) != 5 {
			t.Fatalf("-c 5 wrote %d packets", len(packets))
		}
		if !strings.Contains(packets[0].summary, "Flags [S],") {
			t.Errorf("first packet is not a SYN: %s", packets[0].summary)
		}
		checkStats(t, p.stderr.String(), 5)
	})

	t.Run("duration", func(t *testing.T) {
		t.Parallel()
		url, port := echoServer(t)
		dir := t.TempDir()
		begin := time.Now()
		p := startCapture(t, dir, "-i", "any", "--duration", "2s", "-w", "timed.pcapng", "tcp", "port", strconv.Itoa(port))
		session(t, url)
		if code := p.wait(t, 5*time.Second); code != 0 {
			t.Fatalf("exit %d:\n%s", code, p.stderr)
		}
		if d := time.Since(begin); d < 2*time.Second {
			t.Errorf("--duration 2s stopped after %v", d)
		}
		_, packets := readWithTcpdump(t, filepath.Join(dir, "timed.pcapng"))
		if len(packets) < 10 || !strings.Contains(packets[0].summary, "Flags [S],") {
			t.Errorf("the file holds %d packets, not the session from its SYN", len(packets))
		}
		checkStats(t, p.stderr.String(), len(packets))
	})

	t.Run("page", func(t *testing.T) {
		t.Parallel()
		url, port := echoServer(t)
		dir := t.TempDir()
		p := startCapture(t, dir, "-i", "lo", "--until-close", "--lang", "en", "-o", "page.md", "tcp", "port", strconv.Itoa(port))
		session(t, url)
		if code := p.wait(t, 10*time.Second); code != 0 {
			t.Fatalf("exit %d:\n%s", code, p.stderr)
		}
		page, err := os.ReadFile(filepath.Join(dir, "page.md"))
		if err != nil {
			t.Fatal(err)
		}
		// The packets are kept beside the page.
		_, packets := readWithTcpdump(t, filepath.Join(dir, "page.pcapng"))
		checkStats(t, p.stderr.String(), len(packets))
		for _, want := range []string{"# ", "handshake", "101 Switching Protocols", "Flags [S],", "hello", "bye"} {
			if !bytes.Contains(page, []byte(want)) {
				t.Errorf("page.md (%d bytes) does not mention %q", len(page), want)
			}
		}
		if n := bytes.Count(page, []byte(" IP 127.0.0.1.")); n < len(packets) {
			t.Errorf("page.md shows %d packet lines, the capture has %d packets", n, len(packets))
		}
		t.Logf("page.md: %d bytes for %d packets", len(page), len(packets))
	})

	t.Run("follow", func(t *testing.T) {
		t.Parallel()
		url, port := echoServer(t)
		dir := t.TempDir()
		p := startCapture(t, dir, "-i", "lo", "--follow", "--lang", "en", "-w", "follow.pcapng", "tcp", "port", strconv.Itoa(port))
		session(t, url)
		// The explanations appear while the capture still runs: wait for
		// the last FIN's, then stop it.
		deadline := time.Now().Add(5 * time.Second)
		for strings.Count(p.stdout.String(), "Flags [F.]") < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("--follow printed no explanation of both FINs within 5s:\n%s", p.stdout)
			}
			select {
			case <-p.done:
				t.Fatalf("wstrace capture --follow ended early:\n%s", p.stderr)
			case <-time.After(20 * time.Millisecond):
			}
		}
		if code := p.stop(t, os.Interrupt); code != 0 {
			t.Fatalf("exit %d after SIGINT:\n%s", code, p.stderr)
		}
		_, packets := readWithTcpdump(t, filepath.Join(dir, "follow.pcapng"))
		out := p.stdout.String()
		comments := strings.Count(out, "/*")
		if comments != len(packets) {
			t.Errorf("--follow printed %d comments for %d packets:\n%s", comments, len(packets), out)
		}
		for _, want := range []string{"SYN", "upgrade", "hello"} {
			if !strings.Contains(out, want) {
				t.Errorf("--follow output does not mention %q", want)
			}
		}
		t.Logf("--follow: %d comments for %d packets", comments, len(packets))
	})
}

// TestCaptureUnprivileged runs "wstrace capture" as user nobody, who may not
// capture, and checks the message says how to fix it, without a stack trace.
func TestCaptureUnprivileged(t *testing.T) {
	testenv.NeedRoot(t) // to become nobody
	exe := wstraceBinary(t)
	dir := publicTempDir(t)
	for _, iface := range []string{"lo", "any"} {
		cmd := exec.Command(exe, "capture", "-i", iface, "-w", "out.pcapng", "--until-close", "tcp", "port", "7272")
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		msg := stderr.String()
		if code := cmd.ProcessState.ExitCode(); code != exitError {
			t.Errorf("-i %s as nobody: exit %d (%v), want %d:\n%s", iface, code, err, exitError, msg)
		}
		for _, want := range []string{"CAP_NET_RAW", "sudo", "setcap cap_net_raw"} {
			if !strings.Contains(msg, want) {
				t.Errorf("-i %s as nobody: the message does not mention %q:\n%s", iface, want, msg)
			}
		}
		for _, bad := range []string{"goroutine ", "panic"} {
			if strings.Contains(msg, bad) {
				t.Errorf("-i %s as nobody: %q in the message:\n%s", iface, bad, msg)
			}
		}
		t.Logf("-i %s as nobody: %s", iface, strings.TrimSpace(msg))
	}
}

// publicTempDir returns a new directory that every user may enter and write,
// removed at the end of the test. (t.TempDir's parent is closed to others.)
func publicTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "wstrace-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCaptureUsage checks the command line errors that need no privilege.
func TestCaptureUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"capture"}, exitUsage, "-i lo"},
		{[]string{"capture", "-i", "lo", "-c", "-1"}, exitUsage, "negative"},
		{[]string{"capture", "-i", "lo", "tcp", "port"}, exitUsage, "port"},
		{[]string{"capture", "-i", "lo", "-o", "page.xyz"}, exitUsage, "extension"},
		{[]string{"capture", "-i", "nosuchif0"}, exitError, "nosuchif0"},
	} {
		_, stderr, code := runCLI(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("wstrace %s: exit %d, %q; want exit %d mentioning %q", strings.Join(c.args, " "), code, stderr, c.code, c.want)
		}
	}
}
