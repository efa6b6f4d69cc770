package tlsrec

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"

	"golang.org/x/crypto/chacha20poly1305"

	_ "crypto/sha1" // HMAC-SHA1 of CBC suites
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Decryption errors. Each is a Fault when it happens to a record.
var (
	errBadMAC      = errors.New("authentication failed")
	errBadPadding  = errors.New("bad padding")
	errShort       = errors.New("record too short for its protection")
	errNoInnerType = errors.New("no content type in the decrypted record")
)

// recordCipher decrypts the records of one direction in one epoch.
type recordCipher struct {
	version Version // VersionTLS12 or VersionTLS13
	kind    cipherKind
	aead    cipher.AEAD
	iv      []byte // TLS 1.3 and ChaCha20: 12-byte static IV; TLS 1.2 GCM: 4-byte salt
	block   cipher.Block
	mac     crypto.Hash
	macKey  []byte
	seq     uint64
	etm     bool      // CBC: encrypt_then_mac (RFC 7366)
	hmac    hash.Hash // reused HMAC of CBC suites
	nonce   [12]byte
	aad     [13]byte
}

// newCipher13 returns the cipher of a TLS 1.3 traffic secret.
func newCipher13(s suite, secret []byte) (*recordCipher, error) {
	key, err := expandLabel(s.hash, secret, "key", nil, s.keyLen)
	if err != nil {
		return nil, err
	}
	iv, err := expandLabel(s.hash, secret, "iv", nil, 12)
	if err != nil {
		return nil, err
	}
	c := &recordCipher{version: VersionTLS13, kind: s.kind, iv: iv}
	c.aead, err = newAEAD(s.kind, key)
	return c, err
}

// nextSecret13 returns the traffic secret after a KeyUpdate.
func nextSecret13(s suite, secret []byte) ([]byte, error) {
	return expandLabel(s.hash, secret, "traffic upd", nil, s.hash.Size())
}

// expandLabel is HKDF-Expand-Label of RFC 8446 section 7.1.
func expandLabel(h crypto.Hash, secret []byte, label string, context []byte, length int) ([]byte, error) {
	info := make([]byte, 0, 4+6+len(label)+len(context))
	info = binary.BigEndian.AppendUint16(info, uint16(length))
	info = append(info, byte(6+len(label)))
	info = append(info, "tls13 "...)
	info = append(info, label...)
	info = append(info, byte(len(context)))
	info = append(info, context...)
	return hkdf.Expand(h.New, secret, string(info), length)
}

func newAEAD(kind cipherKind, key []byte) (cipher.AEAD, error) {
	switch kind {
	case kindGCM:
		b, err := aes.NewCipher(key)
		if err != nil {
			return nil, err
		}
		return cipher.NewGCM(b)
	case kindChaCha:
		return chacha20poly1305.New(key)
	}
	return nil, errors.New("not an AEAD suite")
}

// ciphers12 returns the client's and the server's ciphers of a TLS 1.2
// connection from its master secret and randoms (RFC 5246 section 6.3).
func ciphers12(s suite, master []byte, clientRandom, serverRandom [32]byte) (client, server *recordCipher, err error) {
	var macLen, ivLen int
	switch s.kind {
	case kindCBC:
		macLen = s.mac.Size()
	case kindGCM:
		ivLen = 4
	case kindChaCha:
		ivLen = 12
	default:
		return nil, nil, errors.New("suite not supported")
	}
	seed := make([]byte, 0, 64)
	seed = append(seed, serverRandom[:]...)
	seed = append(seed, clientRandom[:]...)
	kb := prf12(s.hash, master, "key expansion", seed, 2*(macLen+s.keyLen+ivLen))
	cMAC, kb := kb[:macLen], kb[macLen:]
	sMAC, kb := kb[:macLen], kb[macLen:]
	cKey, kb := kb[:s.keyLen], kb[s.keyLen:]
	sKey, kb := kb[:s.keyLen], kb[s.keyLen:]
	cIV, sIV := kb[:ivLen], kb[ivLen:]
	mk := func(key, macKey, iv []byte) (*recordCipher, error) {
		c := &recordCipher{version: VersionTLS12, kind: s.kind, iv: iv, mac: s.mac, macKey: macKey}
		var err error
		if s.kind == kindCBC {
			c.block, err = aes.NewCipher(key)
			c.hmac = hmac.New(s.mac.New, macKey)
		} else {
			c.aead, err = newAEAD(s.kind, key)
		}
		return c, err
	}
	if client, err = mk(cKey, cMAC, cIV); err != nil {
		return nil, nil, err
	}
	server, err = mk(sKey, sMAC, sIV)
	return client, server, err
}

// prf12 is the TLS 1.2 PRF, P_hash with the suite's hash (RFC 5246 section 5).
func prf12(h crypto.Hash, secret []byte, label string, seed []byte, n int) []byte {
	ls := append([]byte(label), seed...)
	mac := hmac.New(h.New, secret)
	out := make([]byte, 0, n+h.Size())
	a := ls
	for len(out) < n {
		mac.Reset()
		mac.Write(a)
		a = mac.Sum(nil)
		mac.Reset()
		mac.Write(a)
		mac.Write(ls)
		out = mac.Sum(out)
	}
	return out[:n]
}

