package tlsrec_test

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate/tlsrec"
)

func TestKeyLogJunk(t *testing.T) {
	good, err := os.ReadFile(fixtureKeylog)
	if err != nil {
		t.Fatal(err)
	}
	junk := "# a comment\n\nRSA 00112233 4455\nCLIENT_RANDOM zz 00\nCLIENT_RANDOM " + strings.Repeat("ab", 32) + " 0011\n" +
		"SERVER_TRAFFIC_SECRET_0 " + strings.Repeat("ab", 31) + " 00\n" + strings.Repeat("x", 10000) + "\nnot a key log line\n"
	k, err := tlsrec.ParseKeyLog(strings.NewReader(junk + string(good)))
	if err != nil {
		t.Fatal(err)
	}
	if k.Skipped() != 6 {
		t.Errorf("skipped %d lines, want 6 (RSA, bad hex, short master secret, short random, long line, prose)", k.Skipped())
	}
	ref := readKeyLog(t, fixtureKeylog)
	if k.Len() != ref.Len() || k.Connections() != ref.Connections() {
		t.Errorf("junk changed the secrets: %v vs %v", k, ref)
	}
	// No secret in what the key log prints.
	for _, s := range []string{k.String(), fmt.Sprintf("%v %+v %#v", k, k, k)} {
		for _, line := range strings.Split(string(good), "\n") {
			if f := strings.Fields(line); len(f) == 3 && strings.Contains(strings.ToLower(s), f[2][:16]) {
				t.Fatalf("key log prints a secret: %s", s)
			}
		}
	}
}

// TestWrongKeys decrypts the fixture with every secret altered: each
// connection reports bad-record-mac and no record yields plaintext.
func TestWrongKeys(t *testing.T) {
	good, err := os.ReadFile(fixtureKeylog)
	if err != nil {
		t.Fatal(err)
	}
	var bad bytes.Buffer
	for _, line := range strings.Split(strings.TrimSpace(string(good)), "\n") {
		f := strings.Fields(line)
		s := []byte(f[2])
		s[0] ^= 1 // '0'..'9' <-> another hex digit, still hex
		if s[0] == 'g' || s[0] == '`' {
			s[0] = '0'
		}
		fmt.Fprintf(&bad, "%s %s %s\n", f[0], f[1], s)
	}
	keys, err := tlsrec.ParseKeyLog(&bad)
	if err != nil || keys.Skipped() != 0 {
		t.Fatal(err, keys)
	}
	for _, c := range readConns(t, fixturePcap) {
		res := runConn(t, c, keys)
		if res.info.Fault != tlsrec.FaultBadRecordMAC || res.info.Decrypted || !res.info.KeysFound {
			t.Errorf("port %d: fault %q decrypted %v keys %v", c.ports[0], res.info.Fault, res.info.Decrypted, res.info.KeysFound)
		}
		faults := 0
		for _, r := range res.records {
			if r.Encrypted && (r.Plaintext != nil || r.Decrypted) {
				t.Errorf("%v: plaintext with a wrong key", r)
			}
			if r.Fault != "" {
				faults++
			}
		}
		if faults != 2 {
			t.Errorf("%d faults, want one a direction", faults)
		}
	}
}

// TestTruncated cuts each connection's stream in the middle of a record,
// and also feeds the bytes one at a time: the records are the same.
func TestTruncated(t *testing.T) {
	keys := readKeyLog(t, fixtureKeylog)
	c := readConns(t, fixturePcap)[0]
	var stream [2][]byte
	for d := range c.segs {
		for _, s := range c.segs[d] {
			stream[d] = append(stream[d], s.data...)
		}
	}
	whole := tlsrec.NewConn(keys)
	var want [2][]*tlsrec.Record
	for d := range stream {
		want[d] = whole.Feed(tlsrec.Dir(d), stream[d])
	}
	bytewise := tlsrec.NewConn(keys)
	for d := range stream {
		var got []*tlsrec.Record
		for i := range stream[d] {
			got = append(got, bytewise.Feed(tlsrec.Dir(d), stream[d][i:i+1])...)
		}
		if len(got) != len(want[d]) {
			t.Fatalf("%d records fed byte by byte, %d at once", len(got), len(want[d]))
		}
		for i := range got {
			if got[i].Offset != want[d][i].Offset || !bytes.Equal(got[i].Plaintext, want[d][i].Plaintext) || got[i].Fault != want[d][i].Fault {
				t.Fatalf("record %d differs", i)
			}
		}
	}
	cut := tlsrec.NewConn(keys)
	recs := cut.Feed(tlsrec.FromClient, stream[0][:len(stream[0])-3])
	recs = append(recs, cut.Feed(tlsrec.FromServer, stream[1])...)
	tail := cut.Close()
	if len(tail) != 1 || tail[0].Fault != tlsrec.FaultTruncatedRecord || !tail[0].Truncated || tail[0].Plaintext != nil {
		t.Fatalf("close: %v", tail)
	}
	if len(recs) != len(want[0])+len(want[1])-1 {
		t.Errorf("%d records before the cut", len(recs))
	}
}

// TestGap loses a record's worth of bytes in the middle of the server's
// stream: the Conn finds the next record and decrypts it.
func TestGap(t *testing.T) {
	keys := readKeyLog(t, fixtureKeylog)
	c := readConns(t, fixturePcap)[0]
	var stream [2][]byte
	for d := range c.segs {
		for _, s := range c.segs[d] {
			stream[d] = append(stream[d], s.data...)
		}
	}
	ref := tlsrec.NewConn(keys)
	ref.Feed(tlsrec.FromClient, stream[0])
	recs := ref.Feed(tlsrec.FromServer, stream[1])
	// Lose from the middle of record 10 to the middle of record 12.
	a := recs[10].Offset + 7
	b := recs[12].Offset + 3
	conn := tlsrec.NewConn(keys)
	conn.Feed(tlsrec.FromClient, stream[0])
	got := conn.Feed(tlsrec.FromServer, stream[1][:a])
	got = append(got, conn.Gap(tlsrec.FromServer, b-a)...)
	got = append(got, conn.Feed(tlsrec.FromServer, stream[1][b:])...)
	var after []*tlsrec.Record
	for _, r := range got {
		if r.Offset > b {
			after = append(after, r)
		}
	}
	if len(after) != len(recs)-13 {
		t.Fatalf("%d records after the gap, want %d", len(after), len(recs)-13)
	}
	for i, r := range after {
		w := recs[13+i]
		if r.Offset != w.Offset || !r.Decrypted || !bytes.Equal(r.Plaintext, w.Plaintext) {
			t.Fatalf("record %d after the gap: %v decrypted=%v fault=%s", i, r, r.Decrypted, r.Fault)
		}
	}
}

func TestSniff(t *testing.T) {
	c := readConns(t, fixturePcap)[0]
	hello := c.segs[0][0].data
	for n := range 11 {
		if ok, more := tlsrec.Sniff(hello[:n]); ok || !more {
			t.Errorf("%d bytes: %v %v", n, ok, more)
		}
	}
	if ok, _ := tlsrec.Sniff(hello); !ok {
		t.Error("the ClientHello is not TLS")
	}
	for _, s := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\x16\x03\x01\x00\x05\x02\x00\x00\x46\x03\x03", "\x81\x05hello"} {
		if ok, more := tlsrec.Sniff([]byte(s)); ok || more {
			t.Errorf("%q: %v %v", s, ok, more)
		}
	}
}
