package testenv

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
)

// announced makes the skip announcement once per test binary (package).
var announced sync.Once

// announce tells whoever runs "go test ./..." that tests of this package
// skip, since go test shows a passing package's output only with -v: one
// line per package, on the terminal (/dev/tty) when there is one. Under CI
// nothing skips (Missing fails instead), so nothing is announced.
func announce(reason string) {
	pkg := callerPackage()
	announced.Do(func() {
		tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer tty.Close()
		fmt.Fprintln(tty, announcement(pkg, reason))
	})
}

// announcement is the line announce writes.
func announcement(pkg, reason string) string {
	return fmt.Sprintf("%s: some tests skip, such as one where %s (go test -v %s lists them; CI=true fails them)", pkg, reason, pkg)
}

// callerPackage returns the import path of the first function on the
// stack outside this package and the testing package: the test's package.
func callerPackage() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(1, pcs)])
	for {
		f, more := frames.Next()
		pkg := funcPackage(f.Function)
		pkg = strings.TrimSuffix(pkg, "_test") // an external test package
		if pkg != "" && pkg != "testing" && !strings.HasSuffix(pkg, "/internal/testenv") && pkg != "runtime" {
			return pkg
		}
		if !more {
			return "this package"
		}
	}
}

// funcPackage returns the package path of a function name as the runtime
// gives it, such as "github.com/wstrace/wstrace/cmd/wstrace.TestX.func1".
func funcPackage(fn string) string {
	slash := strings.LastIndexByte(fn, '/')
	dot := strings.IndexByte(fn[slash+1:], '.')
	if dot < 0 {
		return ""
	}
	return fn[:slash+1+dot]
}
