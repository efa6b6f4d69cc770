package rendertest

import (
	"bytes"
	"flag"
	"github.com/wstrace/wstrace/internal/testenv"
	"os"
	"path/filepath"
	"testing"
)

// Update makes Golden write the golden files instead of comparing
// (go test ./render/... -update).
var update = flag.Bool("update", false, "rewrite the golden files")

// Golden compares got with the file testdata/golden/name, or writes the
// file when the test runs with -update.
func Golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	line, gl, wl := testenv.FirstDiff(string(got), string(want))
	t.Fatalf("%s differs from the golden file at line %d:\n got %q\nwant %q\n(run go test -update if the change is intended)", name, line, gl, wl)
}
