package tlsrec_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/internal/testenv"
)

func testenvTool(t testing.TB, name string) string { return testenv.NeedTool(t, name) }

const (
	fixturePcap   = "../../testdata/chromium-wss-tls13.pcap"
	fixtureKeylog = "../../testdata/chromium-wss-tls13.keylog"
)

// sortFrames orders frames by packet, then by direction-independent order
// within the packet (tshark lists a packet's frames in order).
func sortFrames(f []wsFrame) {
	slices.SortStableFunc(f, func(a, b wsFrame) int { return a.packet - b.packet })
}

// TestChromiumFixture decrypts the Chromium capture with the browser's key
// log and compares every WebSocket frame with tshark's.
func TestChromiumFixture(t *testing.T) {
	keys := readKeyLog(t, fixtureKeylog)
	if keys.Skipped() != 0 || keys.Connections() == 0 {
		t.Fatalf("key log: %v", keys)
	}
	var got []wsFrame
	var texts []string
	for _, c := range readConns(t, fixturePcap) {
		res := runConn(t, c, keys)
		info := res.info
		if info.Version != tlsrec.VersionTLS13 || tlsrec.SuiteName(info.CipherSuite) != "TLS_AES_128_GCM_SHA256" {
			t.Errorf("port %d: version %v suite %s", c.ports[0], info.Version, tlsrec.SuiteName(info.CipherSuite))
		}
		if !info.Decrypted || info.Fault != "" {
			t.Errorf("port %d: decrypted=%v fault=%q", c.ports[0], info.Decrypted, info.Fault)
		}
		if info.ServerName != "" {
			t.Errorf("SNI %q for an IP address", info.ServerName)
		}
		for _, r := range res.records {
			if r.Encrypted && !r.Decrypted {
				t.Errorf("port %d: %v not decrypted", c.ports[0], r)
			}
		}
		got = append(got, res.frames...)
		texts = append(texts, string(res.app[1]))
	}
	sortFrames(got)
	want := tsharkFrames(t, fixturePcap, fixtureKeylog, 9443)
	packets := map[int]bool{}
	for _, f := range want {
		packets[f.packet] = true
	}
	if len(packets) != 28 {
		t.Fatalf("tshark lists frames in %d packets, the fixture's README says 28", len(packets))
	}
	if !slices.Equal(got, want) {
		for i := range max(len(got), len(want)) {
			var g, w wsFrame
			if i < len(got) {
				g = got[i]
			}
			if i < len(want) {
				w = want[i]
			}
			if g != w {
				t.Errorf("frame %d: got %v, tshark %v", i, g, w)
			}
		}
	}
	all := strings.Join(texts, "")
	for _, s := range []string{`"content":"hi, all ！"`, "part-one,", "echo:yyyy", "see you"} {
		if !strings.Contains(all, s) {
			t.Errorf("decrypted server data lacks %q", s)
		}
	}
}

// TestChromiumFixtureWithoutKeys reads the same capture with no key log:
// the handshake in the clear, everything after it encrypted, no fault.
func TestChromiumFixtureWithoutKeys(t *testing.T) {
	for _, c := range readConns(t, fixturePcap) {
		res := runConn(t, c, nil)
		info := res.info
		if info.Version != tlsrec.VersionTLS13 || info.Decrypted || info.KeysFound || info.Fault != "" {
			t.Errorf("port %d: %+v", c.ports[0], info)
		}
		ch := info.ClientHello
		if ch == nil || !slices.Contains(ch.CipherSuites, 0x1301) || !slices.Contains(ch.Versions, tlsrec.VersionTLS13) || len(ch.KeyShares) == 0 {
			t.Fatalf("port %d: ClientHello %+v", c.ports[0], ch)
		}
		if !slices.Contains(ch.ALPN, "http/1.1") {
			t.Errorf("ALPN offered %q", ch.ALPN)
		}
		if len(res.frames) != 0 {
			t.Errorf("frames without keys")
		}
		for _, r := range res.records {
			if r.Encrypted && r.Plaintext != nil {
				t.Errorf("%v: plaintext without keys", r)
			}
		}
	}
}
