package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/testenv"
)

const (
	tlsPcap   = "../testdata/chromium-wss-tls13.pcap"
	tlsKeylog = "../testdata/chromium-wss-tls13.keylog"
)

// readAllSecrets reads every packet of a file and returns its secrets.
func readAllSecrets(t *testing.T, file string) ([]Secrets, int) {
	t.Helper()
	r, err := OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		_, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	return r.Secrets(), n
}

// TestSecretsFromEditcap reads the key log that editcap --inject-secrets
// embeds in a pcapng file.
func TestSecretsFromEditcap(t *testing.T) {
	editcap := testenv.NeedTool(t, "editcap")
	out := filepath.Join(t.TempDir(), "injected.pcapng")
	if b, err := exec.Command(editcap, "--inject-secrets", "tls,"+tlsKeylog, tlsPcap, out).CombinedOutput(); err != nil {
		t.Fatalf("editcap: %v\n%s", err, b)
	}
	keylog, err := os.ReadFile(tlsKeylog)
	if err != nil {
		t.Fatal(err)
	}
	secrets, packets := readAllSecrets(t, out)
	if packets == 0 {
		t.Fatalf("%d packets", packets)
	}
	if len(secrets) != 1 || secrets[0].Type != SecretsTLSKeyLog || !bytes.Equal(secrets[0].Data, keylog) {
		t.Fatalf("secrets: %d blocks", len(secrets))
	}
}

// TestWriteSecrets writes the key log into a pcapng file with the
// packets: tshark decrypts the file without being given a key log, and our
// reader reads the secrets back.
func TestWriteSecrets(t *testing.T) {
	tshark := testenv.NeedTool(t, "tshark")
	keylog, err := os.ReadFile(tlsKeylog)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "with-secrets.pcapng")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewNgWriter(f, NgWriterOptions{Application: "wstrace test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSecrets(SecretsTLSKeyLog, keylog); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(tlsPcap)
	if err != nil {
		t.Fatal(err)
	}
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	secrets, _ := readAllSecrets(t, out)
	if len(secrets) != 1 || !bytes.Equal(secrets[0].Data, keylog) {
		t.Fatalf("read back %d secrets blocks", len(secrets))
	}
	// No tls.keylog_file: the secrets come from the file.
	b, err := exec.Command(tshark, "-r", out, "-d", "tcp.port==9443,tls", "-Y", "websocket", "-T", "fields", "-e", "frame.number").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	if n := len(strings.Fields(string(b))); n != 28 {
		t.Errorf("tshark decrypts WebSocket frames in %d packets of our pcapng, want 28", n)
	}
}

// TestSecretsHostile: a secrets length beyond the block is an error naming
// the block; nothing is allocated for it.
func TestSecretsHostile(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewNgWriter(&buf, NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteSecrets(SecretsTLSKeyLog, []byte("CLIENT_RANDOM x y\n")); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// The secrets length follows the block header of the second block.
	shb := int(le.Uint32(b[4:8]))
	le.PutUint32(b[shb+12:], 0xfffffff0)
	r, err := NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Next()
	if err == nil || !strings.Contains(err.Error(), "Decryption Secrets Block") {
		t.Fatalf("err = %v", err)
	}
}
