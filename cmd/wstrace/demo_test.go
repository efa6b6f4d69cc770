package main

import (
	"bytes"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/internal/testenv"
)

// The messages the demo's browsers send, masked, and the text the server
// relays to both of them.
var (
	demoSent = []string{
		`{"type":"login","name":"listener"}`,
		`{"type":"login","name":"mynick"}`,
		`{"type":"say","to_uid":"all","content":"hi, all !"}`,
	}
	demoSayRelay  = `"content":"hi, all !"`
	demoLoginNote = `{"type":"login","uid":102,"name":"mynick"`
)

// TestDemo runs "wstrace demo --lang zh-TW -o demo.html", plain and with
// --deflate, and checks what the capture holds and the page shows: every
// phase from the first SYN to the last FIN, the browsers' masked messages
// unmasked (and inflated) to their exact text, the server's relays linked
// across the two connections, and an HTML page that shows every packet.
func TestDemo(t *testing.T) {
	testenv.NeedRoot(t)
	for _, deflate := range []bool{false, true} {
		name := map[bool]string{false: "plain", true: "deflate"}[deflate]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			pcapng, page := filepath.Join(dir, "demo.pcapng"), filepath.Join(dir, "demo.html")
			args := []string{"demo", "--addr", "127.0.0.1:0", "--pause", "5ms", "--lang", "zh-TW", "-o", page, "-w", pcapng}
			if deflate {
				args = append(args, "--deflate")
			}
			_, stderr, code := runCLI(t, nil, args...)
			if code != exitOK {
				t.Fatalf("wstrace %s: exit %d:\n%s", strings.Join(args, " "), code, stderr)
			}
			res := annotateFile(t, pcapng)
			checkDemo(t, res, deflate)
			checkDemoPage(t, page, res)
		})
	}
}

// annotateFile annotates a capture file.
func annotateFile(t *testing.T, path string) *annotate.Result {
	t.Helper()
	src, err := capture.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := annotate.Annotate(src, annotate.Options{})
	if err != nil {
		t.Fatalf("annotate %s: %v", path, err)
	}
	return res
}

