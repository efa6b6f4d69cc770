package tlsrec

import (
	"bytes"
	"errors"
	"fmt"
)

// maxSeqSkip is how many records a direction may have lost in a gap: after
// a gap the next record is tried with each sequence number up to this far
// ahead.
const maxSeqSkip = 64

// Info is what a connection's TLS shows: the handshake's choices and how
// decryption went.
type Info struct {
	ClientHello *ClientHello // the (last) ClientHello, nil when not seen
	ServerHello *ServerHello // the ServerHello that is not a retry request
	// RetryRequest reports that the server sent a HelloRetryRequest.
	RetryRequest bool
	Version      Version // negotiated, 0 when not known
	CipherSuite  uint16  // chosen, valid when Version is not 0
	ServerName   string  // SNI
	ALPN         string  // the chosen protocol, when visible or decrypted
	Certificates []CertificateInfo
	KeyExchange  *ServerKeyExchangeInfo
	// KeysFound reports that the key log holds secrets for this
	// connection's client random; Decrypted that records were decrypted.
	KeysFound, Decrypted bool
	// Records counts the records of each direction, Decrypted those
	// decrypted.
	Records, DecryptedRecords [2]int
	KeyUpdates                int
	Fault                     Fault // the first fault, "" when none
}

// direction is the state of one direction.
type direction struct {
	buf     []byte // bytes of an incomplete record
	off     int64  // stream offset of buf[0] (of the next byte when buf is empty)
	index   int    // records so far
	hunting bool   // lost the record boundaries; looking for a header
	skipSeq bool   // records may have been lost: try later sequence numbers

	protected bool          // records after the switch are encrypted (1.2 after ChangeCipherSpec)
	cur       *recordCipher // decrypts this direction's records, nil without keys
	next      *recordCipher // TLS 1.3: the application cipher, after Finished
	epoch     Epoch
	secret    []byte // TLS 1.3: current traffic secret, for KeyUpdate
	appSecret []byte
	gen       int
	failed    bool // decryption failed; do not try again

	hs     []byte // handshake bytes of a message not yet complete
	hsDead bool   // handshake reassembly gave up
}

// A Conn follows the TLS of one TCP connection: feed it each direction's
// bytes in stream order and it returns the records they complete, parsed
// and, with keys, decrypted.
type Conn struct {
	keys   *KeyLog
	dir    [2]direction
	info   Info
	suite  suite
	etm    bool // TLS 1.2 encrypt_then_mac negotiated
	cr     [32]byte
	haveCR bool
}

// NewConn returns a Conn that decrypts with the secrets of keys (nil for
// none).
func NewConn(keys *KeyLog) *Conn {
	return &Conn{keys: keys}
}

// Info returns what is known about the connection so far.
func (c *Conn) Info() *Info { return &c.info }

// Feed adds the next bytes of direction d's stream and returns the records
// they complete. It keeps at most one incomplete record per direction,
// never more than the bytes that arrived.
func (c *Conn) Feed(d Dir, p []byte) []*Record {
	ds := &c.dir[d]
	var out []*Record
	data := p
	if len(ds.buf) > 0 {
		ds.buf = append(ds.buf, p...)
		data = ds.buf
	}
	used := 0
	for {
		rest := data[used:]
		if ds.hunting {
			i := findHeader(rest)
			if i < 0 {
				keep := max(len(rest)-(HeaderLen-1), 0)
				used += keep
				ds.off += int64(keep)
				break
			}
			used += i
			ds.off += int64(i)
			ds.hunting = false
			continue
		}
		if len(rest) < HeaderLen {
			break
		}
		if !plausibleHeader(rest) {
			r := &Record{Dir: d, Index: ds.index, Offset: ds.off, Type: ContentType(rest[0]), Version: Version(rest[1])<<8 | Version(rest[2])}
			r.Length = int(rest[3])<<8 | int(rest[4])
			r.Fault = FaultNotTLS
			if r.Length > MaxRecordBody && rest[1] == 3 {
				r.Fault = FaultRecordOverflow
			}
			r.Length = 0
			r.Detail = fmt.Sprintf("% x", rest[:HeaderLen])
			c.fault(r.Fault)
			out = append(out, r)
			ds.hunting = true
			used++
			ds.off++
			continue
		}
		n := int(rest[3])<<8 | int(rest[4])
		if len(rest) < HeaderLen+n {
			break
		}
		r := c.record(d, rest[:HeaderLen], rest[HeaderLen:HeaderLen+n])
		out = append(out, r)
		used += HeaderLen + n
		ds.off += int64(HeaderLen + n)
	}
	rest := data[used:]
	if len(ds.buf) > 0 {
		ds.buf = append(ds.buf[:0], rest...)
	} else if len(rest) > 0 {
		ds.buf = append(ds.buf, rest...)
	}
	return out
}

