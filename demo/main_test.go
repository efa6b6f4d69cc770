package demo_test

import (
	"os"
	"testing"

	"github.com/wstrace/wstrace/demo"
)

// TestMain lets the test binary serve as the program CaptureIsolated runs
// again in its namespaces.
func TestMain(m *testing.M) {
	if demo.IsolatedChild() {
		os.Exit(demo.RunIsolatedChild())
	}
	os.Exit(m.Run())
}
