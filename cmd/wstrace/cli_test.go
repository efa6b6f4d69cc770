package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsage checks exit codes and messages of command lines that are
// wrong, as the README documents them: 2 for a usage error, with a message
// that says what to do.
func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bogus"}, exitUsage, `unknown command "bogus" for "wstrace" (see 'wstrace --help')`},
		{[]string{"--bogus"}, exitUsage, "unknown flag: --bogus (see 'wstrace --help')"},
		{[]string{"render", "--bogus"}, exitUsage, "(see 'wstrace render --help')"},
		{[]string{"render"}, exitUsage, "render needs a capture file"},
		{[]string{"render", "-c", "-1", "x.pcap"}, exitUsage, "must not be negative"},
		{[]string{"render", "--style", "x", "x.pcap"}, exitUsage, `wstrace: unknown style "x"`},
		{[]string{"dump"}, exitUsage, "dump needs a capture file"},
		{[]string{"capture", "-i", "lo", "-A", "--follow"}, exitUsage, "-A: --follow prints each packet"},
		{[]string{"capture", "-i", "lo", "-X", "-tttt", "-w", "x.pcapng"}, exitUsage, "wstrace dump -X -tttt FILE"},
		{[]string{"capture", "-i", "lo", "-v"}, exitUsage, "-v: wstrace prints packets as tcpdump does"},
		{[]string{"capture", "-i", "lo", "-tttttt"}, exitUsage, "at most five times"},
	} {
		_, stderr, code := runCLI(t, nil, c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) {
			t.Errorf("wstrace %s: exit %d, %q; want exit %d with %q", strings.Join(c.args, " "), code, stderr, c.code, c.want)
		}
		if strings.Contains(stderr, "render: render") || strings.Contains(stderr, "wstrace: wstrace") || strings.Contains(stderr, "wstrace: render:") {
			t.Errorf("wstrace %s: a prefix repeated: %q", strings.Join(c.args, " "), stderr)
		}
	}
}

// TestVersion checks that --version says what the version command says.
func TestVersion(t *testing.T) {
	a, _, code1 := runCLI(t, nil, "--version")
	b, _, code2 := runCLI(t, nil, "version")
	if code1 != 0 || code2 != 0 || a != b || !strings.HasPrefix(a, "wstrace ") {
		t.Errorf("--version: exit %d %q; version: exit %d %q", code1, a, code2, b)
	}
}

// TestHelp checks the help of every command: flags in the order they are
// documented (not sorted), and no "(default [])".
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"dump", "render", "capture", "demo"} {
		out, _, code := runCLI(t, nil, cmd, "--help")
		if code != 0 {
			t.Fatalf("%s --help: exit %d", cmd, code)
		}
		if strings.Contains(out, "(default [])") {
			t.Errorf("%s --help shows (default [])", cmd)
		}
		var flags []string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "-") {
				flags = append(flags, strings.TrimSuffix(f[len(f)-1], ","))
			}
		}
		first := map[string]string{"dump": "-r,", "render": "-r,", "capture": "-i,", "demo": "--addr"}[cmd]
		if !strings.Contains(out, "Flags:\n  "+strings.TrimSuffix(first, ",")) && !strings.Contains(out, "Flags:\n      "+first) {
			t.Errorf("%s --help does not list %s first (flags sorted?):\n%s", cmd, first, out)
		}
	}
}

// TestCompletion checks that shell completion offers the values of the
// flags that take one of a few, and that the README mentions it.
func TestCompletion(t *testing.T) {
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"render", "--style", ""}, []string{"guide", "classic"}},
		{[]string{"render", "--lang", ""}, []string{"en", "zh-TW", "zh-CN"}},
		{[]string{"render", "--format", ""}, []string{"md", "html", "json", "text", "pcapng"}},
		{[]string{"capture", "-i", ""}, []string{"any", "lo"}},
		{[]string{"demo", "--color", ""}, []string{"auto", "always", "never"}},
	} {
		out, _, code := runCLI(t, nil, append([]string{"__complete"}, c.args...)...)
		lines := strings.Split(out, "\n")
		for _, w := range c.want {
			found := false
			for _, l := range lines {
				found = found || l == w
			}
			if code != 0 || !found {
				t.Errorf("completing %q: exit %d, %q lacks %q", c.args, code, out, w)
			}
		}
	}
	if out, _, code := runCLI(t, nil, "completion", "bash"); code != 0 || !strings.Contains(out, "bash completion") {
		t.Errorf("wstrace completion bash: exit %d", code)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "wstrace completion") {
		t.Error("README.md does not mention wstrace completion")
	}
}

