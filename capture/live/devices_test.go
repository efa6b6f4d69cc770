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

// TestDeviceString checks the formatting of tcpdump -D (tcpdump 4.99's
// show_devices_and_exit) on flags this machine may not have.
func TestDeviceString(t *testing.T) {
	tests := []struct {
		d    live.Device
		want string
	}{
		{live.Device{Name: "eth0", Flags: live.FlagUp | live.FlagRunning | live.StatusConnected}, "eth0 [Up, Running, Connected]"},
		{live.Device{Name: "eth1", Flags: live.FlagUp | live.StatusDisconnect}, "eth1 [Up, Disconnected]"},
		{live.Device{Name: "tun0", Flags: live.FlagUp | live.FlagRunning}, "tun0 [Up, Running, Connection status unknown]"},
		{live.Device{Name: "wlan0", Flags: live.FlagUp | live.FlagRunning | live.FlagWireless | live.StatusConnected}, "wlan0 [Up, Running, Wireless, Associated]"},
		{live.Device{Name: "wlan1", Flags: live.FlagWireless | live.StatusDisconnect}, "wlan1 [Wireless, Not associated]"},
		{live.Device{Name: "lo", Flags: live.FlagUp | live.FlagRunning | live.FlagLoopback | live.StatusNA}, "lo [Up, Running, Loopback]"},
		{live.Device{Name: "ifb0", Flags: live.StatusNA}, "ifb0 [none]"},
		{live.Device{Name: "any", Description: "Pseudo-device that captures on all interfaces", Flags: live.FlagUp | live.FlagRunning | live.StatusNA},
			"any (Pseudo-device that captures on all interfaces) [Up, Running]"},
		{live.Device{Name: `\Device\NPF_{1234}`, Description: "Intel(R) Ethernet"}, `\Device\NPF_{1234} (Intel(R) Ethernet)`},
	}
	for _, tc := range tests {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.d, got, tc.want)
		}
	}
}
