package live_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/capture/live"
	"github.com/wstrace/wstrace/internal/testenv"
)

// TestDevicesLikeTcpdump lists the capture devices and checks each against
// tcpdump -D: the same description and flags, in the same order. tcpdump
// also lists devices wstrace cannot capture on (nflog, dbus-system, ...);
// they are left out of the comparison.
func TestDevicesLikeTcpdump(t *testing.T) {
	tcpdump := testenv.NeedTool(t, "tcpdump")
	out, err := exec.Command(tcpdump, "-D").Output()
	if err != nil {
		t.Fatalf("tcpdump -D: %v", err)
	}
	theirs := map[string]string{} // name: the line without its number
	position := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		_, rest, ok := strings.Cut(line, ".")
		if !ok {
			t.Fatalf("tcpdump -D line %q", line)
		}
		name, _, _ := strings.Cut(rest, " ")
		theirs[name] = rest
		position[name] = len(position)
	}
	devs, err := live.Devices()
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) == 0 {
		t.Fatal("no devices")
	}
	last := -1
	for _, d := range devs {
		want, ok := theirs[d.Name]
		if !ok {
			t.Errorf("%s: tcpdump -D does not list it", d.Name)
			continue
		}
		if d.String() != want {
			t.Errorf("device %q, tcpdump -D %q", d, want)
		}
		i := position[d.Name]
		if i < last {
			t.Errorf("%s comes later in tcpdump -D", d.Name)
		}
		last = i
	}
	t.Logf("%d devices listed as tcpdump -D lists them:\n%s", len(devs), out)
}
