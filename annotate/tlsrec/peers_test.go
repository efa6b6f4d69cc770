package tlsrec_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/internal/testenv"
)

// The peer tests capture real TLS peers on loopback with tcpdump, each
// suite forced by the server's configuration, and check that every
// WebSocket frame decrypted here equals what tshark decrypts from the same
// capture and key log.

// selfSigned returns a certificate for 127.0.0.1 made now.
func selfSigned(t testing.TB) (tls.Certificate, []byte, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "wstrace test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return c, certPEM, keyPEM
}

// rsaSelfSigned returns an RSA certificate, for the ECDHE_RSA suites.
func rsaSelfSigned(t testing.TB) tls.Certificate {
	t.Helper()
	dir := t.TempDir()
	openssl := testenv.NeedTool(t, "openssl")
	out, err := exec.Command(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
		"-subj", "/CN=wstrace test", "-keyout", filepath.Join(dir, "k.pem"), "-out", filepath.Join(dir, "c.pem")).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl req: %v\n%s", err, out)
	}
	c, err := tls.LoadX509KeyPair(filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// capturing starts tcpdump on loopback for the TCP port and returns the
// file it writes and a function that stops it.
func capturing(t testing.TB, port int) (string, func()) {
	t.Helper()
	testenv.NeedRoot(t)
	file := filepath.Join(t.TempDir(), "c.pcap")
	p := testenv.StartTcpdump(t, "-i", "lo", "-U", "-w", file, fmt.Sprintf("tcp port %d", port))
	return file, func() { testenv.StopTcpdump(t, p) }
}

// session is the messages each test client sends; the server echoes each.
var session = []struct {
	typ websocket.MessageType
	msg []byte
}{
	{websocket.MessageText, []byte(`{"type":"login","name":"mynick"}`)},
	{websocket.MessageText, []byte("hi, all ！")},
	{websocket.MessageBinary, []byte{0, 1, 2, 3, 0xff, 0xfe, '\n', '\r'}},
	{websocket.MessageText, bytes.Repeat([]byte("x"), 70000)}, // several records
	{websocket.MessageText, bytes.Repeat([]byte("y"), 300)},
}

// runClient dials url with the TLS config, sends the session and checks the
// echoes, then closes with 1000.
func runClient(t testing.TB, url string, cfg *tls.Config) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{HTTPClient: hc})
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	for _, m := range session {
		if err := c.Write(ctx, m.typ, m.msg); err != nil {
			t.Fatal(err)
		}
		typ, got, err := c.Read(ctx)
		if err != nil || typ != m.typ || !bytes.Equal(got, m.msg) {
			t.Fatalf("echo of %d bytes: %v, %d bytes", len(m.msg), err, len(got))
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, "see you"); err != nil {
		t.Fatal(err)
	}
}

// goEchoServer serves WebSocket echo over TLS on 127.0.0.1.
func goEchoServer(t testing.TB, cfg *tls.Config) (port int) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(1 << 20)
		for {
			typ, msg, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if err := c.Write(r.Context(), typ, msg); err != nil {
				return
			}
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().(*net.TCPAddr).Port
}

