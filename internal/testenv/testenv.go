// Package testenv lets tests depend on outside programs and privileges: they
// skip with a clear message when what they need is missing, and fail instead
// when the environment variable CI is "true", so that CI never passes by
// skipping. It also runs such programs for tests: in the background
// (Start), and tcpdump to capture beside a test (StartTcpdump) or to read a
// capture file back (ReadTcpdump).
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI (CI=true).
func InCI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test with the message, or fails it under CI. The
// first skip in a package is also announced on the terminal, in one line,
// since "go test ./..." shows skips only with -v.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true but "+format, args...)
	}
	announce(fmt.Sprintf(format, args...))
	t.Skipf(format, args...)
}

// NeedTool returns the path of the named program, or skips the test (fails it
// under CI) when it is not installed.
func NeedTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s is not installed (apt-get install %s): %v", name, name, err)
	}
	return path
}

// NeedRoot skips the test (fails it under CI) unless it runs as root.
func NeedRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "the test needs root (run it with sudo)")
	}
}

// PublicTempDir returns a new directory that every user may enter and
// write, removed at the end of the test, for a test that runs a program as
// another user (t.TempDir's parent is closed to others).
func PublicTempDir(t testing.TB) string {
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
