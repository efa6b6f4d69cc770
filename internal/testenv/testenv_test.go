package testenv_test

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wstrace/wstrace/internal/testenv"
)

// TestProcess runs a shell in the background and checks what Start, Stop,
// Wait, Stdout and Stderr report.
func TestProcess(t *testing.T) {
	sh := testenv.NeedTool(t, "sh")
	p := testenv.Start(t, "", "ready", sh, "-c", "echo out; echo ready >&2; exec sleep 10")
	select {
	case <-p.Done():
		t.Fatal("the process ended before it was stopped")
	default:
	}
	if code := p.Stop(t, syscall.SIGTERM); code != -1 {
		t.Errorf("Stop = %d, want -1 (ended by a signal)", code)
	}
	if p.Stdout() != "out\n" || p.Stderr() != "ready\n" {
		t.Errorf("Stdout, Stderr = %q, %q; want %q, %q", p.Stdout(), p.Stderr(), "out\n", "ready\n")
	}

	dir := t.TempDir()
	p = testenv.Start(t, dir, "", sh, "-c", "pwd; exit 3")
	if code := p.Wait(t, 5*time.Second); code != 3 {
		t.Errorf("Wait = %d, want 3", code)
	}
	if got := strings.TrimSpace(p.Stdout()); got != dir {
		t.Errorf("ran in %s, want %s", got, dir)
	}
}

// TestReadTcpdump reads two of the real captures and checks the link types
// and packet counts tcpdump reports for them.
func TestReadTcpdump(t *testing.T) {
	for _, c := range []struct {
		file    string
		link    string
		packets int
	}{
		{"../../testdata/workerman-chat.pcap", "LINUX_SLL", 30},
		{"../../testdata/chromium-ws-plain-any.pcap", "LINUX_SLL2", 72},
	} {
		link, packets := testenv.ReadTcpdump(t, c.file)
		if link != c.link || len(packets) != c.packets {
			t.Errorf("%s: link type %s, %d packets; want %s, %d", c.file, link, len(packets), c.link, c.packets)
		}
		for i, p := range packets {
			if p.Time.IsZero() || p.Summary == "" || p.Hex == "" || len(p.Hex)%2 != 0 {
				t.Errorf("%s packet %d: %+v", c.file, i+1, p)
				break
			}
		}
	}
}

// TestPublicTempDir checks that the directory is open to every user.
func TestPublicTempDir(t *testing.T) {
	dir := testenv.PublicTempDir(t)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o777 {
		t.Errorf("%s: mode %v, want a directory with mode 0777", dir, fi.Mode())
	}
}

func TestFirstDiff(t *testing.T) {
	tests := []struct {
		a, b   string
		line   int
		la, lb string
	}{
		{"x\ny\n", "x\ny\n", 0, "", ""},
		{"x\ny\n", "x\nz\n", 2, "y", "z"},
		{"x\n", "x\ny", 2, "", "y"},
		{"a", "b", 1, "a", "b"},
	}
	for _, tt := range tests {
		line, la, lb := testenv.FirstDiff(tt.a, tt.b)
		if line != tt.line || la != tt.la || lb != tt.lb {
			t.Errorf("FirstDiff(%q, %q) = %d, %q, %q; want %d, %q, %q", tt.a, tt.b, line, la, lb, tt.line, tt.la, tt.lb)
		}
	}
}
