package demo_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/demo"
	"github.com/wstrace/wstrace/internal/testenv"
)

// TestCapturePcapng captures the scenario on lo and on any and has tcpdump
// read the pcapng file back: both connections' SYNs and FINs, the upgrade
// requests and the chat messages must be there.
func TestCapturePcapng(t *testing.T) {
	testenv.NeedRoot(t)
	tcpdump := testenv.NeedTool(t, "tcpdump")
	for _, iface := range []string{"lo", "any"} {
		t.Run(iface, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var buf bytes.Buffer
			tr, err := demo.CapturePcapng(ctx, demo.Config{Addr: "127.0.0.1:0", Clock: fixedClock}, live.Options{Interface: iface}, &buf)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Messages("listener")) != 5 || len(tr.Messages("mynick")) != 3 {
				t.Errorf("clients received %d and %d messages, want 5 and 3", len(tr.Messages("listener")), len(tr.Messages("mynick")))
			}
			checkCapture(t, tcpdump, buf.Bytes(), 2, true)
		})
	}
}

// checkCapture reads a capture of the scenario with tcpdump and checks the
// TCP handshakes and teardowns of its connections and its messages.
func checkCapture(t *testing.T, tcpdump string, pcapng []byte, connections int, fixedTime bool) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "demo.pcapng")
	if err := os.WriteFile(path, pcapng, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tcpdump, "-r", path, "-nn", "-A").CombinedOutput()
	if err != nil {
		t.Fatalf("tcpdump -r: %v\n%s", err, out)
	}
	text := string(out)
	count := func(re string) int { return len(regexp.MustCompile(re).FindAllString(text, -1)) }
	checks := []struct {
		what string
		re   string
		want int
	}{
		{"SYN", `Flags \[S\],`, connections},
		{"SYN-ACK", `Flags \[S\.\],`, connections},
		{"FIN", `Flags \[F[A-Z]*\.?\],`, 2 * connections},
		{"upgrade request", `GET / HTTP/1\.1`, connections},
		{"101 response", `HTTP/1\.1 101 Switching Protocols`, connections},
		{"login sent by mynick", `\{"type":"login","name":"mynick"\}`, 0}, // masked on the wire
		{"login notice with the demo's time", `"time":"2014-08-12 17:50:30"`, map[bool]int{true: 6, false: 0}[fixedTime]},
		{"say relayed", `\{"type":"say","from_uid":102,"to_uid":"all","content":"hi, all !","time":"[-0-9]+ [:0-9]+"\}`, connections},
	}
	for _, c := range checks {
		if got := count(c.re); got != c.want {
			t.Errorf("%s: %d in the capture, want %d", c.what, got, c.want)
		}
	}
	lines := strings.Count(text, " IP ")
	if lines < 20 {
		t.Errorf("only %d packets in the capture", lines)
	}
	t.Logf("%d packets; tcpdump -r reads %d SYN, %d FIN", lines, count(`Flags \[S\],`), count(`Flags \[F[A-Z]*\.?\],`))
}
