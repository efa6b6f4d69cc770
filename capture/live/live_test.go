package live_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/filter"
	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/internal/wspeer"
)

// TestMatchesTcpdump captures a WebSocket session between a third-party
// client and server on lo and on any, with tcpdump running beside each
// capture, and checks that both hold the same packets: tcpdump reads back its
// own file and a pcap file of ours, and every packet's bytes, length, summary
// line and (to within a few milliseconds) timestamp must agree.
func TestMatchesTcpdump(t *testing.T) {
	testenv.NeedRoot(t)
	testenv.NeedTool(t, "tcpdump")

	url, port := wspeer.EchoServer(t)

	dir := t.TempDir()
	type run struct {
		iface   string
		snapLen int
		kernel  bool
		theirs  string
		handle  *live.Handle
		packets chan []*capture.Packet
	}
	var (
		runs     []*run
		tcpdumps []*testenv.Process
	)
	// Each capture filters either in user space (Filter) or in the kernel
	// (Expression, compiled to classic BPF).
	for _, c := range []struct {
		iface   string
		snapLen int
		kernel  bool
	}{{"lo", 0, false}, {"any", 0, false}, {"lo", 100, false}, {"any", 100, false}, {"lo", 0, true}, {"any", 100, true}} {
		iface := c.iface
		name := fmt.Sprintf("%s-%d-%v", iface, c.snapLen, c.kernel)
		r := &run{iface: iface, snapLen: c.snapLen, kernel: c.kernel, theirs: filepath.Join(dir, "tcpdump-"+name+".pcap")}
		tcpdumps = append(tcpdumps, testenv.StartTcpdump(t, "-i", iface, "-s", strconv.Itoa(c.snapLen), "-U", "-n", "-w", r.theirs, "tcp", "port", strconv.Itoa(port)))
		opts := live.Options{Interface: iface, SnapLen: c.snapLen, Filter: live.TCPPort(uint16(port))}
		if c.kernel {
			opts.Filter = nil
			opts.Expression = filter.MustCompile(fmt.Sprintf("tcp port %d", port))
		}
		h, err := live.Open(opts)
		if err != nil {
			t.Fatalf("Open(%s): %v", iface, err)
		}
		if note := h.FilterNote(); c.kernel && !strings.Contains(note, "in the kernel") {
			t.Errorf("%s: the filter runs %s", iface, note)
		}
		r.handle = h
		r.packets = make(chan []*capture.Packet, 1)
		go func() {
			var got []*capture.Packet
			for {
				p, err := h.Next()
				if err != nil {
					if err != io.EOF {
						t.Errorf("Next on %s: %v", iface, err)
					}
					r.packets <- got
					return
				}
				got = append(got, p)
			}
		}()
		runs = append(runs, r)
	}

	wspeer.Session(t, url, "hello", strings.Repeat("x", 3000), "bye")
	// Stopping tcpdump first waits for its ring to hand over its last
	// block, time enough for the last ACK of the teardown to arrive.
	testenv.StopTcpdump(t, tcpdumps...)

	for _, r := range runs {
		if err := r.handle.Close(); err != nil {
			t.Errorf("Close(%s): %v", r.iface, err)
		}
		got := <-r.packets
		stats, err := r.handle.Stats()
		if err != nil {
			t.Errorf("Stats(%s): %v", r.iface, err)
		}
		// Dropped counts all of the interface's traffic, which other
		// programs may flood; a dropped packet of ours shows below.
		if stats.Captured != uint64(len(got)) || stats.Received < stats.Captured+stats.Dropped {
			t.Errorf("Stats(%s) = %+v, want Captured %d and Received at least Captured+Dropped", r.iface, stats, len(got))
		}
		ours := filepath.Join(dir, fmt.Sprintf("ours-%s-%d-%v.pcap", r.iface, r.snapLen, r.kernel))
		writePcap(t, ours, r.handle.Interface(), got)

		theirLink, theirPackets := testenv.ReadTcpdump(t, r.theirs)
		ourLink, ourPackets := testenv.ReadTcpdump(t, ours)
		if ourLink != theirLink {
			t.Errorf("%s: link type %q, tcpdump wrote %q", r.iface, ourLink, theirLink)
		}
		if len(theirPackets) < 10 {
			t.Fatalf("%s: tcpdump saw only %d packets of the session", r.iface, len(theirPackets))
		}
		if len(ourPackets) != len(theirPackets) {
			t.Errorf("%s: captured %d packets, tcpdump %d", r.iface, len(ourPackets), len(theirPackets))
		}
		var maxApart time.Duration
		for i := range min(len(ourPackets), len(theirPackets)) {
			o, th := ourPackets[i], theirPackets[i]
			if o.Summary != th.Summary || o.Hex != th.Hex {
				t.Errorf("%s packet %d differs:\nours:    %s\n%s\ntcpdump: %s\n%s", r.iface, i+1, o.Summary, o.Hex, th.Summary, th.Hex)
				continue
			}
			d := o.Time.Sub(th.Time).Abs()
			if d > 20*time.Millisecond {
				t.Errorf("%s packet %d: timestamp %v apart from tcpdump's", r.iface, i+1, d)
			}
			maxApart = max(maxApart, d)
		}
		t.Logf("%s, snap length %d, filter in the kernel %v: %d/%d packets identical to tcpdump's (link type %s), timestamps at most %v apart; %+v",
			r.iface, r.snapLen, r.kernel, len(ourPackets), len(theirPackets), ourLink, maxApart, stats)
	}
}