// checkCapture decrypts the capture with the key log and compares its
// WebSocket frames with tshark's.
func checkCapture(t *testing.T, pcap, keylog string, port int, version tlsrec.Version, suite string) []*tlsrec.Info {
	t.Helper()
	var infos []*tlsrec.Info
	keys := readKeyLog(t, keylog)
	var got []wsFrame
	conns := readConns(t, pcap)
	if len(conns) == 0 {
		t.Fatal("no connection captured")
	}
	big := 0
	for _, c := range conns {
		res := runConn(t, c, keys)
		if res.info.ServerHello == nil {
			continue // a browser's spare connection, never used
		}
		if !res.info.KeysFound && res.info.Records[tlsrec.FromClient] <= 1 {
			// A browser's spare connection, abandoned after its
			// ClientHello: the browser never took the server's first flight
			// in, so it made (and logged) no secrets for it.
			if res.info.Decrypted || res.info.Fault != "" {
				t.Errorf("abandoned handshake: decrypted=%v fault=%q", res.info.Decrypted, res.info.Fault)
			}
			continue
		}
		infos = append(infos, res.info)
		if res.info.Version != version || tlsrec.SuiteName(res.info.CipherSuite) != suite {
			t.Errorf("negotiated %v %s, want %v %s", res.info.Version, tlsrec.SuiteName(res.info.CipherSuite), version, suite)
		}
		if !res.info.Decrypted || res.info.Fault != "" {
			t.Errorf("decrypted=%v fault=%q keys=%v records=%v decrypted=%v", res.info.Decrypted, res.info.Fault, res.info.KeysFound, res.info.Records, res.info.DecryptedRecords)
		}
		for _, r := range res.records {
			if r.Encrypted && !r.Decrypted {
				t.Errorf("%v not decrypted", r)
			}
		}
		got = append(got, res.frames...)
		// The server's echo of the 70000-byte message spans records.
		if bytes.Contains(res.app[tlsrec.FromServer], bytes.Repeat([]byte("x"), 70000)) {
			big++
		}
	}
	if big != 1 {
		t.Errorf("%d connections carry the 70000-byte echo, want 1", big)
	}
	sortFrames(got)
	want := tsharkFrames(t, pcap, keylog, uint16(port))
	if len(want) < 2*len(session) {
		t.Fatalf("tshark decrypted only %d frames", len(want))
	}
	if !slices.Equal(got, want) {
		t.Errorf("frames differ from tshark's:\n got %v\nwant %v", got, want)
	}
	return infos
}

// TestGoPeers: Go's crypto/tls on both ends, TLS 1.3 and each TLS 1.2 suite.
func TestGoPeers(t *testing.T) {
	testenv.NeedTool(t, "tshark")
	testenv.NeedRoot(t)
	ecCert, _, _ := selfSigned(t)
	rsaCert := rsaSelfSigned(t)
	cases := []struct {
		version uint16
		suite   uint16
		rsa     bool
		hrr     bool // the server wants a group the client sent no key share for
	}{
		{tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, false, false},
		{tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, false, true},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, false, false},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, true, false},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, false, false},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, true, false},
		{tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, false, false},
		{tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, true, false},
	}
	for _, tc := range cases {
		name := tlsrec.SuiteName(tc.suite)
		sub := name
		if tc.hrr {
			sub += "/HelloRetryRequest"
		}
		t.Run(sub, func(t *testing.T) {
			keylog := filepath.Join(t.TempDir(), "keylog")
			kf, err := os.Create(keylog)
			if err != nil {
				t.Fatal(err)
			}
			defer kf.Close()
			cert := ecCert
			if tc.rsa {
				cert = rsaCert
			}
			scfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tc.version, MaxVersion: tc.version}
			if tc.version == tls.VersionTLS12 {
				scfg.CipherSuites = []uint16{tc.suite}
			}
			if tc.hrr {
				// Go's client sends key shares for X25519MLKEM768 and
				// X25519 only: asking for P-384 takes a retry.
				scfg.CurvePreferences = []tls.CurveID{tls.CurveP384}
			}
			port := goEchoServer(t, scfg)
			pcap, stop := capturing(t, port)
			ccfg := &tls.Config{InsecureSkipVerify: true, KeyLogWriter: kf, MinVersion: tc.version, MaxVersion: tc.version,
				CipherSuites: []uint16{tc.suite}}
			runClient(t, fmt.Sprintf("wss://127.0.0.1:%d/", port), ccfg)
			stop()
			v := tlsrec.VersionTLS12
			if tc.version == tls.VersionTLS13 {
				v = tlsrec.VersionTLS13
			}
			infos := checkCapture(t, pcap, keylog, port, v, name)
			for _, info := range infos {
				if info.RetryRequest != tc.hrr {
					t.Errorf("HelloRetryRequest seen: %v, want %v", info.RetryRequest, tc.hrr)
				}
				if tc.hrr && tlsrec.GroupName(info.ServerHello.KeyShare) != "secp384r1" {
					t.Errorf("key share %s after the retry", tlsrec.GroupName(info.ServerHello.KeyShare))
				}
				// TLS 1.2 shows the certificate to anyone; TLS 1.3 only
				// once decrypted.
				if len(info.Certificates) == 0 || info.Certificates[0].Subject != "CN=wstrace test" {
					t.Errorf("certificates %+v", info.Certificates)
				}
				if tc.version == tls.VersionTLS12 && (info.KeyExchange == nil || info.KeyExchange.PublicLen == 0) {
					t.Errorf("no ServerKeyExchange")
				}
			}
		})
	}
}

