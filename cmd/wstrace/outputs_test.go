package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/internal/wspeer"
)

// copyFixture copies a capture of testdata into dir.
func copyFixture(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, filepath.Base(name))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// onlyFiles checks that dir holds exactly the named files (no temporary
// file left behind).
func onlyFiles(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("%s holds %q, want %q", dir, got, want)
	}
}

// TestOutputIsInput checks that render refuses to write its page over its
// own input, named the same, through a symbolic link or a hard link, and
// leaves the capture as it was.
func TestOutputIsInput(t *testing.T) {
	dir := t.TempDir()
	in := copyFixture(t, dir, "workerman-chat.pcap")
	orig, _ := os.ReadFile(in)
	sym, hard := filepath.Join(dir, "sym.md"), filepath.Join(dir, "hard.md")
	if err := os.Symlink(in, sym); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(in, hard); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"render", "--format", "pcapng", "-o", in, in},
		{"render", "-o", sym, in},
		{"render", "-o", hard, in},
		{"render", "--format", "md", "-o", in, sym},
	} {
		_, stderr, code := runCLI(t, nil, args...)
		if code != exitUsage || !strings.Contains(stderr, "the output is the input") {
			t.Errorf("wstrace %s: exit %d, %q; want exit 2 saying the output is the input", strings.Join(args, " "), code, stderr)
		}
		if got, _ := os.ReadFile(in); !bytes.Equal(got, orig) {
			t.Fatalf("wstrace %s changed the capture", strings.Join(args, " "))
		}
	}
	onlyFiles(t, dir, "hard.md", "sym.md", "workerman-chat.pcap")

	// The key log is an input too.
	keys := filepath.Join(dir, "keys.txt")
	os.WriteFile(keys, []byte("# no keys\n"), 0o644)
	_, stderr, code := runCLI(t, nil, "render", "--format", "md", "--keylog", keys, "-o", keys, in)
	if code != exitUsage || !strings.Contains(stderr, "the output is the input") {
		t.Errorf("-o naming the key log: exit %d, %q", code, stderr)
	}
	if b, _ := os.ReadFile(keys); string(b) != "# no keys\n" {
		t.Error("render overwrote the key log")
	}
}

// TestOutputWholeOrUntouched renders onto an existing page with the file
// size limited (as on a full disk): the write fails, exit 1, and the
// earlier page is left whole with no temporary file beside it. Without the
// limit the page is replaced.
func TestOutputWholeOrUntouched(t *testing.T) {
	sh := testenv.NeedTool(t, "sh")
	exe := wstraceBinary(t)
	dir := t.TempDir()
	in := copyFixture(t, dir, "workerman-chat.pcap")
	page := filepath.Join(dir, "page.md")
	old := []byte("an earlier page\n")
	if err := os.WriteFile(page, old, 0o600); err != nil {
		t.Fatal(err)
	}
	// ulimit -f counts 512-byte blocks; Go ignores SIGXFSZ, so the write
	// fails with EFBIG as it would with ENOSPC on a full disk.
	cmd := exec.Command(sh, "-c", `ulimit -f 8 && exec "$0" "$@"`, exe, "render", "-o", page, in)
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != exitError {
		t.Fatalf("with a 4 KiB file size limit: exit %d (%v), want 1:\n%s", code, err, out)
	}
	if !strings.Contains(string(out), "page.md") {
		t.Errorf("the error does not name the page: %s", out)
	}
	if got, _ := os.ReadFile(page); !bytes.Equal(got, old) {
		t.Errorf("a failed write left page.md as %d bytes, not the earlier page", len(got))
	}
	onlyFiles(t, dir, "page.md", "workerman-chat.pcap")

	if _, stderr, code := runCLI(t, nil, "render", "-o", page, in); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, _ := os.ReadFile(page)
	if !bytes.HasPrefix(got, []byte("# ")) || len(got) < 10000 {
		t.Errorf("page.md is not the new page (%d bytes)", len(got))
	}
	if st, _ := os.Stat(page); st.Mode().Perm() != 0o600 {
		t.Errorf("page.md's mode is %v, want the earlier page's 0600", st.Mode().Perm())
	}
	onlyFiles(t, dir, "page.md", "workerman-chat.pcap")
}

