//go:build !linux

package demo

import (
	"fmt"
	"syscall"

	"github.com/wstrace/wstrace/capture/live"
)

// namespaceAttr returns nil: only Linux has the namespaces CaptureIsolated
// needs.
func namespaceAttr() *syscall.SysProcAttr { return nil }

func bringUpLoopback() error {
	return fmt.Errorf("demo: bring up lo: %w", live.ErrNotSupported)
}