// checkDemo checks the annotation of a capture of the demo.
func checkDemo(t *testing.T, res *annotate.Result, deflate bool) {
	t.Helper()
	if len(res.Connections) != 2 || len(res.Packets) == 0 {
		t.Fatalf("%d connections, %d packets; want the two browsers' connections", len(res.Connections), len(res.Packets))
	}
	for _, c := range res.Connections {
		if !c.HaveISN || c.Upgrade == nil || !c.Upgrade.Succeeded || !c.WebSocket {
			t.Errorf("connection %d: handshake seen %v, upgrade %+v, WebSocket %v", c.ID, c.HaveISN, c.Upgrade, c.WebSocket)
		}
		// Which of the three a run shows depends on timing: both sides'
		// FINs may cross on the wire (simultaneous close).
		if c.Teardown != "four-way" && c.Teardown != "three-way" && c.Teardown != "simultaneous" {
			t.Errorf("connection %d ended %q, want a FIN from each side", c.ID, c.Teardown)
		}
		if (c.Deflate != nil) != deflate {
			t.Errorf("connection %d: permessage-deflate %+v, want in use %v", c.ID, c.Deflate, deflate)
		}
	}

	// Every phase, in order on each connection: handshake, upgrade, frames,
	// teardown; nothing lost, reset or left unexplained.
	first, last := res.Packets[0], res.Packets[len(res.Packets)-1]
	if first.Phase != annotate.PhaseHandshake1 || !strings.Contains(first.Summary, "Flags [S],") {
		t.Errorf("first packet: %s (%s), want the first SYN", first.Phase, first.Summary)
	}
	if last.Phase != annotate.PhaseTeardown {
		t.Errorf("last packet: %s (%s), want the teardown's last ACK", last.Phase, last.Summary)
	}
	stage := map[annotate.Phase]int{
		annotate.PhaseHandshake1: 1, annotate.PhaseHandshake2: 2, annotate.PhaseHandshake3: 3,
		annotate.PhaseUpgradeRequest: 4, annotate.PhaseUpgradeResponse: 5,
		annotate.PhaseWSData: 6, annotate.PhaseWSControl: 6, annotate.PhaseTeardown: 7,
		annotate.PhaseAck: 0, annotate.PhaseWindowUpdate: 0,
		// A loaded machine may make the kernel send a segment again; that
		// is TCP at work, not a step of the scenario.
		annotate.PhaseRetransmission: 0, annotate.PhaseOutOfOrder: 0,
	}
	seen := map[annotate.Phase]int{}
	reached := map[int]int{}
	fins := 0
	for _, p := range res.Packets {
		seen[p.Phase]++
		s, ok := stage[p.Phase]
		if !ok {
			t.Errorf("packet %d: phase %s (%s)", p.Number, p.Phase, p.Summary)
			continue
		}
		if p.Conn == nil {
			t.Errorf("packet %d belongs to no connection", p.Number)
			continue
		}
		if s != 0 && s < reached[p.Conn.ID] {
			t.Errorf("packet %d: %s after connection %d reached a later phase", p.Number, p.Phase, p.Conn.ID)
		}
		reached[p.Conn.ID] = max(reached[p.Conn.ID], s)
		if e, ok := p.Event(annotate.EventTCPTeardown); ok && e.Bool("fin") {
			fins++
		}
	}
	if n := seen[annotate.PhaseRetransmission] + seen[annotate.PhaseOutOfOrder]; n > 0 {
		t.Logf("%d segments sent again or out of order (a loaded machine)", n)
	}
	for phase, s := range stage {
		if (s != 0 || phase == annotate.PhaseAck) && seen[phase] == 0 {
			t.Errorf("no packet in phase %s", phase)
		}
	}
	if fins != 4 {
		t.Errorf("%d FINs, want one from each side of both connections", fins)
	}

	// The browsers' messages, masked on the wire, recovered to their text.
	var sent, closes []*annotate.Message
	for _, m := range res.Messages {
		switch {
		case m.Opcode == 8:
			closes = append(closes, m)
		case m.From == annotate.Client:
			sent = append(sent, m)
		}
	}
	var texts []string
	for _, m := range sent {
		texts = append(texts, string(m.Data))
		if !m.Frames[0].Masked || m.Compressed != deflate || m.Incomplete || !m.Text {
			t.Errorf("message %q: masked %v, compressed %v, incomplete %v, text %v", m.Data, m.Frames[0].Masked, m.Compressed, m.Incomplete, m.Text)
		}
		for _, pi := range res.Packets {
			if pi.Number == m.Packet && bytes.Contains(pi.Packet.Data, m.Data) {
				t.Errorf("packet %d carries %q in the clear, not masked", pi.Number, m.Data)
			}
		}
	}
	if !slices.Equal(texts, demoSent) {
		t.Errorf("the browsers sent\n%s\nwant\n%s", strings.Join(texts, "\n"), strings.Join(demoSent, "\n"))
	}
	if len(closes) != 4 {
		t.Errorf("%d close frames, want one from each side of both connections", len(closes))
	}
	for _, m := range closes {
		if m.CloseCode != 1000 {
			t.Errorf("close frame in packet %d: code %d, want 1000", m.Packet, m.CloseCode)
		}
	}

	// The server relays mynick's login notice and the say to both browsers;
	// the later copy is linked to the earlier one on the other connection.
	for _, want := range []string{demoLoginNote, demoSayRelay} {
		var copies, linked int
		for _, m := range res.Messages {
			if m.From != annotate.Server || !strings.Contains(string(m.Data), want) {
				continue
			}
			copies++
			if r := m.RelayOf; r != nil {
				if r.Conn == m.Conn || !bytes.Equal(r.Data, m.Data) || !slices.Contains(r.Relays, m) {
					t.Errorf("message in packet %d relays packet %d: same connection %v, same data %v, listed %v",
						m.Packet, r.Packet, r.Conn == m.Conn, bytes.Equal(r.Data, m.Data), slices.Contains(r.Relays, m))
				}
				linked++
			}
		}
		if copies != 2 || linked != 1 {
			t.Errorf("%s: %d copies from the server, %d linked as a relay; want 2 and 1", want, copies, linked)
		}
	}
	t.Logf("%d packets, %d connections, %d messages; phases %v", len(res.Packets), len(res.Connections), len(res.Messages), seen)
}

