package annotate

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayering: annotate sits below render and imports nothing of it (the
// tcpdump printer it uses for packet lines lives in capture/tcpdump).
func TestLayering(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	sub, _ := filepath.Glob("*/*.go")
	files = append(files, sub...)
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		n++
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(p, "github.com/wstrace/wstrace/render") || strings.HasPrefix(p, "github.com/wstrace/wstrace/cmd") {
				t.Errorf("%s imports %s: annotate must not depend on the layers above it", f, p)
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d files read", n)
	}
}
