//go:build linux && !386 && !pcap

package live

import (
	"net"
	"os"
	"slices"
	"strings"
)

// Devices lists the interfaces a capture can start on, "any" among them, in
// the order tcpdump -D lists them: running interfaces before the others, and
// the loopback device after "any".
func Devices() ([]Device, error) {
	ifs, err := Interfaces()
	if err != nil {
		return nil, err
	}
	devs := []Device{{Name: AnyInterface, Description: "Pseudo-device that captures on all interfaces", Flags: FlagUp | FlagRunning | StatusNA}}
	for _, ifc := range ifs {
		d := Device{Name: ifc.Name}
		if ifc.Flags&net.FlagUp != 0 {
			d.Flags |= FlagUp
		}
		if ifc.Flags&net.FlagRunning != 0 {
			d.Flags |= FlagRunning
		}
		if ifc.Flags&net.FlagLoopback != 0 {
			d.Flags |= FlagLoopback | StatusNA
		} else if d.Flags&FlagUp != 0 {
			if _, err := os.Stat("/sys/class/net/" + ifc.Name + "/wireless"); err == nil {
				d.Flags |= FlagWireless
			}
			state, _ := os.ReadFile("/sys/class/net/" + ifc.Name + "/operstate")
			switch strings.TrimSpace(string(state)) {
			case "up":
				d.Flags |= StatusConnected
			case "down", "lowerlayerdown":
				d.Flags |= StatusDisconnect
			}
		} else {
			d.Flags |= StatusNA
		}
		devs = append(devs, d)
	}
	rank := func(d Device) int {
		switch {
		case d.Flags&(FlagUp|FlagRunning) != FlagUp|FlagRunning:
			return 3
		case d.Flags&FlagLoopback != 0:
			return 2
		case d.Name == AnyInterface:
			return 1
		}
		return 0
	}
	slices.SortStableFunc(devs, func(a, b Device) int { return rank(a) - rank(b) })
	return devs, nil
}