// Gap tells that n bytes of direction d's stream were never captured. An
// incomplete record held is returned, truncated; the direction then
// looks for the next record header.
func (c *Conn) Gap(d Dir, n int64) []*Record {
	ds := &c.dir[d]
	out := c.flush(d)
	ds.off += n
	ds.hunting = true
	ds.skipSeq = true
	ds.hs, ds.hsDead = nil, ds.hs != nil
	return out
}

// Close returns the incomplete records still held (truncated: the stream
// ended inside them).
func (c *Conn) Close() []*Record {
	return append(c.flush(FromClient), c.flush(FromServer)...)
}

func (c *Conn) flush(d Dir) []*Record {
	ds := &c.dir[d]
	if len(ds.buf) == 0 {
		return nil
	}
	b := ds.buf
	r := &Record{Dir: d, Index: ds.index, Offset: ds.off, Type: ContentType(b[0]), Truncated: true, Fault: FaultTruncatedRecord}
	ds.index++
	if len(b) >= 3 {
		r.Version = Version(b[1])<<8 | Version(b[2])
	}
	if len(b) >= HeaderLen {
		r.Length = int(b[3])<<8 | int(b[4])
		r.Detail = fmt.Sprintf("%d of %d bytes", len(b)-HeaderLen, r.Length)
	} else {
		r.Detail = fmt.Sprintf("%d of %d header bytes", len(b), HeaderLen)
	}
	r.Encrypted = ds.protected || c.info.Version == VersionTLS13 && r.Type == TypeApplicationData
	c.fault(r.Fault)
	ds.off += int64(len(b))
	ds.buf = ds.buf[:0]
	c.info.Records[d]++
	return []*Record{r}
}

func (c *Conn) fault(f Fault) {
	if c.info.Fault == "" {
		c.info.Fault = f
	}
}

// findHeader returns the index of the first plausible record header in b
// followed by another one or by the end of b, or -1.
func findHeader(b []byte) int {
	for i := 0; i+HeaderLen <= len(b); i++ {
		if !plausibleHeader(b[i:]) {
			continue
		}
		n := int(b[i+3])<<8 | int(b[i+4])
		j := i + HeaderLen + n
		if j+HeaderLen <= len(b) && !plausibleHeader(b[j:]) {
			continue
		}
		return i
	}
	return -1
}

// record handles one complete record.
func (c *Conn) record(d Dir, hdr, body []byte) *Record {
	ds := &c.dir[d]
	r := &Record{Dir: d, Index: ds.index, Offset: ds.off, Type: ContentType(hdr[0]),
		Version: Version(hdr[1])<<8 | Version(hdr[2]), Length: len(body), Epoch: ds.epoch, KeyGeneration: ds.gen}
	ds.index++
	c.info.Records[d]++
	tls13 := c.info.Version == VersionTLS13
	encrypted := ds.protected
	if tls13 || c.info.Version == 0 && r.Type == TypeApplicationData {
		// TLS 1.3 protects every record as application_data; the
		// compatibility ChangeCipherSpec and a plaintext alert stay as
		// they are.
		encrypted = r.Type == TypeApplicationData
	}
	if !encrypted {
		r.Epoch = EpochPlaintext
		r.Inner = r.Type
		r.Plaintext = bytes.Clone(body)
		c.content(r, r.Plaintext)
		return r
	}
	r.Encrypted = true
	if r.Epoch == EpochPlaintext {
		r.Epoch = EpochUnknown
	}
	if ds.failed || ds.cur == nil && ds.next == nil {
		if !tls13 {
			r.Inner = r.Type
		}
		return r
	}
	typ, plain, err := c.decrypt(ds, hdr, body)
	if err != nil {
		if tls13 && ds.cur == nil {
			// Handshake keys missing, application keys known: this is
			// still a handshake record.
			return r
		}
		ds.failed = true
		switch {
		case errors.Is(err, errBadPadding):
			r.Fault = FaultBadPadding
		case errors.Is(err, errShort):
			r.Fault = FaultRecordTooShort
		case errors.Is(err, errNoInnerType):
			r.Fault = FaultNoInnerType
		default:
			r.Fault = FaultBadRecordMAC
		}
		r.Detail = err.Error()
		c.fault(r.Fault)
		if !tls13 {
			r.Inner = r.Type
		}
		return r
	}
	r.Epoch, r.KeyGeneration = ds.epoch, ds.gen
	r.Decrypted = true
	c.info.Decrypted = true
	c.info.DecryptedRecords[d]++
	r.Inner = typ
	r.Plaintext = plain
	c.content(r, plain)
	return r
}

