package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/wstrace/wstrace/internal/testenv"
)

const (
	wssPcap   = "../../testdata/chromium-wss-tls13.pcap"
	wssKeylog = "../../testdata/chromium-wss-tls13.keylog"
)

// tsharkWSPackets counts the packets with WebSocket frames that tshark
// decrypts from file with the TLS server on port, given no key log: the
// secrets must be in the file.
func tsharkWSPackets(t *testing.T, file string, port int) int {
	t.Helper()
	tshark := testenv.NeedTool(t, "tshark")
	out, err := exec.Command(tshark, "-r", file, "-d", "tcp.port=="+strconv.Itoa(port)+",tls", "-Y", "websocket", "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", file, err)
	}
	return len(strings.Fields(string(out)))
}

// TestRenderPcapngKeepsSecrets: render --format pcapng writes --keylog's
// secrets in a Decryption Secrets Block, and keeps those of its input.
func TestRenderPcapngKeepsSecrets(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "first.pcapng")
	if _, stderr, code := runCLI(t, nil, "render", "--keylog", wssKeylog, "-o", first, wssPcap); code != 0 {
		t.Fatalf("render: %s", stderr)
	}
	if n := tsharkWSPackets(t, first, 9443); n != 28 {
		t.Errorf("tshark decrypts WebSocket frames in %d packets of %s, want 28", n, first)
	}
	second := filepath.Join(dir, "second.pcapng")
	if _, stderr, code := runCLI(t, nil, "render", "--format", "pcapng", "-o", second, first); code != 0 {
		t.Fatalf("render: %s", stderr)
	}
	if n := tsharkWSPackets(t, second, 9443); n != 28 {
		t.Errorf("without --keylog, the secrets of the input are lost: %d packets", n)
	}
	// wstrace itself decrypts the file with the embedded keys.
	out, stderr, code := runCLI(t, nil, "render", "--format", "json", second)
	if code != 0 || !strings.Contains(out, `"decrypted": true`) || strings.Contains(out, `"decrypted": false`) {
		t.Errorf("render of the pcapng with its keys: exit %d %s", code, stderr)
	}
	if _, stderr, code := runCLI(t, nil, "render", "--keylog", filepath.Join(dir, "missing"), wssPcap); code == 0 || !strings.Contains(stderr, "--keylog") {
		t.Errorf("a missing key log: exit %d, %q", code, stderr)
	}
}

// TestCaptureKeylog: capture --keylog embeds the key log that a Go client
// wrote during the capture, so that tshark decrypts the file alone.
func TestCaptureKeylog(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "tshark")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
			c.Write(r.Context(), typ, msg)
		}
	}))
	srv.StartTLS()
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()
	keylog := filepath.Join(dir, "keys.log")
	kf, err := os.Create(keylog)
	if err != nil {
		t.Fatal(err)
	}
	defer kf.Close()
	p := startCapture(t, dir, "-i", "lo", "-w", "wss.pcapng", "--keylog", keylog, "--until-close", "tcp", "port", strconv.Itoa(port))
	hc := srv.Client()
	hc.Transport.(*http.Transport).TLSClientConfig.KeyLogWriter = kf
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "wss"+strings.TrimPrefix(srv.URL, "https"), &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range sessionMessages {
		c.Write(ctx, websocket.MessageText, []byte(m))
		if _, _, err := c.Read(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c.Close(websocket.StatusNormalClosure, "")
	if code := p.Wait(t, 10*time.Second); code != 0 {
		t.Fatalf("capture: exit %d\n%s", code, p.Stderr())
	}
	if !strings.Contains(p.Stderr(), "embedded the key log") {
		t.Errorf("stderr: %s", p.Stderr())
	}
	// Three messages and their echoes, then the two close frames.
	if n := tsharkWSPackets(t, filepath.Join(dir, "wss.pcapng"), port); n < 2*len(sessionMessages)+2 {
		t.Errorf("tshark decrypts WebSocket frames in %d packets of the capture, want %d", n, 2*len(sessionMessages)+2)
	}
}

// TestNoKeyMaterialInPages renders the decrypted fixture in every page
// format: no secret of the key log, nor a piece of one, appears in any.
func TestNoKeyMaterialInPages(t *testing.T) {
	keylog, err := os.ReadFile(wssKeylog)
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, line := range strings.Split(string(keylog), "\n") {
		if f := strings.Fields(line); len(f) == 3 {
			secrets = append(secrets, strings.ToLower(f[2]))
		}
	}
	for _, format := range []string{"md", "html", "json", "jsonl", "text"} {
		out, stderr, code := runCLI(t, nil, "render", "--keylog", wssKeylog, "--format", format, "--max-bytes", "-1", "--frame-payloads", wssPcap)
		if code != 0 {
			t.Fatalf("render --format %s: %s", format, stderr)
		}
		if !strings.Contains(out, "TLS_AES_128_GCM_SHA256") {
			t.Errorf("%s: the page does not name the cipher suite", format)
		}
		low := strings.ToLower(out)
		for _, s := range secrets {
			for i := 0; i+16 <= len(s); i += 16 {
				if strings.Contains(low, s[i:i+16]) {
					t.Fatalf("%s: the page shows key material", format)
				}
			}
		}
	}
}

// TestDemoTLS: demo --tls chats over wss://, embeds the clients' keys in
// its pcapng file, and its page decrypts every connection; tshark decrypts
// the file with no key log option, frame for frame.
func TestDemoTLS(t *testing.T) {
	testenv.NeedRoot(t)
	dir := t.TempDir()
	pcapng, page := filepath.Join(dir, "demo.pcapng"), filepath.Join(dir, "demo.json")
	if _, stderr, code := runCLI(t, nil, "demo", "--tls", "--addr", "127.0.0.1:0", "--pause", "5ms", "-o", page, "-w", pcapng); code != exitOK {
		t.Fatalf("wstrace demo --tls: exit %d:\n%s", code, stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Frames      []struct{ Packet int }
		Messages    []struct{ Text string }
		Connections []struct {
			Server string
			TLS    *struct {
				Version   string
				Decrypted bool
				Keys      string
			}
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Connections) != 2 {
		t.Fatalf("%d connections", len(doc.Connections))
	}
	for _, c := range doc.Connections {
		if c.TLS == nil || c.TLS.Version != "1.3" || !c.TLS.Decrypted || c.TLS.Keys != "found" {
			t.Errorf("connection to %s: TLS %+v", c.Server, c.TLS)
		}
	}
	said := false
	for _, m := range doc.Messages {
		said = said || strings.Contains(m.Text, "hi, all !")
	}
	if !said {
		t.Errorf("no decrypted message says hi: %d messages", len(doc.Messages))
	}
	packets := map[int]bool{}
	for _, f := range doc.Frames {
		packets[f.Packet] = true
	}
	_, portStr, _ := net.SplitHostPort(doc.Connections[0].Server)
	port, _ := strconv.Atoi(portStr)
	if n := tsharkWSPackets(t, pcapng, port); n != len(packets) || n == 0 {
		t.Errorf("tshark decrypts frames in %d packets, wstrace in %d", n, len(packets))
	}
}
