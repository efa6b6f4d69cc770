package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/wstrace/wstrace/internal/testenv"
)

// TestColorOnTerminal runs wstrace with a real terminal (a pseudo-terminal)
// as its standard output: --color auto colours a text page there, unless
// NO_COLOR is set.
func TestColorOnTerminal(t *testing.T) {
	in := hostileCapture(t, t.TempDir())
	bin := wstraceBinary(t)
	for _, noColor := range []string{"", "1"} {
		out := onTerminal(t, []string{"NO_COLOR=" + noColor}, bin, "render", "--format", "text", in)
		if !strings.Contains(out, "pwned") {
			t.Fatalf("no page on the terminal: %q", out)
		}
		if got, want := strings.Contains(out, "\x1b[1m"), noColor == ""; got != want {
			t.Errorf("on a terminal with NO_COLOR=%q: colours %v, want %v", noColor, got, want)
		}
	}
}

func ioctl(f *os.File, req uintptr, arg unsafe.Pointer) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg)); e != 0 {
		return e
	}
	return nil
}

// onTerminal runs a program with a pseudo-terminal as its standard output
// and returns what it wrote there.
func onTerminal(t *testing.T, env []string, name string, args ...string) string {
	t.Helper()
	ptmx, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		testenv.Missing(t, "no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	var unlock, n int32
	if err := ioctl(ptmx, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(ptmx, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	pts, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// No translation of newlines, so that the output is what was written.
	var tio syscall.Termios
	if err := ioctl(pts, syscall.TCGETS, unsafe.Pointer(&tio)); err == nil {
		tio.Oflag &^= syscall.OPOST
		ioctl(pts, syscall.TCSETS, unsafe.Pointer(&tio))
	}
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = pts
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pts.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() { io.Copy(&out, ptmx); close(done) }() // ends with EIO once the program exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, stderr.String())
	}
	<-done
	return out.String()
}
