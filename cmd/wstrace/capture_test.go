package main

import (
	"bytes"
	"fmt"
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

	"github.com/wstrace/wstrace/demo"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/internal/wspeer"
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

// sessionMessages are what the tests' WebSocket sessions send and get back:
// three masked messages and their echoes, the second spread over several
// segments.
var sessionMessages = []string{"hello", strings.Repeat("0123456789", 3000), "bye"}

// startCapture runs "wstrace capture" in dir and returns once it captures.
func startCapture(t *testing.T, dir string, args ...string) *testenv.Process {
	t.Helper()
	return testenv.Start(t, dir, "wstrace: capturing on", wstraceBinary(t), append([]string{"capture"}, args...)...)
}

// samePackets checks that the capture file ours holds exactly the packets of
// tcpdump's file theirs: the same link type, and packet by packet the same
// bytes, length and summary line, with timestamps a few milliseconds apart
// at most. It returns how many packets matched.
func samePackets(t *testing.T, ours, theirs string) int {
	t.Helper()
	ourLink, ourPackets := testenv.ReadTcpdump(t, ours)
	theirLink, theirPackets := testenv.ReadTcpdump(t, theirs)
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
		if o.Summary != th.Summary || o.Hex != th.Hex {
			t.Errorf("%s packet %d differs:\nours:    %s\n%s\ntcpdump: %s\n%s", filepath.Base(ours), i+1, o.Summary, o.Hex, th.Summary, th.Hex)
			continue
		}
		if d := o.Time.Sub(th.Time).Abs(); d > 20*time.Millisecond {
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
	url, port := wspeer.EchoServer(t)
	dir := t.TempDir()
	ifaces := []string{"lo", "any"}
	var tcpdumps, captures []*testenv.Process
	for _, iface := range ifaces {
		tcpdumps = append(tcpdumps, testenv.StartTcpdump(t, "-i", iface, "-U", "-n", "-w", filepath.Join(dir, "tcpdump-"+iface+".pcap"), "tcp", "port", strconv.Itoa(port)))
		captures = append(captures, startCapture(t, dir, "-i", iface, "-w", "wstrace-"+iface+".pcapng", "--until-close", "tcp", "port", strconv.Itoa(port)))
	}
	// Without -w, the packets are printed as tcpdump -A prints them.
	printing := startCapture(t, dir, "-i", "lo", "-A", "--until-close", "tcp", "port", strconv.Itoa(port))
	wspeer.Session(t, url, sessionMessages...)
	for i, iface := range ifaces {
		if code := captures[i].Wait(t, 5*time.Second); code != 0 {
			t.Fatalf("wstrace capture -i %s --until-close: exit %d:\n%s", iface, code, captures[i].Stderr())
		}
	}
	if code := printing.Wait(t, 5*time.Second); code != 0 {
		t.Fatalf("wstrace capture -i lo -A --until-close: exit %d:\n%s", code, printing.Stderr())
	}
	testenv.StopTcpdump(t, tcpdumps...)
	for i, iface := range ifaces {
		ours := filepath.Join(dir, "wstrace-"+iface+".pcapng")
		n := samePackets(t, ours, filepath.Join(dir, "tcpdump-"+iface+".pcap"))
		checkStats(t, captures[i].Stderr(), n)
		t.Logf("-i %s: %d packets identical to tcpdump's", iface, n)
	}

	// The printed packets are tcpdump's reading of its own file, but for
	// the times, which the two captures take apart.
	want, err := exec.Command(testenv.NeedTool(t, "tcpdump"), "-n", "-A", "-r", filepath.Join(dir, "tcpdump-lo.pcap")).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, wantLines := withoutTimes(printing.Stdout()), withoutTimes(string(want))
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
	url, port := wspeer.EchoServer(t)
	dir := t.TempDir()
	theirs := filepath.Join(dir, "tcpdump.pcap")
	tcpdump := testenv.StartTcpdump(t, "-i", "lo", "-U", "-n", "-w", theirs, "tcp", "port", strconv.Itoa(port))
	interrupted := startCapture(t, dir, "-i", "lo", "-w", "interrupted.pcapng", "tcp", "port", strconv.Itoa(port))
	killed := startCapture(t, dir, "-i", "lo", "-w", "killed.pcapng", "tcp", "port", strconv.Itoa(port))
	wspeer.Session(t, url, sessionMessages...)
	testenv.StopTcpdump(t, tcpdump)

	select {
	case <-interrupted.Done():
		t.Fatalf("wstrace capture without a stop condition ended by itself:\n%s", interrupted.Stderr())
	default:
	}
	n := samePackets(t, filepath.Join(dir, "interrupted.pcapng"), theirs)
	t.Logf("before the interrupt, the file already holds %d packets identical to tcpdump's", n)

	if code := interrupted.Stop(t, os.Interrupt); code != 0 {
		t.Fatalf("wstrace capture exited with %d after SIGINT:\n%s", code, interrupted.Stderr())
	}
	n = samePackets(t, filepath.Join(dir, "interrupted.pcapng"), theirs)
	checkStats(t, interrupted.Stderr(), n)
	if strings.Contains(interrupted.Stderr(), "goroutine ") {
		t.Errorf("stack trace on SIGINT:\n%s", interrupted.Stderr())
	}
	t.Logf("after SIGINT: %d packets identical to tcpdump's, exit 0", n)

	killed.Stop(t, syscall.SIGKILL)
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
		url, port := wspeer.EchoServer(t)
		dir := t.TempDir()
		p := startCapture(t, dir, "-i", "lo", "-c", "5", "-w", "five.pcapng", "tcp", "port", strconv.Itoa(port))
		wspeer.Session(t, url, sessionMessages...)
		if code := p.Wait(t, 5*time.Second); code != 0 {
			t.Fatalf("exit %d:\n%s", code, p.Stderr())
		}
		_, packets := testenv.ReadTcpdump(t, filepath.Join(dir, "five.pcapng"))
		if len(packets) != 5 {
			t.Fatalf("-c 5 wrote %d packets", len(packets))
		}
		if !strings.Contains(packets[0].Summary, "Flags [S],") {
			t.Errorf("first packet is not a SYN: %s", packets[0].Summary)
		}
		checkStats(t, p.Stderr(), 5)
	})

	t.Run("duration", func(t *testing.T) {
		t.Parallel()
		url, port := wspeer.EchoServer(t)
		dir := t.TempDir()
		begin := time.Now()
		p := startCapture(t, dir, "-i", "any", "--duration", "2s", "-w", "timed.pcapng", "tcp", "port", strconv.Itoa(port))
		wspeer.Session(t, url, sessionMessages...)
		if code := p.Wait(t, 5*time.Second); code != 0 {
			t.Fatalf("exit %d:\n%s", code, p.Stderr())
		}
		if d := time.Since(begin); d < 2*time.Second {
			t.Errorf("--duration 2s stopped after %v", d)
		}
		_, packets := testenv.ReadTcpdump(t, filepath.Join(dir, "timed.pcapng"))
		if len(packets) < 10 || !strings.Contains(packets[0].Summary, "Flags [S],") {
			t.Errorf("the file holds %d packets, not the session from its SYN", len(packets))
		}
		checkStats(t, p.Stderr(), len(packets))
	})

	t.Run("page", func(t *testing.T) {
		t.Parallel()
		url, port := wspeer.EchoServer(t)
		dir := t.TempDir()
		p := startCapture(t, dir, "-i", "lo", "--until-close", "--lang", "en", "-o", "page.md", "tcp", "port", strconv.Itoa(port))
		wspeer.Session(t, url, sessionMessages...)
		if code := p.Wait(t, 10*time.Second); code != 0 {
			t.Fatalf("exit %d:\n%s", code, p.Stderr())
		}
		page, err := os.ReadFile(filepath.Join(dir, "page.md"))
		if err != nil {
			t.Fatal(err)
		}
		// The packets are kept beside the page.
		_, packets := testenv.ReadTcpdump(t, filepath.Join(dir, "page.pcapng"))
		checkStats(t, p.Stderr(), len(packets))
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
		url, port := wspeer.EchoServer(t)
		dir := t.TempDir()
		p := startCapture(t, dir, "-i", "lo", "--follow", "--lang", "en", "-w", "follow.pcapng", "tcp", "port", strconv.Itoa(port))
		wspeer.Session(t, url, sessionMessages...)
		// The explanations appear while the capture still runs: wait for
		// the last FIN's, then stop it.
		deadline := time.Now().Add(5 * time.Second)
		for strings.Count(p.Stdout(), "Flags [F.]") < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("--follow printed no explanation of both FINs within 5s:\n%s", p.Stdout())
			}
			select {
			case <-p.Done():
				t.Fatalf("wstrace capture --follow ended early:\n%s", p.Stderr())
			case <-time.After(20 * time.Millisecond):
			}
		}
		if code := p.Stop(t, os.Interrupt); code != 0 {
			t.Fatalf("exit %d after SIGINT:\n%s", code, p.Stderr())
		}
		_, packets := testenv.ReadTcpdump(t, filepath.Join(dir, "follow.pcapng"))
		out := p.Stdout()
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
	dir := testenv.PublicTempDir(t)
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
		for _, want := range []string{"CAP_NET_RAW", "sudo", "setcap cap_net_raw=eip " + exe} {
			if !strings.Contains(msg, want) {
				t.Errorf("-i %s as nobody: the message does not mention %q:\n%s", iface, want, msg)
			}
		}
		for _, bad := range []string{"goroutine ", "panic", "cap_net_admin", "$(which"} {
			if strings.Contains(msg, bad) {
				t.Errorf("-i %s as nobody: %q in the message:\n%s", iface, bad, msg)
			}
		}
		t.Logf("-i %s as nobody: %s", iface, strings.TrimSpace(msg))
	}
}

