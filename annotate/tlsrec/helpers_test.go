package tlsrec_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate/tlsrec"
	"github.com/wstrace/wstrace/annotate/websocket"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
)

// segment is the payload of one TCP packet of a direction.
type segment struct {
	packet int
	seq    uint32
	data   []byte
}

// tcpConn is one TCP connection of a capture: the payload of each
// direction in sequence order (a capture on loopback loses nothing).
type tcpConn struct {
	ports [2]uint16 // client port, server port
	isn   [2]uint32
	seen  [2]bool
	segs  [2][]segment
}

// readConns reads the TCP connections of a capture; the client is the end
// that sent the SYN.
func readConns(t testing.TB, file string) []*tcpConn {
	t.Helper()
	r, err := capture.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	byKey := map[string]*tcpConn{}
	var conns []*tcpConn
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		d := decode.Decode(p.LinkType(), p.Data, p.Length)
		if d.TCP == nil {
			continue
		}
		a := fmt.Sprint(d.Src, d.TCP.SrcPort)
		b := fmt.Sprint(d.Dst, d.TCP.DstPort)
		c := byKey[a+"|"+b]
		dir := 0
		if c == nil {
			c = byKey[b+"|"+a]
			dir = 1
		}
		if c == nil {
			if !d.TCP.Has(decode.SYN) || d.TCP.Has(decode.ACK) {
				continue
			}
			c = &tcpConn{ports: [2]uint16{d.TCP.SrcPort, d.TCP.DstPort}}
			byKey[a+"|"+b] = c
			conns = append(conns, c)
			dir = 0
		}
		if d.TCP.Has(decode.SYN) {
			c.isn[dir], c.seen[dir] = d.TCP.Seq+1, true
			continue
		}
		if len(d.Payload) > 0 && c.seen[dir] {
			c.segs[dir] = append(c.segs[dir], segment{p.Number, d.TCP.Seq - c.isn[dir], bytes.Clone(d.Payload)})
		}
	}
	for _, c := range conns {
		for dir := range c.segs {
			s := c.segs[dir]
			sort.SliceStable(s, func(i, j int) bool { return s[i].seq < s[j].seq })
			// Drop retransmitted bytes.
			var out []segment
			var next uint32
			for _, g := range s {
				end := g.seq + uint32(len(g.data))
				if end <= next {
					continue
				}
				if g.seq < next {
					g.data, g.seq = g.data[next-g.seq:], next
				}
				out = append(out, g)
				next = end
			}
			c.segs[dir] = out
		}
	}
	return conns
}

// wsFrame is a WebSocket frame as tshark's fields show it.
type wsFrame struct {
	packet int
	fin    bool
	rsv    uint8
	opcode uint8
	mask   string // hex, "" when unmasked
	len7   uint64 // the 7-bit length field: the length, or 126 or 127
}

func (f wsFrame) String() string {
	return fmt.Sprintf("packet %d fin=%v rsv=%d opcode=%d mask=%q len=%d", f.packet, f.fin, f.rsv, f.opcode, f.mask, f.len7)
}

// decrypted is what a Conn made of one TCP connection.
type decrypted struct {
	records []*tlsrec.Record
	app     [2][]byte // decrypted application data of each direction
	frames  []wsFrame // the WebSocket frames after the HTTP upgrade
	info    *tlsrec.Info
}

