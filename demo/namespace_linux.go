package demo

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// namespaceAttr starts a process in a new user and network namespace, as
// root of the user namespace, mapped to the caller's own user and group.
func namespaceAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		// An unprivileged user may map its group only with setgroups denied.
		GidMappingsEnableSetgroups: false,
	}
}

// bringUpLoopback sets the IFF_UP flag of lo, which a new network namespace
// starts without.
func bringUpLoopback() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("demo: bring up lo: %w", err)
	}
	defer syscall.Close(fd)
	// struct ifreq: char ifr_name[16]; short ifr_flags; ... (40 bytes).
	var ifr [40]byte
	copy(ifr[:], "lo")
	ioctl := func(req uintptr) error {
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), req, uintptr(unsafe.Pointer(&ifr[0])))
		if errno != 0 {
			return errno
		}
		return nil
	}
	if err := ioctl(syscall.SIOCGIFFLAGS); err != nil {
		return fmt.Errorf("demo: bring up lo: read its flags: %w", err)
	}
	flags := binary.NativeEndian.Uint16(ifr[16:])
	binary.NativeEndian.PutUint16(ifr[16:], flags|syscall.IFF_UP)
	if err := ioctl(syscall.SIOCSIFFLAGS); err != nil {
		return fmt.Errorf("demo: bring up lo: %w", err)
	}
	return nil
}