// TestRenderTcpdumpHabits checks render's -r FILE and -c N, as tcpdump's.
func TestRenderTcpdumpHabits(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "workerman-chat.pcap")
	a, _, code1 := runCLI(t, nil, "render", "--lang", "en", "--style", "classic", "-c", "5", in)
	b, _, code2 := runCLI(t, nil, "render", "--lang", "en", "--style", "classic", "-r", in, "-c", "5")
	if code1 != 0 || code2 != 0 || a != b {
		t.Fatalf("render -c 5 FILE (exit %d) and render -r FILE -c 5 (exit %d) differ", code1, code2)
	}
	if n := strings.Count(a, "\n/*\n"); n != 5 {
		t.Errorf("render -c 5 explains %d packets", n)
	}
}

// TestTemplatesChecked checks that a --templates directory that is
// missing, or holds a misspelt file, is an error naming it and the names
// wstrace knows, not a page made with the built-in files.
func TestTemplatesChecked(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "workerman-chat.pcap")
	dir := t.TempDir()
	write := func(name, text string) {
		path := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	check := func(what, want string) {
		t.Helper()
		out, stderr, code := runCLI(t, nil, "render", "--lang", "en", "--templates", dir, in)
		if code != exitUsage || !strings.Contains(stderr, want) || out != "" {
			t.Errorf("%s: exit %d, %q, %d bytes out; want exit 2 with %q", what, code, stderr, len(out), want)
		}
	}
	dir = filepath.Join(t.TempDir(), "missing")
	check("missing directory", "missing: no such file or directory")
	dir = t.TempDir()
	check("empty directory", "holds no messages/LANG.txt or layout/ file")
	write("messages/en.text", "")
	check("misspelt message file", "messages/en.text is not a file wstrace reads; messages/ may hold en.txt, zh-CN.txt, zh-TW.txt")
	os.Remove(filepath.Join(dir, "messages/en.text"))
	write("layouts/guide.md.tmpl", "")
	check("misspelt folder", "layouts is not a folder wstrace reads (it reads layout/, messages/)")
	os.RemoveAll(filepath.Join(dir, "layouts"))
	write("layout/guide.md", "")
	check("misspelt layout", "layout/guide.md is not a file wstrace reads; layout/ may hold")

	// A good override is used.
	os.Remove(filepath.Join(dir, "layout/guide.md"))
	write("layout/classic.md.tmpl", "CUSTOM {{len .Packets}}\n")
	out, stderr, code := runCLI(t, nil, "render", "--style", "classic", "--templates", dir, in)
	if code != 0 || !strings.HasPrefix(out, "CUSTOM ") {
		t.Errorf("a good override: exit %d, %q, %q", code, stderr, out)
	}
}

// TestBadInputErrors checks render's errors for captures it cannot read:
// an unknown link type exits 1 as in dump, and an Interface Description
// Block error names the block's byte, not "packet 1", with no prefix
// repeated.
func TestBadInputErrors(t *testing.T) {
	dir := t.TempDir()
	le := func(b []byte, v ...uint32) []byte {
		for _, x := range v {
			b = append(b, byte(x), byte(x>>8), byte(x>>16), byte(x>>24))
		}
		return b
	}
	// A pcap of link type 147 (USER0), one 4-byte packet.
	user0 := le(nil, 0xa1b2c3d4, 4<<16|2, 0, 0, 65535, 147, 1, 0, 4, 4)
	user0 = append(user0, "abcd"...)
	// A pcapng whose Interface Description Block is 12 bytes, too short.
	badIDB := le(nil, 0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0xffffffff, 0xffffffff, 28, 1, 12, 12)
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"user0.pcap", user0, "user0.pcap: packet 1: unsupported link type LINKTYPE_147"},
		{"badidb.pcapng", badIDB, "badidb.pcapng: byte 28: Interface Description Block of 12 bytes is too short"},
	} {
		path := filepath.Join(dir, c.name)
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, cmd := range []string{"dump", "render", "render --format json", "render --format jsonl"} {
			_, stderr, code := runCLI(t, nil, append(strings.Fields(cmd), path)...)
			if code != exitError || !strings.Contains(stderr, c.want) {
				t.Errorf("%s %s: exit %d, %q; want exit 1 with %q", cmd, c.name, code, stderr, c.want)
			}
			if strings.Contains(stderr, "reading packet") || strings.Count(stderr, c.name) != 1 {
				t.Errorf("%s %s: %q", cmd, c.name, stderr)
			}
		}
	}
}
