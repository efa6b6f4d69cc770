package tlsrec_test

import (
	"os"
	"testing"

	"github.com/wstrace/wstrace/annotate/tlsrec"
)

// FuzzConn feeds arbitrary bytes to both directions of a Conn holding the
// fixture's keys, in arbitrary pieces. Seeds are the starts of the
// fixture's streams, so that mutations reach the decryption.
func FuzzConn(f *testing.F) {
	kf, err := os.Open(fixtureKeylog)
	if err != nil {
		f.Fatal(err)
	}
	keys, err := tlsrec.ParseKeyLog(kf)
	kf.Close()
	if err != nil {
		f.Fatal(err)
	}
	c := readConns(f, fixturePcap)[0]
	var stream [2][]byte
	for d := range c.segs {
		for _, s := range c.segs[d] {
			stream[d] = append(stream[d], s.data...)
		}
	}
	f.Add(stream[0][:min(len(stream[0]), 2500)], stream[1][:min(len(stream[1]), 2500)], uint8(7))
	f.Add([]byte("\x16\x03\x01\x00\x04\x01\x00\x00\x00"), []byte("\x17\x03\x03\xff\xff"), uint8(1))
	f.Fuzz(func(t *testing.T, client, server []byte, step uint8) {
		conn := tlsrec.NewConn(keys)
		n := int(step)%97 + 1
		for i, j := 0, 0; i < len(client) || j < len(server); i, j = i+n, j+n {
			if i < len(client) {
				check(t, conn.Feed(tlsrec.FromClient, client[i:min(i+n, len(client))]))
			}
			if j < len(server) {
				check(t, conn.Feed(tlsrec.FromServer, server[j:min(j+n, len(server))]))
			}
			if step&0x80 != 0 && i == n {
				check(t, conn.Gap(tlsrec.FromServer, int64(step)))
			}
		}
		check(t, conn.Close())
	})
}

func check(t *testing.T, recs []*tlsrec.Record) {
	for _, r := range recs {
		if r.Length > tlsrec.MaxRecordBody || r.Encrypted && !r.Decrypted && r.Plaintext != nil {
			t.Fatalf("bad record %v", r)
		}
	}
}
