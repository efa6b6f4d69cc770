// Package live captures packets from a network interface as they cross it,
// the way tcpdump -i does, and hands them out as a [capture.Source].
//
// On Linux it reads an AF_PACKET socket through the standard syscall package:
// no cgo and no libpcap. It produces the same packets as tcpdump started
// beside it:
//
//   - On a single interface, packets keep their own link-layer header (EN10MB
//     for Ethernet and for the loopback device lo; raw IP for interfaces
//     without one; Linux cooked v1 for any other kind).
//   - On the pseudo-interface "any", every packet gets a LINUX_SLL2 header
//     built from the address the kernel reports for it, as tcpdump -i any
//     writes.
//   - The loopback device hands each packet to a capture twice, once going out
//     and once coming in; like libpcap, only the incoming copy is kept.
//   - VLAN tags the network card stripped are put back on Ethernet and Linux
//     cooked v1 packets.
//
// Capturing needs root or the CAP_NET_RAW capability; without it, [Open]
// returns an error that wraps [ErrPermission] and says how to grant it.
package live

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/filter"
)

// AnyInterface is the name of the pseudo-interface that captures on every
// interface at once.
const AnyInterface = "any"

// Loopback returns the name captures give this system's loopback interface:
// "lo" on Linux, "lo0" on macOS and BSD, and Npcap's loopback adapter on
// Windows.
func Loopback() string {
	switch runtime.GOOS {
	case "linux", "android":
		return "lo"
	case "windows":
		return `\Device\NPF_Loopback`
	}
	return "lo0"
}

// DefaultSnapLen is the snap length used when Options.SnapLen is 0: tcpdump's
// default, long enough for any packet.
const DefaultSnapLen = 262144

// Options configures a live capture.
type Options struct {
	// Interface is the interface to capture on, such as "lo" or "eth0", or
	// "any" for all of them.
	Interface string
	// SnapLen is the most bytes kept of each packet, counting its link-layer
	// header; 0 means DefaultSnapLen.
	SnapLen int
	// Promiscuous puts the interface in promiscuous mode for as long as the
	// capture is open, so that it also sees traffic for other hosts. It has
	// no effect on "any".
	Promiscuous bool
	// Filter, if not nil, is asked about every packet; packets it returns
	// false for are skipped and not numbered. It runs in user space, after
	// the link-layer header has been built.
	Filter func(*capture.Packet) bool
	// Expression, if not nil, is a filter expression packets must match
	// before Filter sees them. Where the backend can, the kernel runs it
	// (on Linux compiled to classic BPF and attached to the socket; with
	// libpcap compiled by libpcap), so that packets it rejects cost no
	// copy and no wake-up; elsewhere it runs in user space.
	// Handle.FilterNote says which.
	Expression *filter.Filter
}

// Stats counts the packets of a capture.
type Stats struct {
	// Received is how many packets the kernel handed to the capture's socket,
	// including those it then dropped (the "packets received by filter" of
	// tcpdump).
	Received uint64
	// Dropped is how many of them the kernel dropped because the capture did
	// not read them fast enough ("packets dropped by kernel").
	Dropped uint64
	// Captured is how many packets Next returned.
	Captured uint64
}

// ErrPermission is wrapped by the error Open returns when the process may not
// capture packets.
var ErrPermission = errors.New("capturing packets needs root or the CAP_NET_RAW capability")

// ErrUnknownInterface is wrapped by the error Open returns when no interface
// has the requested name.
var ErrUnknownInterface = errors.New("no such interface")

// ErrNotSupported is wrapped by the error Open returns on systems where live
// capture is not implemented.
var ErrNotSupported = errors.New("live capture is not supported on this system")