// decrypt opens one record with header hdr (5 bytes) and body, and returns
// its content type and plaintext. It advances the sequence number only on
// success, so that a failed record does not spoil the next one.
func (c *recordCipher) decrypt(hdr, body []byte) (ContentType, []byte, error) {
	typ := ContentType(hdr[0])
	var plain []byte
	var err error
	switch {
	case c.version == VersionTLS13:
		plain, err = c.openAEAD(hdr, body, nil)
		if err != nil {
			return 0, nil, err
		}
		i := len(plain) - 1
		for i >= 0 && plain[i] == 0 {
			i--
		}
		if i < 0 {
			return 0, nil, errNoInnerType
		}
		typ, plain = ContentType(plain[i]), plain[:i]
	case c.kind == kindCBC:
		plain, err = c.openCBC(hdr, body)
	default:
		plain, err = c.open12(hdr, body)
	}
	if err != nil {
		return 0, nil, err
	}
	c.seq++
	return typ, plain, nil
}

// openAEAD opens body with the nonce IV xor sequence number and the
// additional data aad (the record header in TLS 1.3).
func (c *recordCipher) openAEAD(aad, body, explicit []byte) ([]byte, error) {
	if len(body) < c.aead.Overhead() {
		return nil, errShort
	}
	nonce := c.nonce[:c.aead.NonceSize()]
	if explicit != nil { // TLS 1.2 GCM: salt || explicit nonce
		copy(nonce, c.iv)
		copy(nonce[4:], explicit)
	} else {
		copy(nonce, c.iv)
		var seq [8]byte
		binary.BigEndian.PutUint64(seq[:], c.seq)
		for i := range seq {
			nonce[len(nonce)-8+i] ^= seq[i]
		}
	}
	plain, err := c.aead.Open(nil, nonce, body, aad)
	if err != nil {
		return nil, errBadMAC
	}
	return plain, nil
}

// aad12 fills the TLS 1.2 additional data: sequence number, type, version
// and plaintext length.
func (c *recordCipher) aad12(hdr []byte, n int) []byte {
	binary.BigEndian.PutUint64(c.aad[:8], c.seq)
	copy(c.aad[8:11], hdr[:3])
	binary.BigEndian.PutUint16(c.aad[11:], uint16(n))
	return c.aad[:]
}

// open12 opens a TLS 1.2 AEAD record (RFC 5288, RFC 7905).
func (c *recordCipher) open12(hdr, body []byte) ([]byte, error) {
	var explicit []byte
	if c.kind == kindGCM {
		if len(body) < 8+16 {
			return nil, errShort
		}
		explicit, body = body[:8], body[8:]
	}
	if len(body) < c.aead.Overhead() {
		return nil, errShort
	}
	return c.openAEAD(c.aad12(hdr, len(body)-c.aead.Overhead()), body, explicit)
}

// openCBC opens a TLS 1.2 CBC record: explicit IV, then the encrypted
// content, MAC and padding (RFC 5246 section 6.2.3.2).
func (c *recordCipher) openCBC(hdr, body []byte) ([]byte, error) {
	bs := c.block.BlockSize()
	macLen := c.mac.Size()
	if c.etm {
		return c.openEtM(hdr, body)
	}
	if len(body) < bs+bs || len(body)%bs != 0 || len(body)-bs < macLen+1 {
		return nil, errShort
	}
	iv, ct := body[:bs], body[bs:]
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(c.block, iv).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad+1+macLen > len(plain) {
		return nil, errBadPadding
	}
	for _, b := range plain[len(plain)-1-pad:] {
		if int(b) != pad {
			return nil, errBadPadding
		}
	}
	content := plain[:len(plain)-1-pad-macLen]
	got := plain[len(content) : len(content)+macLen]
	c.hmac.Reset()
	c.hmac.Write(c.aad12(hdr, len(content)))
	c.hmac.Write(content)
	if subtle.ConstantTimeCompare(c.hmac.Sum(nil), got) != 1 {
		return nil, errBadMAC
	}
	return content, nil
}

// openEtM opens a CBC record with encrypt_then_mac: the MAC covers the IV
// and ciphertext and follows them (RFC 7366).
func (c *recordCipher) openEtM(hdr, body []byte) ([]byte, error) {
	bs := c.block.BlockSize()
	macLen := c.mac.Size()
	if len(body) < 2*bs+macLen || (len(body)-macLen)%bs != 0 {
		return nil, errShort
	}
	enc, got := body[:len(body)-macLen], body[len(body)-macLen:]
	c.hmac.Reset()
	c.hmac.Write(c.aad12(hdr, len(enc)))
	c.hmac.Write(enc)
	if subtle.ConstantTimeCompare(c.hmac.Sum(nil), got) != 1 {
		return nil, errBadMAC
	}
	plain := make([]byte, len(enc)-bs)
	cipher.NewCBCDecrypter(c.block, enc[:bs]).CryptBlocks(plain, enc[bs:])
	pad := int(plain[len(plain)-1])
	if pad+1 > len(plain) {
		return nil, errBadPadding
	}
	for _, b := range plain[len(plain)-1-pad:] {
		if int(b) != pad {
			return nil, errBadPadding
		}
	}
	return plain[:len(plain)-1-pad], nil
}
