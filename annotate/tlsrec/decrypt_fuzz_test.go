package tlsrec

import (
	"bytes"
	"testing"
)

// FuzzDecrypt opens arbitrary records with each kind of record protection:
// TLS 1.3 AEAD, TLS 1.2 GCM, ChaCha20-Poly1305, CBC with and without
// encrypt_then_mac. It must never panic, and never return plaintext for a
// record that does not authenticate.
func FuzzDecrypt(f *testing.F) {
	secret := bytes.Repeat([]byte{7}, 48)
	var cr, sr [32]byte
	var ciphers []*recordCipher
	for _, id := range []uint16{0x1301, 0x1302, 0x1303} {
		c, err := newCipher13(suites[id], secret[:suites[id].hash.Size()])
		if err != nil {
			f.Fatal(err)
		}
		ciphers = append(ciphers, c)
	}
	for _, id := range []uint16{0xc02b, 0xc030, 0xcca8, 0xc013, 0xc027, 0xc028} {
		c, s, err := ciphers12(suites[id], secret, cr, sr)
		if err != nil {
			f.Fatal(err)
		}
		ciphers = append(ciphers, c, s)
		if suites[id].kind == kindCBC {
			e, _, _ := ciphers12(suites[id], secret, cr, sr)
			e.etm = true
			ciphers = append(ciphers, e)
		}
	}
	f.Add([]byte{23, 3, 3, 0, 40}, bytes.Repeat([]byte{1}, 40), uint8(0))
	f.Add([]byte{23, 3, 3, 0, 64}, bytes.Repeat([]byte{0x0f}, 64), uint8(6))
	f.Fuzz(func(t *testing.T, hdr, body []byte, which uint8) {
		if len(hdr) < HeaderLen || len(body) > MaxRecordBody {
			return
		}
		c := ciphers[int(which)%len(ciphers)]
		seq := c.seq
		_, plain, err := c.decrypt(hdr[:HeaderLen], body)
		if err != nil && (plain != nil || c.seq != seq) {
			t.Fatalf("failed record: plaintext or sequence moved")
		}
		c.seq = 0
	})
}
