package outfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFresh(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, "page.pcapng")
	if got := Fresh(page); got != page {
		t.Errorf("Fresh of a free name: %s", got)
	}
	os.WriteFile(page, nil, 0o644)
	os.WriteFile(filepath.Join(dir, "page-1.pcapng"), nil, 0o644)
	if got, want := Fresh(page), filepath.Join(dir, "page-2.pcapng"); got != want {
		t.Errorf("Fresh: %s, want %s", got, want)
	}
	if got, want := Fresh(filepath.Join(dir, "x.md"), filepath.Join(dir, "x.md")), filepath.Join(dir, "x-1.md"); got != want {
		t.Errorf("Fresh with avoid: %s, want %s", got, want)
	}
}

func TestCreateCommitAbort(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.md")
	f, err := Create(out)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("page")
	if _, err := os.Stat(out); err == nil {
		t.Error("the output exists before Commit")
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "page" {
		t.Errorf("after Commit: %q", b)
	}
	g, err := Create(out)
	if err != nil {
		t.Fatal(err)
	}
	g.WriteString("half")
	g.Abort()
	if b, _ := os.ReadFile(out); string(b) != "page" {
		t.Errorf("after Abort: %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files left in the folder", len(entries))
	}
	if _, err := Create(out, out); err == nil {
		t.Error("Create of an input succeeded")
	}
}