// PermissionHint tells the user how to allow capturing: with sudo, or by
// granting the running program's file (named by its real path, since it
// need not be on PATH) the one capability capturing needs, CAP_NET_RAW.
func PermissionHint() string {
	exe, err := os.Executable()
	if err == nil {
		if real, err := filepath.EvalSymlinks(exe); err == nil {
			exe = real
		}
	} else {
		exe = "$(command -v wstrace)"
	}
	if strings.ContainsAny(exe, " '\"$`\\") && !strings.HasPrefix(exe, "$(") {
		exe = "'" + strings.ReplaceAll(exe, "'", `'\''`) + "'"
	}
	return "run as root (sudo), or grant the program the capability: sudo setcap cap_net_raw=eip " + exe
}

// Interfaces returns the system's network interfaces. Open also accepts
// AnyInterface, which is not among them.
func Interfaces() ([]net.Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list network interfaces: %w", err)
	}
	return ifs, nil
}

// unknownInterface builds the error for an interface name that does not
// exist, listing the names that do.
func unknownInterface(name string) error {
	var names []string
	if ifs, err := net.Interfaces(); err == nil {
		for _, ifc := range ifs {
			names = append(names, ifc.Name)
		}
	}
	sort.Strings(names)
	names = append(names, AnyInterface)
	return fmt.Errorf("capture on %q: %w; available: %s", name, ErrUnknownInterface, strings.Join(names, ", "))
}

// permissionError builds the error for a capture the process may not start.
func permissionError(name string, cause error) error {
	return fmt.Errorf("capture on %q: %w (%w); %s", name, ErrPermission, cause, PermissionHint())
}

// Device flags, as libpcap's pcap_findalldevs reports them (PCAP_IF_*).
const (
	FlagLoopback     = 0x01
	FlagUp           = 0x02
	FlagRunning      = 0x04
	FlagWireless     = 0x08
	StatusMask       = 0x30
	StatusUnknown    = 0x00
	StatusConnected  = 0x10
	StatusDisconnect = 0x20
	StatusNA         = 0x30
)

// Device is an interface a capture can start on, as tcpdump -D lists it.
type Device struct {
	// Name is what Options.Interface takes.
	Name string
	// Description, if not empty, says what the device is.
	Description string
	// Flags holds the Flag* bits and one Status* value.
	Flags uint32
}

// String formats the device as tcpdump -D does, without its number:
// "lo [Up, Running, Loopback]".
func (d Device) String() string {
	var b strings.Builder
	b.WriteString(d.Name)
	if d.Description != "" {
		b.WriteString(" (" + d.Description + ")")
	}
	if d.Flags == 0 {
		return b.String()
	}
	var words []string
	for _, f := range []struct {
		bit  uint32
		word string
	}{{FlagUp, "Up"}, {FlagRunning, "Running"}, {FlagLoopback, "Loopback"}, {FlagWireless, "Wireless"}} {
		if d.Flags&f.bit != 0 {
			words = append(words, f.word)
		}
	}
	if len(words) == 0 {
		words = append(words, "none")
	}
	status := map[uint32]string{StatusUnknown: "Connection status unknown", StatusConnected: "Connected", StatusDisconnect: "Disconnected"}
	if d.Flags&FlagWireless != 0 {
		status = map[uint32]string{StatusUnknown: "Association status unknown", StatusConnected: "Associated", StatusDisconnect: "Not associated"}
	}
	if s := status[d.Flags&StatusMask]; s != "" {
		words = append(words, s)
	}
	b.WriteString(" [" + strings.Join(words, ", ") + "]")
	return b.String()
}

// deviceName returns the name of an interface given by name or, as
// tcpdump -i takes it, by its number in the list of Devices.
func deviceName(name string) (string, error) {
	n, err := strconv.Atoi(name)
	if err != nil || strconv.Itoa(n) != name {
		return name, nil
	}
	if _, err := net.InterfaceByName(name); err == nil {
		return name, nil
	}
	devs, err := Devices()
	if err != nil {
		return "", err
	}
	if n < 1 || n > len(devs) {
		return "", fmt.Errorf("capture on %q: %w: there are %d devices (see wstrace capture -D)", name, ErrUnknownInterface, len(devs))
	}
	return devs[n-1].Name, nil
}
