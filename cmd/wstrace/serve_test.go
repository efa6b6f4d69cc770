package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/internal/wspeer"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// TestCaptureServe runs "wstrace capture -i lo --serve" with no filter at
// all around a WebSocket session: the live page explains the session's
// packets as they come and never its own; the first SIGINT ends the
// capture and puts the full page in place of the live one, the second ends
// wstrace.
func TestCaptureServe(t *testing.T) {
	testenv.NeedRoot(t)
	url, wsPort := wspeer.EchoServer(t)
	pagePort := freePort(t)
	base := "http://127.0.0.1:" + strconv.Itoa(pagePort)
	dir := t.TempDir()
	p := startCapture(t, dir, "-i", "lo", "-w", "live.pcapng", "--serve", "127.0.0.1:"+strconv.Itoa(pagePort))
	if !strings.Contains(p.Stderr(), "live page at "+base+"/") {
		t.Fatalf("no live page address in:\n%s", p.Stderr())
	}

	// A viewer before the session: the page's own traffic, on lo.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	articles := make(chan string, 1000)
	go func() {
		defer close(articles)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		var data []string
		kind := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if kind != "" {
					articles <- kind + "\n" + strings.Join(data, "\n")
				}
				kind, data = "", nil
			case strings.HasPrefix(line, "event: "):
				kind = line[7:]
			case strings.HasPrefix(line, "data: "):
				data = append(data, line[6:])
			}
		}
	}()

	wspeer.Session(t, url, "hello", "bye")
	ws := "127.0.0.1." + strconv.Itoa(wsPort)
	own := "127.0.0.1." + strconv.Itoa(pagePort)
	session := 0
	deadline := time.After(30 * time.Second)
	for session < 10 {
		select {
		case a := <-articles:
			if strings.Contains(a, own+" ") || strings.Contains(a, own+":") {
				t.Fatalf("the live page explains its own traffic:\n%.300s", a)
			}
			if strings.Contains(a, ws) {
				session++
			}
		case <-deadline:
			t.Fatalf("the live page showed %d packets of the session in 30 s:\n%s", session, p.Stderr())
		}
	}

	p.Signal(t, os.Interrupt)
	// The end event, then the full page at /.
	deadline = time.After(30 * time.Second)
	for ended := false; !ended; {
		select {
		case a, ok := <-articles:
			if !ok || strings.HasPrefix(a, "end\n") {
				ended = true
			}
		case <-deadline:
			t.Fatalf("no end event after SIGINT:\n%s", p.Stderr())
		}
	}
	page, err := http.Get(base + "/")
	if err != nil {
		t.Fatalf("the page is not served after the first SIGINT: %v\n%s", err, p.Stderr())
	}
	body, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if !strings.Contains(string(body), `class="diagram"`) || strings.Contains(string(body), "wstrace-live") {
		t.Errorf("after the capture, / is not the full page:\n%.300s", body)
	}
	if strings.Contains(string(body), own+" ") {
		t.Error("the full page explains the live page's own traffic")
	}
	select {
	case <-p.Done():
		t.Fatalf("wstrace ended at the first SIGINT:\n%s", p.Stderr())
	default:
	}
	if code := p.Stop(t, os.Interrupt); code != 0 {
		t.Fatalf("exit %d after the second SIGINT:\n%s", code, p.Stderr())
	}
	if !strings.Contains(p.Stderr(), "stays at "+base+"/") {
		t.Errorf("stderr does not say the page stays:\n%s", p.Stderr())
	}
}

// TestServeUsage checks that --serve listens beyond loopback only when
// told to, and then warns.
func TestServeUsage(t *testing.T) {
	_, stderr, code := runCLI(t, nil, "capture", "-i", "lo", "--serve", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(stderr, "--serve-public") {
		t.Errorf("--serve 0.0.0.0:0: exit %d, %q; want a usage error naming --serve-public", code, stderr)
	}
	_, stderr, code = runCLI(t, nil, "capture", "-i", "lo", "-w", "-", "--serve", "127.0.0.1:0")
	if code != exitUsage || !strings.Contains(stderr, "-w FILE") {
		t.Errorf("--serve with -w -: exit %d, %q; want a usage error", code, stderr)
	}
	_, stderr, _ = runCLI(t, nil, "capture", "-i", "nosuchif0", "--serve", "0.0.0.0:0", "--serve-public")
	if !strings.Contains(stderr, "WARNING") || !strings.Contains(stderr, "captured traffic") {
		t.Errorf("--serve-public prints no warning: %q", stderr)
	}
}