// checkDemoPage checks that the HTML page shows every packet and the
// conversation, in Traditional Chinese.
func checkDemoPage(t *testing.T, path string, res *annotate.Result) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, want := range []string{`<html lang="zh-TW">`, "三向交握", "hi, all !", "mynick", "listener", "101 Switching Protocols"} {
		if !strings.Contains(page, want) {
			t.Errorf("%s does not contain %q", filepath.Base(path), want)
		}
	}
	// The whole conversation: every message, unmasked and inflated.
	for _, m := range res.Messages {
		if m.Text && !strings.Contains(page, html.EscapeString(string(m.Data))) {
			t.Errorf("%s does not show the message of packet %d: %s", filepath.Base(path), m.Packet, m.Data)
		}
	}
	for _, p := range res.Packets {
		if !strings.Contains(page, fmt.Sprintf(` id="p%d"`, p.Number)) {
			t.Errorf("%s has no anchor for packet %d", filepath.Base(path), p.Number)
		}
	}
	if strings.Contains(page, fmt.Sprintf(` id="p%d"`, len(res.Packets)+1)) {
		t.Errorf("%s has an anchor for packet %d of %d", filepath.Base(path), len(res.Packets)+1, len(res.Packets))
	}
}

// TestDemoUnprivileged runs the wstrace binary's demo as user nobody, who
// may not capture on the host: it says so, plays the demo inside a private
// user and network namespace, and still writes the capture and the page.
func TestDemoUnprivileged(t *testing.T) {
	// Interfaces the demo's loopback traffic never crosses are refused.
	for _, iface := range []string{"eth0", "nosuch0"} {
		_, stderr, code := runCLI(t, nil, "demo", "-i", iface, "-w", filepath.Join(t.TempDir(), "d.pcapng"))
		if code != exitUsage || !strings.Contains(stderr, "-i lo or -i any") {
			t.Errorf("demo -i %s: exit %d, %q; want exit 2 saying -i lo or -i any", iface, code, stderr)
		}
	}

	testenv.NeedRoot(t) // to become nobody
	if b, err := os.ReadFile("/proc/sys/user/max_user_namespaces"); err == nil && strings.TrimSpace(string(b)) == "0" {
		testenv.Missing(t, "this system forbids user namespaces (user.max_user_namespaces=0)")
	}
	exe := wstraceBinary(t)
	dir := testenv.PublicTempDir(t)
	cmd := exec.Command(exe, "demo", "--pause", "5ms", "--lang", "en", "-w", "demo.pcapng", "-o", "demo.md")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wstrace demo as nobody: %v\n%s", err, out)
	}
	for _, want := range []string{"CAP_NET_RAW", "private user and network namespace", "page written to demo.md"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("wstrace demo as nobody does not say %q:\n%s", want, out)
		}
	}
	// What the demo does comes first, not a message that reads as a failure.
	if first, _, _ := strings.Cut(string(out), "\n"); strings.Contains(first, "needs root") && !strings.Contains(first, "playing the demo inside") {
		t.Errorf("the first line reads as a failure: %s", first)
	}
	if strings.Index(string(out), "playing the demo inside") > strings.Index(string(out), "CAP_NET_RAW") {
		t.Errorf("the demo says it may not capture before it says what it does:\n%s", out)
	}
	res := annotateFile(t, filepath.Join(dir, "demo.pcapng"))
	checkDemo(t, res, false)
	page, err := os.ReadFile(filepath.Join(dir, "demo.md"))
	if err != nil || !bytes.Contains(page, []byte("hi, all !")) {
		t.Errorf("demo.md (%d bytes, %v) does not show the say", len(page), err)
	}
}