// runConn feeds a connection's segments to a Conn, in capture order, and
// decodes the WebSocket frames of the decrypted application data.
func runConn(t testing.TB, c *tcpConn, keys *tlsrec.KeyLog) *decrypted {
	t.Helper()
	tc := tlsrec.NewConn(keys)
	res := &decrypted{}
	// Each byte of application data is mapped to the packet that
	// completed its record.
	var appPacket [2][]int
	all := append(append([]segment(nil), c.segs[0]...), c.segs[1]...)
	dirOf := map[int]tlsrec.Dir{}
	for _, s := range c.segs[1] {
		dirOf[s.packet] = tlsrec.FromServer
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].packet < all[j].packet })
	for _, s := range all {
		d := dirOf[s.packet]
		for _, r := range tc.Feed(d, s.data) {
			res.records = append(res.records, r)
			if r.Decrypted && r.Inner == tlsrec.TypeApplicationData {
				res.app[d] = append(res.app[d], r.Plaintext...)
				for range r.Plaintext {
					appPacket[d] = append(appPacket[d], s.packet)
				}
			}
		}
	}
	res.records = append(res.records, tc.Close()...)
	res.info = tc.Info()
	for d, role := range []websocket.Role{websocket.Client, websocket.Server} {
		app := res.app[d]
		// The frames follow the upgrade's head (a browser may first fetch
		// the page on the same connection).
		mark := []byte("\r\nUpgrade: websocket")
		if d == 1 {
			mark = []byte("HTTP/1.1 101 ")
		}
		u := bytes.Index(app, mark)
		if u < 0 {
			continue
		}
		i := bytes.Index(app[u:], []byte("\r\n\r\n"))
		if i < 0 {
			continue
		}
		i += u
		fr := websocket.NewFrameReader(role)
		fr.Feed(app[i+4:], int64(i+4))
		fr.Flush()
		for {
			f, err := fr.Next()
			if errors.Is(err, websocket.ErrShort) {
				break
			}
			if err != nil {
				t.Fatalf("websocket: %v", err)
			}
			w := wsFrame{packet: appPacket[d][f.End-1], fin: f.Header.Fin, rsv: f.Header.RSV, opcode: uint8(f.Header.Opcode)}
			if f.Header.Masked {
				w.mask = fmt.Sprintf("%x", f.Header.MaskKey)
			}
			switch f.Header.LengthBits {
			case 16:
				w.len7 = 126
			case 64:
				w.len7 = 127
			default:
				w.len7 = f.Header.PayloadLength
			}
			res.frames = append(res.frames, w)
		}
	}
	return res
}

// tsharkFrames returns the WebSocket frames tshark decrypts from a capture
// with a key log, the TLS server on port.
func tsharkFrames(t testing.TB, pcap, keylog string, port uint16) []wsFrame {
	t.Helper()
	tshark := testenvTool(t, "tshark")
	out, err := exec.Command(tshark, "-r", pcap, "-o", "tls.keylog_file:"+keylog,
		"-d", fmt.Sprintf("tcp.port==%d,tls", port), "-Y", "websocket", "-T", "fields",
		"-e", "frame.number", "-e", "websocket.fin", "-e", "websocket.rsv", "-e", "websocket.opcode",
		"-e", "websocket.masking_key", "-e", "websocket.payload_length").Output()
	if err != nil {
		t.Fatalf("tshark: %v", err)
	}
	var frames []wsFrame
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			t.Fatalf("tshark line %q", line)
		}
		var packet int
		fmt.Sscan(f[0], &packet)
		fins, rsvs, ops, masks, lens := strings.Split(f[1], ","), strings.Split(f[2], ","), strings.Split(f[3], ","), strings.Split(f[4], ","), strings.Split(f[5], ",")
		mi := 0
		for i := range fins {
			w := wsFrame{packet: packet, fin: fins[i] == "1" || fins[i] == "True"}
			fmt.Sscanf(rsvs[i], "0x%x", &w.rsv)
			fmt.Sscan(ops[i], &w.opcode)
			fmt.Sscan(lens[i], &w.len7)
			frames = append(frames, w)
			_ = mi
		}
		// tshark lists only the masks present; give them to the
		// client's frames in order (a packet carries one direction).
		if f[4] != "" {
			for i := range masks {
				frames[len(frames)-len(fins)+i].mask = masks[i]
			}
		}
	}
	return frames
}

func readKeyLog(t testing.TB, file string) *tlsrec.KeyLog {
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
