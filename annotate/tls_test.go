package annotate

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/internal/testenv"
)

const (
	wssPcap   = "../testdata/chromium-wss-tls13.pcap"
	wssKeylog = "../testdata/chromium-wss-tls13.keylog"
)

// wssFrame is a frame as "tshark -T fields" shows it: the packet, fin,
// rsv, opcode, mask key and 7-bit length field.
type wssFrame struct {
	packet      int
	fin         bool
	rsv, opcode uint8
	mask        string
	len7        uint64
}

func tsharkWSS(t *testing.T, pcap, keylog string, port int) []wssFrame {
	t.Helper()
	tshark := testenv.NeedTool(t, "tshark")
	out, err := exec.Command(tshark, "-r", pcap, "-o", "tls.keylog_file:"+keylog, "-d", fmt.Sprintf("tcp.port==%d,tls", port),
		"-Y", "websocket", "-T", "fields", "-e", "frame.number", "-e", "websocket.fin", "-e", "websocket.rsv",
		"-e", "websocket.opcode", "-e", "websocket.masking_key", "-e", "websocket.payload_length").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var frames []wssFrame
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "\t")
		var packet int
		fmt.Sscan(f[0], &packet)
		fins, rsvs, ops, lens := strings.Split(f[1], ","), strings.Split(f[2], ","), strings.Split(f[3], ","), strings.Split(f[5], ",")
		masks := strings.Split(f[4], ",")
		for i := range fins {
			w := wssFrame{packet: packet, fin: fins[i] == "1" || fins[i] == "True"}
			fmt.Sscanf(rsvs[i], "0x%x", &w.rsv)
			fmt.Sscan(ops[i], &w.opcode)
			fmt.Sscan(lens[i], &w.len7)
			if f[4] != "" {
				w.mask = masks[i]
			}
			frames = append(frames, w)
		}
	}
	return frames
}

func ourFrames(res *Result) []wssFrame {
	var out []wssFrame
	for _, f := range res.Frames {
		w := wssFrame{packet: f.Packet, fin: f.FIN, rsv: f.RSV, opcode: uint8(f.Opcode), len7: f.PayloadLength}
		if f.Masked {
			w.mask = fmt.Sprintf("%x", f.MaskKey)
		}
		switch f.LengthBits {
		case 16:
			w.len7 = 126
		case 64:
			w.len7 = 127
		}
		out = append(out, w)
	}
	slices.SortStableFunc(out, func(a, b wssFrame) int { return a.packet - b.packet })
	return out
}