// TestOutputCheckedFirst checks that an output that cannot be written is
// reported before the capture is read: standard input here holds no
// capture at all, and the error is about the output.
func TestOutputCheckedFirst(t *testing.T) {
	out := filepath.Join(t.TempDir(), "missing", "page.md")
	_, stderr, code := runCLI(t, []byte("not a capture"), "render", "-o", out, "-")
	if code != exitError || !strings.Contains(stderr, "missing/page.md: cannot write there") {
		t.Errorf("exit %d, %q; want exit 1 saying the page cannot be written", code, stderr)
	}
}

// TestCaptureNeverOverwrites runs "wstrace capture -o page.md" where a
// page.pcapng exists already: the user named only the page, so the packets
// go to a fresh page-1.pcapng, said on stderr, and page.pcapng is kept.
// "-w" naming the page is refused before anything is captured.
func TestCaptureNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runCLI(t, nil, "capture", "-i", "lo", "-w", filepath.Join(dir, "x.md"), "-o", filepath.Join(dir, "x.md"))
	if code != exitUsage || !strings.Contains(stderr, "-w and -o both name") {
		t.Errorf("-w and -o the same: exit %d, %q", code, stderr)
	}
	_, stderr, code = runCLI(t, nil, "capture", "-i", "lo", "-o", filepath.Join(dir, "missing", "x.md"))
	if code != exitError || !strings.Contains(stderr, "cannot write there") {
		t.Errorf("-o in a missing folder: exit %d, %q", code, stderr)
	}

	testenv.NeedRoot(t)
	url, port := wspeer.EchoServer(t)
	keep := []byte("not to be overwritten")
	if err := os.WriteFile(filepath.Join(dir, "page.pcapng"), keep, 0o644); err != nil {
		t.Fatal(err)
	}
	p := startCapture(t, dir, "-i", "lo", "--until-close", "--lang", "en", "-o", "page.md", "tcp", "port", strconv.Itoa(port))
	wspeer.Session(t, url, sessionMessages...)
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.Stderr())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "page.pcapng")); !bytes.Equal(got, keep) {
		t.Error("capture -o page.md overwrote page.pcapng")
	}
	if !strings.Contains(p.Stderr(), "keeping the packets in "+filepath.Join(dir, "page-1.pcapng")) &&
		!strings.Contains(p.Stderr(), "keeping the packets in page-1.pcapng") {
		t.Errorf("stderr does not say where the packets went:\n%s", p.Stderr())
	}
	_, packets := testenv.ReadTcpdump(t, filepath.Join(dir, "page-1.pcapng"))
	if len(packets) < 10 {
		t.Errorf("page-1.pcapng holds %d packets", len(packets))
	}
	onlyFiles(t, dir, "page-1.pcapng", "page.md", "page.pcapng")
}

// TestCaptureToStdout checks tcpdump's "-w -": the pcapng goes to standard
// output, where tcpdump reads it.
func TestCaptureToStdout(t *testing.T) {
	_, stderr, code := runCLI(t, nil, "capture", "-i", "lo", "-w", "-", "-o", "x.md")
	if code != exitUsage || !strings.Contains(stderr, "give -w FILE") {
		t.Errorf("-w - with -o: exit %d, %q", code, stderr)
	}
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "tcpdump")
	url, port := wspeer.EchoServer(t)
	dir := t.TempDir()
	p := startCapture(t, dir, "-i", "lo", "-c", "6", "-w", "-", "tcp", "port", strconv.Itoa(port))
	wspeer.Session(t, url, sessionMessages...)
	if code := p.Wait(t, 5*time.Second); code != 0 {
		t.Fatalf("exit %d:\n%s", code, p.Stderr())
	}
	file := filepath.Join(dir, "stdout.pcapng")
	if err := os.WriteFile(file, []byte(p.Stdout()), 0o644); err != nil {
		t.Fatal(err)
	}
	_, packets := testenv.ReadTcpdump(t, file)
	if len(packets) != 6 || !strings.Contains(packets[0].Summary, "Flags [S],") {
		t.Errorf("tcpdump reads %d packets from -w -'s output, want 6 from the SYN", len(packets))
	}
	onlyFiles(t, dir, "stdout.pcapng")
}