// writePcap writes packets to a classic pcap file (microsecond timestamps),
// the format tcpdump -w writes.
func writePcap(t *testing.T, path string, ifc *capture.Interface, packets []*capture.Packet) {
	t.Helper()
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, 0xa1b2c3d4)
	b = binary.LittleEndian.AppendUint16(b, 2)
	b = binary.LittleEndian.AppendUint16(b, 4)
	b = binary.LittleEndian.AppendUint32(b, 0) // thiszone
	b = binary.LittleEndian.AppendUint32(b, 0) // sigfigs
	b = binary.LittleEndian.AppendUint32(b, ifc.SnapLen)
	b = binary.LittleEndian.AppendUint32(b, uint32(ifc.LinkType))
	for _, p := range packets {
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Timestamp.Unix()))
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Timestamp.Nanosecond()/1000))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(p.Data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Length))
		b = append(b, p.Data...)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUnknownInterface checks that a wrong name is reported with the names
// that would work.
func TestUnknownInterface(t *testing.T) {
	_, err := live.Open(live.Options{Interface: "nosuchif0"})
	if !errors.Is(err, live.ErrUnknownInterface) {
		t.Fatalf("Open(nosuchif0) = %v, want ErrUnknownInterface", err)
	}
	for _, want := range []string{"nosuchif0", "lo", "any"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestPermission checks the error of a process that may not capture. As root
// it runs itself again in a new user namespace, where it has no capability
// over the host's network; as another user it tries directly.
func TestPermission(t *testing.T) {
	if os.Getenv("WSTRACE_LIVE_PERMISSION_CHILD") == "1" {
		_, err := live.Open(live.Options{Interface: "lo"})
		fmt.Printf("errors.Is(ErrPermission)=%v\n%v\n", errors.Is(err, live.ErrPermission), err)
		return
	}
	if os.Geteuid() != 0 {
		_, err := live.Open(live.Options{Interface: "lo"})
		checkPermissionError(t, errors.Is(err, live.ErrPermission), fmt.Sprint(err))
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPermission$")
	cmd.Env = append(os.Environ(), "WSTRACE_LIVE_PERMISSION_CHILD=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		testenv.Missing(t, "cannot run the test in a new user namespace: %v\n%s", err, out)
	}
	first, rest, _ := strings.Cut(string(out), "\n")
	checkPermissionError(t, first == "errors.Is(ErrPermission)=true", rest)
}

func checkPermissionError(t *testing.T, isPermission bool, msg string) {
	t.Helper()
	if !isPermission {
		t.Errorf("error does not wrap ErrPermission: %s", msg)
	}
	for _, want := range []string{"CAP_NET_RAW", "sudo setcap cap_net_raw=eip "} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

// TestCloseUnblocksNext checks that Close makes a waiting Next return io.EOF
// promptly.
func TestCloseUnblocksNext(t *testing.T) {
	testenv.NeedRoot(t)
	h, err := live.Open(live.Options{Interface: "lo", Filter: func(*capture.Packet) bool { return false }})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := h.Next()
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("Next after Close = %v, want io.EOF", err)
		}
		t.Logf("Next returned %v after %v", err, time.Since(start))
	case <-time.After(2 * time.Second):
		t.Fatal("Next still blocked 2s after Close")
	}
	if _, err := h.Next(); err != io.EOF {
		t.Errorf("second Next after Close = %v, want io.EOF", err)
	}
	if err := h.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}
