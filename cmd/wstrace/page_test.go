package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestPageSaysCaptureEndedEarly renders a capture cut off in the middle of
// packet 15: the page itself says, in its language, that the capture ended
// early, where and why, and the run exits 1.
func TestPageSaysCaptureEndedEarly(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "workerman-chat.pcap"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(t.TempDir(), "cut.pcap")
	if err := os.WriteFile(in, b[:3000], 0o644); err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{
		"en":    "The capture ends early: packet 15 (at byte offset 2482) is cut off",
		"zh-TW": "擷取檔提前結束：第 15 個封包（位元組偏移 2482）被截斷了",
		"zh-CN": "抓包文件提前结束：第 15 个包（字节偏移 2482）被截断了",
	} {
		for _, format := range []string{"md", "html", "text"} {
			out, stderr, code := runCLI(t, nil, "render", "--lang", lang, "--format", format, in)
			if code != exitError || !strings.Contains(stderr, "packet 15 (byte 2482): record cut off") {
				t.Errorf("%s %s: exit %d, %q", lang, format, code, stderr)
			}
			if !strings.Contains(out, want) {
				t.Errorf("%s %s: the page does not say %q", lang, format, want)
			}
		}
	}
}

// TestPageSaysInflatingStopped renders compressed messages with a
// --max-message cap smaller than they inflate to: the page says the cap
// and that inflating stopped, never a size of -1.
func TestPageSaysInflatingStopped(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "chromium-ws-deflate.pcap")
	for lang, want := range map[string][]string{
		"en":    {"52 bytes on the wire inflate to more than wstrace keeps of a message, so it stopped inflating", "wstrace stopped inflating this message at its size cap (--max-message, 10 bytes)"},
		"zh-TW": {"52 位元組解壓縮後超過 wstrace 為一則訊息保留的上限，因此解壓縮在此停止", "wstrace 在訊息大小上限（--max-message，10 位元組）處停止解壓縮"},
		"zh-CN": {"52 字节解压后超过 wstrace 为一条消息保留的上限，因此解压到此停止", "wstrace 在消息大小上限（--max-message，10 字节）处停止解压"},
	} {
		out, stderr, code := runCLI(t, nil, "render", "--lang", lang, "--max-message", "10", in)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: the page does not say %q", lang, w)
			}
		}
		if regexp.MustCompile(`inflate to -1|解壓縮後為 -1|解压后为 -1`).MatchString(out) {
			t.Errorf("%s: the page gives -1 as a size", lang)
		}
	}
}

// TestSummaryTimeZone checks that the summary's first-packet time is in
// the zone of the packet lines (TZ), and says which.
func TestSummaryTimeZone(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "workerman-chat.pcap")
	exe := wstraceBinary(t)
	for _, tz := range []string{"UTC", "Asia/Taipei", "America/New_York"} {
		t.Run(tz, func(t *testing.T) {
			// A process of its own: Go reads TZ once.
			cmd := exec.Command(exe, "render", "--lang", "en", in)
			cmd.Env = append(os.Environ(), "TZ="+tz)
			b, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			out := string(b)
			start := regexp.MustCompile(`\*\*First packet:\*\* (\d{4}-\d\d-\d\d (\d\d:\d\d:\d\d\.\d{6}) (\S+))`).FindStringSubmatch(out)
			line := regexp.MustCompile(`(?m)^(\d\d:\d\d:\d\d\.\d{6}) IP `).FindStringSubmatch(out)
			if start == nil || line == nil {
				t.Fatalf("no start time or packet line in the page")
			}
			if start[2] != line[1] {
				t.Errorf("summary says %s, the first packet line %s", start[1], line[1])
			}
			if want := map[string]string{"UTC": "UTC", "Asia/Taipei": "CST", "America/New_York": "EDT"}[tz]; start[3] != want {
				t.Errorf("the start time %s names zone %q, want %q", start[1], start[3], want)
			}
		})
	}
}

// TestOneByte checks that English pages count one byte in the singular,
// on a capture whose Socket.IO messages include one of 1 byte, and that no
// English message writes a counted "bytes" without choosing the plural.
func TestOneByte(t *testing.T) {
	in := filepath.Join("..", "..", "testdata", "socketio-chat.pcap")
	out, stderr, code := runCLI(t, nil, "render", "--lang", "en", "--hide-heartbeats", in)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "message of 1 byte (packet") {
		t.Error(`the page does not say "message of 1 byte"`)
	}
	if m := regexp.MustCompile(`(^|[^\d,.])1 bytes`).FindString(out); m != "" {
		t.Errorf("the page says %q", m)
	}
	catalog, err := os.ReadFile(filepath.Join("..", "..", "templates", "messages", "en.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`\{\{num [^}]*\}\} bytes`).FindString(string(catalog)); m != "" {
		t.Errorf("en.txt counts bytes without plural: %s", m)
	}
}
