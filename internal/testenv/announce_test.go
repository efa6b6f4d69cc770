package testenv

import (
	"strings"
	"testing"
)

func TestCallerPackage(t *testing.T) {
	if got, want := callerPackage(), "github.com/wstrace/wstrace/internal/testenv"; got != "this package" && got != want {
		// Called from this package's own test, every frame is testenv's.
		t.Errorf("callerPackage() = %q", got)
	}
	for fn, want := range map[string]string{
		"github.com/wstrace/wstrace/cmd/wstrace.TestX.func1": "github.com/wstrace/wstrace/cmd/wstrace",
		"github.com/wstrace/wstrace/render.(*Page).Label":    "github.com/wstrace/wstrace/render",
		"testing.tRunner": "testing",
		"main.main":       "main",
	} {
		if got := funcPackage(fn); got != want {
			t.Errorf("funcPackage(%q) = %q, want %q", fn, got, want)
		}
	}
	if got := announcement("p", "tcpdump is not installed"); !strings.Contains(got, "p: some tests skip, such as one where tcpdump is not installed") {
		t.Errorf("announcement: %q", got)
	}
}