func keyLog(t *testing.T, file string) *tlsrec.KeyLog {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	k, err := tlsrec.ParseKeyLog(f)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func annotateTLSFile(t *testing.T, file string, opts Options) *Result {
	t.Helper()
	r, err := capture.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := Annotate(r, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestTLSDecryptedMatchesTshark: with the browser's key log, the
// decrypted bytes go through the HTTP upgrade and WebSocket framing, and
// every frame (packet, fin, rsv, opcode, mask key, length) equals tshark's.
// Streaming (Options.Emit) gives the same frames.
func TestTLSDecryptedMatchesTshark(t *testing.T) {
	keys := keyLog(t, wssKeylog)
	res := annotateTLSFile(t, wssPcap, Options{KeyLog: keys})
	got, want := ourFrames(res), tsharkWSS(t, wssPcap, wssKeylog, 9443)
	if len(want) != 31 || !slices.Equal(got, want) {
		t.Fatalf("frames differ from tshark's:\n got %v\nwant %v", got, want)
	}
	for _, c := range res.Connections {
		tl := c.TLS
		if tl == nil || tl.Version != "1.3" || tl.CipherSuite != "TLS_AES_128_GCM_SHA256" || !tl.Decrypted || tl.Keys != "found" || tl.Fault != "" {
			t.Errorf("connection %d: TLS %+v", c.ID, tl)
		}
		if c.Upgrade == nil || !c.Upgrade.Succeeded || c.RoleBasis != "syn" {
			t.Errorf("connection %d: upgrade %+v, roles from %s", c.ID, c.Upgrade, c.RoleBasis)
		}
		// The second tab resumes the first one's session: no
		// certificate then.
		if (tl.Certificate == nil || tl.Certificate.Subject != "CN=localhost") != tl.Resumed {
			t.Errorf("connection %d: certificate %+v, resumed %v", c.ID, tl.Certificate, tl.Resumed)
		}
	}
	// The messages the browser logged are there, decrypted.
	var texts []string
	for _, m := range res.Messages {
		texts = append(texts, string(m.Data))
	}
	all := strings.Join(texts, "\n")
	for _, s := range []string{"hi, all ！", "part-one,part-two,part-three", "echo:yyyy"} {
		if !strings.Contains(all, s) {
			t.Errorf("no message with %q", s)
		}
	}
	phases := map[Phase]int{}
	for _, p := range res.Packets {
		phases[p.Phase]++
	}
	for _, ph := range []Phase{PhaseTLSClientHello, PhaseTLSServerHello, PhaseTLSHandshake, PhaseUpgradeRequest, PhaseWSData, PhaseWSControl} {
		if phases[ph] == 0 {
			t.Errorf("no packet of phase %s: %v", ph, phases)
		}
	}

	var streamed []*Frame
	a := New(Options{KeyLog: keys, Emit: func(r Record) error {
		if r.Kind == RecordFrame {
			streamed = append(streamed, r.Frame)
		}
		return nil
	}})
	rd, err := capture.OpenFile(wssPcap)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	for {
		p, err := rd.Next()
		if err != nil {
			break
		}
		a.Add(p)
	}
	a.Finish()
	if got := ourFrames(&Result{Frames: streamed}); !slices.Equal(got, want) {
		t.Errorf("streamed frames differ from tshark's:\n got %v\nwant %v", got, want)
	}
}

// TestTLSSecretsFromPcapng: the keys that editcap embeds in a pcapng file
// decrypt it without a key log option.
func TestTLSSecretsFromPcapng(t *testing.T) {
	editcap := testenv.NeedTool(t, "editcap")
	out := filepath.Join(t.TempDir(), "with-keys.pcapng")
	if b, err := exec.Command(editcap, "--inject-secrets", "tls,"+wssKeylog, wssPcap, out).CombinedOutput(); err != nil {
		t.Fatalf("editcap: %v\n%s", err, b)
	}
	res := annotateTLSFile(t, out, Options{})
	if want := tsharkWSS(t, wssPcap, wssKeylog, 9443); !slices.Equal(ourFrames(res), want) {
		t.Errorf("frames from the embedded keys differ from tshark's")
	}
}

// TestTLSWithoutKeys: the handshake explained from what is in clear text,
// the rest as encrypted records, no WebSocket and no fault.
func TestTLSWithoutKeys(t *testing.T) {
	res := annotateTLSFile(t, wssPcap, Options{})
	if len(res.Frames) != 0 || len(res.Messages) != 0 {
		t.Errorf("%d frames without keys", len(res.Frames))
	}
	for _, c := range res.Connections {
		tl := c.TLS
		if tl == nil || tl.Version != "1.3" || tl.Decrypted || tl.Keys != "none" || tl.Fault != "" || c.WebSocket {
			t.Errorf("connection %d: TLS %+v websocket %v", c.ID, tl, c.WebSocket)
		}
		if !slices.Equal(tl.OfferedALPN, []string{"http/1.1"}) || !slices.Contains(tl.OfferedVersions, "1.3") {
			t.Errorf("offered %v %v", tl.OfferedALPN, tl.OfferedVersions)
		}
	}
	likely := 0
	for _, p := range res.Packets {
		for _, r := range p.TLSRecords {
			if r.Encrypted && r.Plaintext != nil {
				t.Errorf("packet %d: plaintext without keys", p.Number)
			}
		}
		for _, e := range p.Events {
			if e.Kind == "tls-application-data" && e.Bool("likely_handshake") {
				likely++
			}
		}
	}
	// Each connection: EncryptedExtensions, Certificate,
	// CertificateVerify and Finished of the server.
	if likely != 8 {
		t.Errorf("%d records marked as the likely rest of the handshake, want 4 a connection", likely)
	}
}

// TestTLSWrongKeys: keys of the right connections but wrong values give a
// bad-record-mac fault on each direction and no plaintext.
func TestTLSWrongKeys(t *testing.T) {
	good, err := os.ReadFile(wssKeylog)
	if err != nil {
		t.Fatal(err)
	}
	var bad strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(good)), "\n") {
		f := strings.Fields(line)
		fmt.Fprintf(&bad, "%s %s %s\n", f[0], f[1], strings.Repeat("ab", len(f[2])/2))
	}
	keys, err := tlsrec.ParseKeyLog(strings.NewReader(bad.String()))
	if err != nil {
		t.Fatal(err)
	}
	res := annotateTLSFile(t, wssPcap, Options{KeyLog: keys})
	if len(res.Frames) != 0 {
		t.Errorf("%d frames with wrong keys", len(res.Frames))
	}
	faults := 0
	for _, p := range res.Packets {
		for _, e := range p.Events {
			if e.Kind == "tls-fault" {
				faults++
				if e.String("fault") != "bad-record-mac" {
					t.Errorf("packet %d: fault %q", p.Number, e.String("fault"))
				}
			}
		}
		for _, r := range p.TLSRecords {
			if r.Plaintext != nil && r.Encrypted {
				t.Errorf("packet %d: plaintext with wrong keys", p.Number)
			}
		}
	}
	if faults != 4 {
		t.Errorf("%d tls-fault events, want one a direction of each connection", faults)
	}
	for _, c := range res.Connections {
		if c.TLS.Fault != "bad-record-mac" || c.TLS.Keys != "found" || c.TLS.Decrypted {
			t.Errorf("connection %d: %+v", c.ID, c.TLS)
		}
	}
}

// dropSource hands out a capture's packets but those numbered in drop.
type dropSource struct {
	src  capture.Source
	drop map[int]bool
}

func (d *dropSource) Next() (*capture.Packet, error) {
	for {
		p, err := d.src.Next()
		if err != nil || !d.drop[p.Number] {
			return p, err
		}
	}
}

// TestTLSLoss loses packets that carry whole records of server data in the
// middle of a wss:// connection: the bytes are a gap, the records after it
// still decrypt (the sequence numbers of the lost records are skipped),
// and every later frame equals tshark's reading of the full capture.
func TestTLSLoss(t *testing.T) {
	want := tsharkWSS(t, wssPcap, wssKeylog, 9443)
	lost := map[int]bool{32: true, 40: true}
	r, err := capture.OpenFile(wssPcap)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	res, err := Annotate(&dropSource{src: r, drop: lost}, Options{KeyLog: keyLog(t, wssKeylog)})
	if err != nil {
		t.Fatal(err)
	}
	var wantLeft []wssFrame
	for _, f := range want {
		if !lost[f.packet] {
			wantLeft = append(wantLeft, f)
		}
	}
	if got := ourFrames(res); !slices.Equal(got, wantLeft) {
		t.Errorf("frames after the loss:\n got %v\nwant %v", got, wantLeft)
	}
	gaps := 0
	for _, p := range res.Packets {
		for _, e := range p.Events {
			if e.Kind == "tcp-gap" {
				gaps++
			}
			if e.Kind == "tls-fault" {
				t.Errorf("packet %d: %s", p.Number, e.String("fault"))
			}
		}
	}
	if gaps == 0 {
		t.Error("no tcp-gap event for the lost packets")
	}
}
