package testenv

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Process is a program a test runs in the background, such as tcpdump or
// the wstrace binary. Its standard output and standard error are kept for
// the test to read while it runs; it is killed at the end of the test if it
// is still running then.
type Process struct {
	cmd    *exec.Cmd
	stdout *lockedBuffer
	stderr *lockedBuffer
	done   chan struct{} // closed once the process has exited
	err    error         // what Wait returned, valid after done
}

// Start runs the program name with args in the background, in dir (the
// test's working directory when dir is ""), with the C.UTF-8 locale so that
// its messages are in English. It returns once a line of the program's
// standard error contains ready, or at once when ready is "". It fails the
// test if the program cannot start, or ends or stays silent for 10s before
// it is ready.
func Start(t testing.TB, dir, ready, name string, args ...string) *Process {
	t.Helper()
	p := &Process{stdout: new(lockedBuffer), stderr: new(lockedBuffer), done: make(chan struct{})}
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

// Done returns a channel that is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Wait waits up to limit for the process to exit on its own and returns its
// exit code (-1 when a signal ended it). When the limit passes first, it
// kills the process and fails the test.
func (p *Process) Wait(t testing.TB, limit time.Duration) int {
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

// Signal sends sig to the process and returns at once.
func (p *Process) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Stop sends sig to the process, waits up to 10s for it to exit and returns
// its exit code, as Wait does.
func (p *Process) Stop(t testing.TB, sig os.Signal) int {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
	return p.Wait(t, 10*time.Second)
}

// Stdout returns what the process has written to its standard output so far.
func (p *Process) Stdout() string { return p.stdout.String() }

// Stderr returns what the process has written to its standard error so far.
func (p *Process) Stderr() string { return p.stderr.String() }

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
