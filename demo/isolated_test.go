package demo_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/demo"
	"github.com/wstrace/wstrace/internal/testenv"
)

// captureIsolated runs the scenario in a private namespace and returns the
// pcapng bytes.
func captureIsolated(iface string) ([]byte, *demo.Transcript, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var buf bytes.Buffer
	nw, err := capture.NewNgWriter(&buf, capture.NgWriterOptions{Application: "wstrace demo test"})
	if err != nil {
		return nil, nil, err
	}
	// The seed's own port: inside the namespace nothing else can hold it.
	tr, err := demo.CaptureIsolated(ctx, demo.Config{Pause: time.Millisecond}, live.Options{Interface: iface}, nw)
	return buf.Bytes(), tr, err
}

// TestCaptureIsolated captures the scenario in a private user and network
// namespace and reads the capture back with tcpdump.
func TestCaptureIsolated(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	if !userNamespacesAllowed() && os.Geteuid() != 0 {
		testenv.Missing(t, "this system forbids unprivileged user namespaces")
	}
	for _, iface := range []string{"lo", "any"} {
		t.Run(iface, func(t *testing.T) {
			pcapng, tr, err := captureIsolated(iface)
			if err != nil {
				t.Fatal(err)
			}
			if got := len(tr.Messages("listener")); got != 5 {
				t.Errorf("listener received %d messages, want 5", got)
			}
			checkCapture(t, tcpdump, pcapng, 2, false)
		})
	}
}

// TestCaptureIsolatedUnprivileged runs the isolated capture as an
// unprivileged user (nobody), the case it exists for.
func TestCaptureIsolatedUnprivileged(t *testing.T) {
	if os.Getenv("WSTRACE_DEMO_UNPRIVILEGED_OUT") != "" {
		pcapng, _, err := captureIsolated("lo")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := os.WriteFile(os.Getenv("WSTRACE_DEMO_UNPRIVILEGED_OUT"), pcapng, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	testenv.NeedRoot(t) // to become nobody
	tcpdump := testenv.NeedTool(t, "tcpdump")
	if !userNamespacesAllowed() {
		testenv.Missing(t, "this system forbids unprivileged user namespaces")
	}
	// A directory nobody can enter, with a copy of the test binary in it.
	dir := testenv.PublicTempDir(t)
	exe := filepath.Join(dir, "demo.test")
	copyFile(t, os.Args[0], exe)
	out := filepath.Join(dir, "demo.pcapng")
	cmd := exec.Command(exe, "-test.run=^TestCaptureIsolatedUnprivileged$")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "WSTRACE_DEMO_UNPRIVILEGED_OUT="+out, "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("isolated capture as nobody: %v\n%s", err, msg)
	}
	pcapng, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	checkCapture(t, tcpdump, pcapng, 2, false)
}

// userNamespacesAllowed reports whether the kernel lets unprivileged users
// create user namespaces, as far as its sysctls tell.
func userNamespacesAllowed() bool {
	for _, f := range []string{"/proc/sys/user/max_user_namespaces", "/proc/sys/kernel/unprivileged_userns_clone"} {
		b, err := os.ReadFile(f)
		if err == nil && strings.TrimSpace(string(b)) == "0" {
			return false
		}
	}
	return true
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