// nodeWS returns the directory of the npm ws package that .ci/run installs
// into .cache/npm at the module root, or skips the test.
func nodeWS(t testing.TB) string {
	t.Helper()
	testenv.NeedTool(t, "node")
	for _, rel := range []string{"../../.cache/npm/node_modules/ws", "../app/testdata/peers/node_modules/ws"} {
		dir, err := filepath.Abs(rel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
			return dir
		}
	}
	testenv.Missing(t, "the npm ws package is not installed: npm install --prefix .cache/npm ws@8 (at the module root)")
	return ""
}

const nodeServer = `
const https = require('https'), fs = require('fs');
const { WebSocketServer } = require(process.argv[2]);
const [cert, key, keylog, minV, maxV, ciphers, page] = process.argv.slice(3);
const opts = { cert: fs.readFileSync(cert), key: fs.readFileSync(key), minVersion: minV, maxVersion: maxV };
if (ciphers) opts.ciphers = ciphers;
const server = https.createServer(opts, (req, res) => {
  if (page && req.url === '/') { res.writeHead(200, { 'content-type': 'text/html' }); res.end(fs.readFileSync(page)); return; }
  res.writeHead(404); res.end();
});
if (keylog) server.on('keylog', line => fs.appendFileSync(keylog, line));
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 1 << 20 });
wss.on('connection', ws => {
  ws.on('message', (d, bin) => ws.send(d, { binary: bin }));
  ws.on('close', code => console.error('closed ' + code));
});
server.listen(0, '127.0.0.1', () => console.error('listening on ' + server.address().port));
`

// TestNodePeers: Node's https server with the npm ws package forcing the
// TLS 1.3 suites Go's server does not let one choose, and a Go client.
func TestNodePeers(t *testing.T) {
	testenv.NeedTool(t, "tshark")
	testenv.NeedRoot(t)
	ws := nodeWS(t)
	_, certPEM, keyPEM := selfSigned(t)
	dir := t.TempDir()
	for name, b := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM, "server.js": []byte(nodeServer)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		version, ciphers, suite string
	}{
		{"TLSv1.3", "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384"},
		{"TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256"},
		{"TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
	}
	for _, tc := range cases {
		t.Run(tc.suite, func(t *testing.T) {
			keylog := filepath.Join(t.TempDir(), "keylog")
			p := testenv.Start(t, dir, "listening on", "node", filepath.Join(dir, "server.js"), ws,
				filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), keylog, tc.version, tc.version, tc.ciphers, "")
			var port int
			fmt.Sscanf(p.Stderr()[strings.Index(p.Stderr(), "listening on ")+len("listening on "):], "%d", &port)
			pcap, stop := capturing(t, port)
			runClient(t, fmt.Sprintf("wss://127.0.0.1:%d/", port), &tls.Config{InsecureSkipVerify: true})
			stop()
			v := tlsrec.VersionTLS13
			if tc.version == "TLSv1.2" {
				v = tlsrec.VersionTLS12
			}
			checkCapture(t, pcap, keylog, port, v, tc.suite)
		})
	}
}

