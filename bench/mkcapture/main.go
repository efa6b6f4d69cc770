// Command mkcapture builds a large pcap file for benchmarks by repeating the
// packets of a real capture, shifting their times and TCP ports so that every
// copy is a conversation of its own.
//
//	go run ./bench/mkcapture -in testdata/chromium-ws-deflate.pcap -n 1000000 -o big.pcap
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

func main() {
	in := flag.String("in", "testdata/chromium-ws-deflate.pcap", "capture whose packets are repeated")
	n := flag.Int("n", 1_000_000, "number of packets to write")
	out := flag.String("o", "big.pcap", "output pcap file")
	flag.Parse()
	if err := build(*in, *out, *n); err != nil {
		log.Fatal(err)
	}
}

type record struct {
	ts   time.Time
	data []byte
	wire int
	tcp  int // offset of the TCP header in data, or -1
}

func build(in, out string, n int) error {
	src, err := capture.OpenFile(in)
	if err != nil {
		return err
	}
	defer src.Close()
	var recs []record
	var linkType capture.LinkType
	for {
		p, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		linkType = p.LinkType()
		d := decode.Decode(p.LinkType(), p.Data, p.Length)
		off := -1
		if d.TCP != nil {
			off = len(p.Data) - len(d.Payload) - d.TCP.HeaderLength
		}
		recs = append(recs, record{p.Timestamp, append([]byte(nil), p.Data...), p.Length, off})
	}
	if len(recs) == 0 {
		return fmt.Errorf("%s holds no packets", in)
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 262144)
	binary.LittleEndian.PutUint32(hdr[20:], uint32(linkType))
	w.Write(hdr)
	span := recs[len(recs)-1].ts.Sub(recs[0].ts) + time.Second
	rec := make([]byte, 16)
	buf := make([]byte, 0, 65536)
	for i := 0; i < n; i++ {
		r := recs[i%len(recs)]
		round := i / len(recs)
		ts := r.ts.Add(time.Duration(round) * span)
		buf = append(buf[:0], r.data...)
		if r.tcp >= 0 && r.tcp+4 <= len(buf) {
			// Move both ports by the round so each copy is a new conversation
			// (checksums are not fixed up; tcpdump does not check them by default).
			for _, o := range []int{r.tcp, r.tcp + 2} {
				port := binary.BigEndian.Uint16(buf[o:])
				if port < 10000 {
					continue // keep the server port
				}
				// Stay in the ephemeral range, where tcpdump knows no
				// protocol that would change its line.
				binary.BigEndian.PutUint16(buf[o:], uint16(49152+(int(port)+round)%16000))
			}
		}
		binary.LittleEndian.PutUint32(rec[0:], uint32(ts.Unix()))
		binary.LittleEndian.PutUint32(rec[4:], uint32(ts.Nanosecond()/1000))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(buf)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(r.wire))
		w.Write(rec)
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}