// decrypt opens a record with the direction's cipher, trying the
// application cipher when the handshake one fails (TLS 1.3) and later
// sequence numbers after a gap.
func (c *Conn) decrypt(ds *direction, hdr, body []byte) (ContentType, []byte, error) {
	try := func(rc *recordCipher) (ContentType, []byte, error) {
		typ, plain, err := rc.decrypt(hdr, body)
		if err == nil || !ds.skipSeq || !errors.Is(err, errBadMAC) {
			return typ, plain, err
		}
		seq := rc.seq
		for k := uint64(1); k <= maxSeqSkip; k++ {
			rc.seq = seq + k
			if typ, plain, err2 := rc.decrypt(hdr, body); err2 == nil {
				return typ, plain, nil
			}
		}
		rc.seq = seq
		return typ, plain, err
	}
	var firstErr error
	if ds.cur != nil {
		typ, plain, err := try(ds.cur)
		if err == nil {
			ds.skipSeq = false
			return typ, plain, nil
		}
		firstErr = err
	}
	if ds.next != nil {
		typ, plain, err := try(ds.next)
		if err == nil {
			ds.skipSeq = false
			ds.cur, ds.next, ds.secret = ds.next, nil, ds.appSecret
			ds.epoch = EpochApplication
			return typ, plain, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return 0, nil, firstErr
}

// content handles a record's plaintext.
func (c *Conn) content(r *Record, plain []byte) {
	ds := &c.dir[r.Dir]
	switch r.Inner {
	case TypeHandshake:
		c.handshake(r, plain)
	case TypeAlert:
		if len(plain) != 2 {
			r.Fault, r.Detail = FaultMalformedAlert, fmt.Sprintf("%d bytes", len(plain))
			c.fault(r.Fault)
			return
		}
		r.Alert = &Alert{Level: AlertLevel(plain[0]), Description: AlertDescription(plain[1])}
	case TypeChangeCipherSpec:
		if c.info.Version != 0 && c.info.Version != VersionTLS13 && !ds.protected {
			// (Before a ServerHello, or after a HelloRetryRequest, a
			// ChangeCipherSpec is TLS 1.3's compatibility record.)
			// TLS 1.2: the direction's next records are protected
			// with the keys just agreed.
			ds.protected = true
			ds.epoch = EpochApplication
			ds.cur = ds.next
			ds.next = nil
			if ds.cur == nil {
				ds.epoch = EpochUnknown
			}
		}
	}
}

// handshake adds handshake bytes of record r to its direction's message
// reassembly.
func (c *Conn) handshake(r *Record, p []byte) {
	ds := &c.dir[r.Dir]
	if ds.hsDead {
		return
	}
	if len(ds.hs) > 0 {
		ds.hs = append(ds.hs, p...)
		p = ds.hs
	}
	for len(p) >= 4 {
		n := int(p[1])<<16 | int(p[2])<<8 | int(p[3])
		if n > maxHandshakeMessage {
			r.Fault, r.Detail = FaultHandshakeTooLarge, fmt.Sprintf("%s of %d bytes", HandshakeType(p[0]), n)
			c.fault(r.Fault)
			ds.hsDead, ds.hs = true, nil
			return
		}
		if len(p) < 4+n {
			break
		}
		m := parseMessage(HandshakeType(p[0]), p[4:4+n], c.info.Version)
		if m.Err != nil && r.Fault == "" {
			r.Fault, r.Detail = FaultMalformedHandshake, m.Type.String()
			c.fault(r.Fault)
		}
		r.Messages = append(r.Messages, m)
		c.message(r, &m)
		p = p[4+n:]
	}
	if len(p) > 0 {
		pend := &Pending{Type: HandshakeType(p[0]), Have: len(p) - 4}
		if len(p) >= 4 {
			pend.Length = int(p[1])<<16 | int(p[2])<<8 | int(p[3])
		} else {
			pend.Have, pend.Length = 0, -1
		}
		r.Pending = pend
	}
	ds.hs = append(ds.hs[:0], p...)
	if len(ds.hs) == 0 {
		ds.hs = nil
	}
}

// message acts on a complete handshake message.
func (c *Conn) message(r *Record, m *Message) {
	ds := &c.dir[r.Dir]
	switch {
	case m.ClientHello != nil && r.Dir == FromClient:
		h := m.ClientHello
		c.info.ClientHello = h
		c.info.ServerName = h.ServerName
		c.cr, c.haveCR = h.Random, true
		c.info.KeysFound = c.keys.Has(h.Random)
	case m.ServerHello != nil && r.Dir == FromServer:
		h := m.ServerHello
		if h.RetryRequest {
			c.info.RetryRequest = true
			return
		}
		c.info.ServerHello = h
		c.info.Version = h.NegotiatedVersion()
		c.info.CipherSuite = h.CipherSuite
		if h.ALPN != "" {
			c.info.ALPN = h.ALPN
		}
		c.suite = suites[h.CipherSuite]
		c.etm = h.EncryptThenMAC && c.info.ClientHello != nil && c.info.ClientHello.EncryptThenMAC
		c.setupKeys(h)
	case m.Extensions != nil:
		if m.Extensions.ALPN != "" {
			c.info.ALPN = m.Extensions.ALPN
		}
	case m.Certificates != nil && r.Dir == FromServer:
		c.info.Certificates = m.Certificates
	case m.ServerKeyExchange != nil:
		c.info.KeyExchange = m.ServerKeyExchange
	case m.Type == Finished && c.info.Version == VersionTLS13 && r.Decrypted:
		// The next records use the application traffic secret.
		if ds.next != nil {
			ds.cur, ds.next, ds.secret = ds.next, nil, ds.appSecret
		} else {
			ds.cur = nil
		}
		ds.epoch, ds.gen = EpochApplication, 0
	case m.KeyUpdate != nil && r.Decrypted && ds.secret != nil:
		c.info.KeyUpdates++
		next, err := nextSecret13(c.suite, ds.secret)
		if err == nil {
			ds.cur, err = newCipher13(c.suite, next)
		}
		if err != nil {
			ds.cur = nil
		}
		ds.secret = next
		ds.gen++
	}
}

// setupKeys prepares each direction's ciphers once the ServerHello says
// which version and suite protect the connection.
func (c *Conn) setupKeys(h *ServerHello) {
	if !c.haveCR || !c.keys.Has(c.cr) || c.suite.kind == kindNone {
		return
	}
	switch c.info.Version {
	case VersionTLS13:
		if !c.suite.tls13 {
			return
		}
		labels := [2][2]string{
			{LabelClientHandshakeTraffic, LabelClientTraffic0},
			{LabelServerHandshakeTraffic, LabelServerTraffic0},
		}
		for d := range c.dir {
			ds := &c.dir[d]
			ds.epoch = EpochHandshake
			if s := c.keys.secret(c.cr, labels[d][0]); s != nil {
				ds.cur, _ = newCipher13(c.suite, s)
				ds.secret = s
			}
			if s := c.keys.secret(c.cr, labels[d][1]); s != nil {
				ds.next, _ = newCipher13(c.suite, s)
				ds.appSecret = s
			}
		}
	case VersionTLS12, VersionTLS11, VersionTLS10:
		ms := c.keys.secret(c.cr, LabelClientRandom)
		if ms == nil || c.suite.tls13 || c.info.Version != VersionTLS12 {
			return
		}
		cl, sv, err := ciphers12(c.suite, ms, c.cr, h.Random)
		if err != nil {
			return
		}
		cl.etm, sv.etm = c.etm, c.etm
		c.dir[FromClient].next, c.dir[FromServer].next = cl, sv
	}
}

// Held returns the stream offset of the first byte direction d holds of a
// record not yet complete (the offset of the next byte when it holds none).
func (c *Conn) Held(d Dir) int64 { return c.dir[d].off }

// Flush returns the incomplete record direction d holds, truncated: its
// stream ended inside it.
func (c *Conn) Flush(d Dir) []*Record { return c.flush(d) }