// TestOpenSSLKeyUpdate: OpenSSL's s_client sends KeyUpdate ("k") and asks
// the server to update too ("K"); every record after it must still
// decrypt, and the server's echo must come back in the clear.
// The same test with TLS 1.2 and a CBC suite between s_client and
// s_server covers encrypt_then_mac, which OpenSSL negotiates by default.
func TestOpenSSLPeers(t *testing.T) {
	testenv.NeedRoot(t)
	openssl := testenv.NeedTool(t, "openssl")
	_, certPEM, keyPEM := selfSigned(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600)
	cases := []struct {
		name, suite string
		args        []string
		keyUpdates  int
		lines       []string
	}{
		// "k" updates the client's keys; "K" the client's and, on
		// request, the server's.
		{"keyupdate", "TLS_AES_128_GCM_SHA256", []string{"-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"}, 3,
			[]string{"hello before\n", "k\n", "after k\n", "K\n", "after K\n"}},
		{"etm-cbc", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"}, 0,
			[]string{"hello before\n", "after k\n", "after K\n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := ln.Addr().(*net.TCPAddr).Port
			ln.Close()
			srv := exec.Command(openssl, append([]string{"s_server", "-accept", fmt.Sprint(port), "-cert", "cert.pem", "-key", "key.pem", "-rev", "-naccept", "1"}, tc.args...)...)
			srv.Dir = dir
			var srvOut bytes.Buffer
			srv.Stdout, srv.Stderr = &srvOut, &srvOut
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Process.Kill()
			for i := 0; i < 50; i++ {
				if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
					c.Close()
					break
				}
				time.Sleep(100 * time.Millisecond)
			}
			// The probe above used the server's one accept: start again.
			srv.Wait()
			srv = exec.Command(openssl, append([]string{"s_server", "-accept", fmt.Sprint(port), "-cert", "cert.pem", "-key", "key.pem", "-rev", "-naccept", "1"}, tc.args...)...)
			srv.Dir = dir
			srv.Stdout, srv.Stderr = &srvOut, &srvOut
			pcap, stop := capturing(t, port)
			if err := srv.Start(); err != nil {
				t.Fatal(err)
			}
			defer srv.Process.Kill()
			time.Sleep(300 * time.Millisecond)
			keylog := filepath.Join(dir, tc.name+".keylog")
			cl := exec.Command(openssl, append([]string{"s_client", "-connect", fmt.Sprintf("127.0.0.1:%d", port), "-keylogfile", keylog}, tc.args...)...)
			in, _ := cl.StdinPipe()
			var out bytes.Buffer
			cl.Stdout, cl.Stderr = &out, &out
			if err := cl.Start(); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, line := range tc.lines {
					time.Sleep(300 * time.Millisecond)
					io.WriteString(in, line)
				}
				time.Sleep(time.Second)
				in.Close()
			}()
			wg.Wait()
			done := make(chan error, 1)
			go func() { done <- cl.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cl.Process.Kill()
			}
			stop()
			keys := readKeyLog(t, keylog)
			conns := readConns(t, pcap)
			if len(conns) != 1 {
				t.Fatalf("%d connections captured\n%s\n%s", len(conns), out.String(), srvOut.String())
			}
			res := runConn(t, conns[0], keys)
			if tlsrec.SuiteName(res.info.CipherSuite) != tc.suite || res.info.Fault != "" || !res.info.Decrypted {
				t.Fatalf("suite %s fault %q decrypted %v", tlsrec.SuiteName(res.info.CipherSuite), res.info.Fault, res.info.Decrypted)
			}
			for _, r := range res.records {
				if r.Encrypted && !r.Decrypted {
					t.Errorf("%v not decrypted", r)
				}
			}
			if testing.Verbose() {
				for _, r := range res.records {
					t.Logf("%v %v %v %q", r, r.Inner, r.Messages, r.Plaintext)
				}
			}
			if tc.name == "etm-cbc" && !res.info.ServerHello.EncryptThenMAC {
				t.Errorf("encrypt_then_mac not negotiated: the test does not cover it")
			}
			if res.info.KeyUpdates != tc.keyUpdates {
				t.Errorf("%d KeyUpdates, want %d", res.info.KeyUpdates, tc.keyUpdates)
			}
			// s_server -rev sends each line back reversed.
			for _, want := range []string{"erofeb olleh", "k retfa", "K retfa"} {
				if !bytes.Contains(res.app[tlsrec.FromServer], []byte(want)) {
					t.Errorf("server data %q lacks %q", res.app[tlsrec.FromServer], want)
				}
			}
		})
	}
}