// TestCaptureWithCapability checks the hint's claim: a copy of wstrace
// granted CAP_NET_RAW alone (setcap cap_net_raw=eip) captures as user
// nobody.
func TestCaptureWithCapability(t *testing.T) {
	testenv.NeedRoot(t)
	setcap := testenv.NeedTool(t, "setcap")
	dir := testenv.PublicTempDir(t)
	exe := filepath.Join(dir, "wstrace")
	b, err := os.ReadFile(wstraceBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(setcap, "cap_net_raw=eip", exe).CombinedOutput(); err != nil {
		testenv.Missing(t, "setcap cap_net_raw=eip: %v: %s (a file system without file capabilities?)", err, out)
	}
	url, port := wspeer.EchoServer(t)
	cmd := exec.Command(exe, "capture", "-i", "lo", "-c", "3", "-w", "out.pcapng", "tcp", "port", strconv.Itoa(port))
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(10 * time.Second)
	for {
		wspeer.Session(t, url, "hello")
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("capture as nobody with cap_net_raw: %v\n%s", err, stderr.String())
			}
			_, packets := testenv.ReadTcpdump(t, filepath.Join(dir, "out.pcapng"))
			if len(packets) != 3 {
				t.Errorf("captured %d packets, want 3", len(packets))
			}
			return
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("capture as nobody with cap_net_raw captured nothing in 10s:\n%s", stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
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