// bigCapture writes a capture of one WebSocket connection carrying n small
// text messages, large enough that rendering it takes a while.
func bigCapture(t *testing.T, dir string, n int) string {
	t.Helper()
	s := newSession("10.0.0.1:50000", "10.0.0.2:8080")
	s.handshake()
	s.send(0, []byte("GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	s.send(1, []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"))
	for i := range n {
		s.send(0, wsFrame(0x1, []byte("message "+strconv.Itoa(i)), []byte{1, 2, 3, 4}))
	}
	s.teardown()
	return s.write(t, dir, "big.pcapng")
}

// TestRenderInterrupted interrupts render while it works on a large
// capture: it stops with exit 1 saying so, and leaves no page and no
// temporary file.
func TestRenderInterrupted(t *testing.T) {
	exe := wstraceBinary(t)
	dir := t.TempDir()
	in := bigCapture(t, dir, 100000)
	p := testenv.Start(t, dir, "", exe, "render", "-o", "page.html", in)
	time.Sleep(500 * time.Millisecond)
	select {
	case <-p.Done():
		t.Skip("the page was written within 0.5s: too fast to interrupt")
	default:
	}
	begin := time.Now()
	if code := p.Stop(t, os.Interrupt); code != exitError {
		t.Errorf("exit %d after SIGINT, want 1:\n%s", code, p.Stderr())
	}
	t.Logf("stopped %v after SIGINT: %s", time.Since(begin), strings.TrimSpace(p.Stderr()))
	if !strings.Contains(p.Stderr(), "interrupted") {
		t.Errorf("stderr does not say the rendering was interrupted:\n%s", p.Stderr())
	}
	onlyFiles(t, dir, "big.pcapng")
}

// TestCaptureInterruptedPage interrupts a capture that writes a page: it
// says the capture stopped, that the pcapng is complete and the page is
// being written, and writes it.
func TestCaptureInterruptedPage(t *testing.T) {
	testenv.NeedRoot(t)
	url, port := wspeer.EchoServer(t)
	dir := t.TempDir()
	p := startCapture(t, dir, "-i", "lo", "--lang", "en", "-o", "page.md", "tcp", "port", strconv.Itoa(port))
	wspeer.Session(t, url, sessionMessages...)
	waitForPackets(t, filepath.Join(dir, "page.pcapng"), 10)
	if code := p.Stop(t, os.Interrupt); code != 0 {
		t.Fatalf("exit %d after SIGINT:\n%s", code, p.Stderr())
	}
	for _, want := range []string{"capture stopped; page.pcapng is complete", "Writing the page page.md (interrupt again to stop)"} {
		if !strings.Contains(p.Stderr(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, p.Stderr())
		}
	}
	if page, err := os.ReadFile(filepath.Join(dir, "page.md")); err != nil || !bytes.Contains(page, []byte("101 Switching Protocols")) {
		t.Errorf("no page after the interrupt (%v):\n%s\n%s", err, page, p.Stderr())
	}
}

// waitForPackets waits until the capture file holds at least n packets and
// has stopped growing, for at most 5 seconds.
func waitForPackets(t *testing.T, path string, n int) {
	t.Helper()
	count := func() int {
		r, err := capture.OpenFile(path)
		if err != nil {
			return 0
		}
		defer r.Close()
		got := 0
		for {
			if _, err := r.Next(); err != nil {
				return got
			}
			got++
		}
	}
	last, deadline := -1, time.Now().Add(5*time.Second)
	for time.Now().Before(deadline) {
		got := count()
		if got >= n && got == last {
			return
		}
		last = got
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s holds %d packets after 5s, want %d", path, last, n)
}