// chromiumPage is what the browser runs: the test session over wss://,
// each message sent once the echo of the one before came back.
const chromiumPage = `<!doctype html><title>wss</title><script>
const ws = new WebSocket('wss://' + location.host + '/');
ws.binaryType = 'arraybuffer';
const msgs = ['{"type":"login","name":"mynick"}', 'hi, all \uff01', new Uint8Array([0, 1, 2, 3, 255, 254, 10, 13]),
  'x'.repeat(70000), 'y'.repeat(300)];
let i = 0;
function next() { if (i < msgs.length) ws.send(msgs[i++]); else ws.close(1000, 'see you'); }
ws.onopen = next;
ws.onmessage = next;
</script>`

// TestChromiumPeers: Chromium, with SSLKEYLOGFILE, against Node's https
// server with the npm ws package forcing each suite Chromium offers, TLS
// 1.3 and 1.2. Every WebSocket frame equals tshark's.
func TestChromiumPeers(t *testing.T) {
	testenv.NeedTool(t, "tshark")
	testenv.NeedRoot(t)
	chromium := testenv.NeedTool(t, "chromium")
	ws := nodeWS(t)
	_, certPEM, keyPEM := selfSigned(t)
	dir := t.TempDir()
	rsaDir := t.TempDir()
	openssl := testenv.NeedTool(t, "openssl")
	if out, err := exec.Command(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=wstrace test",
		"-keyout", filepath.Join(rsaDir, "key.pem"), "-out", filepath.Join(rsaDir, "cert.pem")).CombinedOutput(); err != nil {
		t.Fatalf("openssl req: %v\n%s", err, out)
	}
	for name, b := range map[string][]byte{"cert.pem": certPEM, "key.pem": keyPEM, "server.js": []byte(nodeServer), "page.html": []byte(chromiumPage)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		version, ciphers, suite string
		rsa                     bool
	}{
		{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256", false},
		{"TLSv1.3", "TLS_AES_256_GCM_SHA384", "TLS_AES_256_GCM_SHA384", false},
		{"TLSv1.3", "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", false},
		{"TLSv1.2", "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", false},
		{"TLSv1.2", "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", false},
		{"TLSv1.2", "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", false},
		{"TLSv1.2", "ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", true},
		{"TLSv1.2", "ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", true},
	}
	for _, tc := range cases {
		t.Run(tc.suite, func(t *testing.T) {
			keylog := filepath.Join(t.TempDir(), "keylog")
			certDir := dir
			if tc.rsa {
				certDir = rsaDir
			}
			ciphers := tc.ciphers
			if tc.version == "TLSv1.3" {
				ciphers += ":ECDHE-ECDSA-AES128-GCM-SHA256"
			}
			p := testenv.Start(t, dir, "listening on", "node", filepath.Join(dir, "server.js"), ws,
				filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem"), "", tc.version, tc.version, ciphers, filepath.Join(dir, "page.html"))
			var port int
			fmt.Sscanf(p.Stderr()[strings.Index(p.Stderr(), "listening on ")+len("listening on "):], "%d", &port)
			pcap, stop := capturing(t, port)
			profile := t.TempDir()
			os.Chmod(profile, 0o777)
			cmd := exec.Command(chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors",
				"--no-first-run", "--disable-extensions", "--disable-background-networking", "--user-data-dir="+profile,
				fmt.Sprintf("https://127.0.0.1:%d/", port))
			cmd.Env = append(os.Environ(), "SSLKEYLOGFILE="+keylog)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			go func() { cmd.Wait(); close(exited) }()
			defer func() { cmd.Process.Kill(); <-exited }()
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(p.Stderr(), "closed 1000") {
				if time.Now().After(deadline) {
					t.Fatalf("the browser's session did not end:\n%s", p.Stderr())
				}
				time.Sleep(200 * time.Millisecond)
			}
			// Chromium writes its key log as connections finish their
			// handshakes, a spare connection's too; it is complete only once
			// the browser has shut down.
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-exited:
			case <-time.After(15 * time.Second):
				t.Log("chromium did not exit within 15 s of SIGTERM")
			}
			stop()
			v := tlsrec.VersionTLS13
			if tc.version == "TLSv1.2" {
				v = tlsrec.VersionTLS12
			}
			checkCapture(t, pcap, keylog, port, v, tc.suite)
		})
	}
}
