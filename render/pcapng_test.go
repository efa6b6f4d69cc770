package render_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

// TestPcapngTshark writes the tutorial into a pcapng file and reads it
// back with tshark: every packet is there, with one comment each, and the
// comments hold the explanations and the unmasked messages.
func TestPcapngTshark(t *testing.T) {
	tshark := testenv.NeedTool(t, "tshark")
	res := rendertest.Annotate(t, "../testdata/workerman-chat.pcap")
	for _, lang := range render.Languages() {
		p, err := render.Build(res, render.Capture{Name: "workerman-chat.pcap"}, render.Options{Style: render.StyleClassic, Lang: lang})
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := render.WritePcapng(&b, p); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(t.TempDir(), "out.pcapng")
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(tshark, "-r", file, "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-e", "frame.number", "-e", "frame.comment", "-e", "tcp.srcport")
		cmd.Env = append(os.Environ(), "LC_ALL=C.UTF-8")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("tshark: %v", err)
		}
		rows := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(rows) != 30 {
			t.Fatalf("%s: tshark read %d packets, want 30", lang, len(rows))
		}
		for i, row := range rows {
			f := strings.Split(row, "\t")
			if len(f) != 3 || f[1] == "" || strings.Contains(f[1], "|") && !strings.Contains(p.Packets[i].PcapngComment(), "|") {
				t.Errorf("%s: packet %d: want one comment, got %q", lang, i+1, row)
			}
		}
		// tshark writes a comment's newlines as "\n".
		if !strings.Contains(rows[18], `{\"type\":\"login\",\"name\":\"mynick\"}`) && !strings.Contains(rows[18], `{"type":"login","name":"mynick"}`) {
			t.Errorf("%s: packet 19's comment lacks the unmasked login: %q", lang, rows[18])
		}
	}
	// Secrets are redacted in the packet data too.
	p, _ := render.Build(res, render.Capture{}, render.Options{})
	var b bytes.Buffer
	if err := render.WritePcapng(&b, p); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b.Bytes(), []byte("Hm_lvt")) {
		t.Error("the pcapng file holds the cookie")
	}
	p, _ = render.Build(res, render.Capture{}, render.Options{NoRedact: true})
	b.Reset()
	render.WritePcapng(&b, p)
	if !bytes.Contains(b.Bytes(), []byte("Hm_lvt")) {
		t.Error("--no-redact lost the cookie in the pcapng file")
	}
}
