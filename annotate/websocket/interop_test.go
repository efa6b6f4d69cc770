package websocket_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cws "github.com/coder/websocket"

	"github.com/wstrace/wstrace/annotate/httpmsg"
	"github.com/wstrace/wstrace/annotate/websocket"
)

// recordingConn records, call by call, what goes through a net.Conn.
type recordingConn struct {
	net.Conn
	mu            sync.Mutex
	reads, writes [][]byte
}

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.reads = append(c.reads, bytes.Clone(p[:n]))
		c.mu.Unlock()
	}
	return n, err
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, bytes.Clone(p))
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// sentMessage is a message as the library was asked to send it.
type sentMessage struct {
	typ    cws.MessageType
	data   []byte
	pieces int // written with Conn.Writer in this many Write calls (0: Conn.Write)
}

func interopMessages() []sentMessage {
	rng := rand.New(rand.NewPCG(1, 2))
	big := make([]byte, 70000)
	for i := range big {
		big[i] = 'a' + byte(rng.IntN(26))
	}
	return []sentMessage{
		{cws.MessageText, []byte("hello"), 0},
		{cws.MessageBinary, []byte{0x00, 0x01, 0x02, 0x03, 0xff, 0xfe, 0x0a, 0x0d}, 0},
		{cws.MessageText, []byte("part-one,part-two,part-three"), 3},
		{cws.MessageText, big, 0},
		{cws.MessageText, []byte(strings.Repeat("大家好，這是中文訊息 ", 20)), 0},
		{cws.MessageText, []byte(strings.Repeat("hello again ", 30)), 0},
		{cws.MessageText, []byte(strings.Repeat("hello again ", 30)), 0},
		{cws.MessageBinary, bytes.Repeat([]byte{0, 1, 2, 3, 4, 5, 6, 7}, 2000), 4},
	}
}

// write sends m on c, in pieces when asked to.
func write(ctx context.Context, c *cws.Conn, m sentMessage) error {
	if m.pieces == 0 {
		return c.Write(ctx, m.typ, m.data)
	}
	w, err := c.Writer(ctx, m.typ)
	if err != nil {
		return err
	}
	size := (len(m.data) + m.pieces - 1) / m.pieces
	for p := m.data; len(p) > 0; {
		n := min(size, len(p))
		if _, err := w.Write(p[:n]); err != nil {
			return err
		}
		p = p[n:]
	}
	return w.Close()
}

// talk runs a client and a server of the library over loopback: the client
// sends msgs, the server echoes each (in pieces where the client used
// pieces, and the big one in 10,000-byte pieces), pings, says "bye", and the
// client closes. It returns what the client's connection wrote and read.
func talk(t *testing.T, mode cws.CompressionMode, msgs []sentMessage) (written, read [][]byte, echoes []sentMessage) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	echoes = slices.Clone(msgs)
	for i := range echoes {
		if len(echoes[i].data) > 65535 {
			echoes[i].pieces = 7
		}
	}
	echoes = append(echoes, sentMessage{cws.MessageText, []byte("bye"), 0})

	serverErr := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		serverErr <- func() error {
			c, err := cws.Accept(w, r, &cws.AcceptOptions{CompressionMode: mode})
			if err != nil {
				return err
			}
			c.SetReadLimit(1 << 20)
			for i := range msgs {
				_, _, err := c.Read(ctx)
				if err != nil {
					return fmt.Errorf("server read %d: %w", i, err)
				}
				if err := write(ctx, c, echoes[i]); err != nil {
					return fmt.Errorf("server write %d: %w", i, err)
				}
			}
			done := make(chan error, 1)
			go func() { _, _, err := c.Read(ctx); done <- err }()
			if err := c.Ping(ctx); err != nil {
				return fmt.Errorf("server ping: %w", err)
			}
			if err := write(ctx, c, echoes[len(msgs)]); err != nil {
				return err
			}
			if err := <-done; cws.CloseStatus(err) != cws.StatusNormalClosure {
				return fmt.Errorf("server: last read: %w", err)
			}
			return nil
		}()
	}))
	defer srv.Close()

	var rec *recordingConn
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			rec = &recordingConn{Conn: c}
			return rec, nil
		},
	}}
	c, _, err := cws.Dial(ctx, srv.URL, &cws.DialOptions{HTTPClient: client, CompressionMode: mode})
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	c.SetReadLimit(1 << 20)
	for i, m := range msgs {
		if err := write(ctx, c, m); err != nil {
			t.Fatalf("client write %d: %v", i, err)
		}
		typ, data, err := c.Read(ctx)
		if err != nil || typ != echoes[i].typ || !bytes.Equal(data, echoes[i].data) {
			t.Fatalf("client read %d: %v %d bytes, %v", i, typ, len(data), err)
		}
	}
	if _, data, err := c.Read(ctx); err != nil || string(data) != "bye" {
		t.Fatalf("client read bye: %q, %v", data, err)
	}
	if err := c.Close(cws.StatusNormalClosure, "done"); err != nil {
		t.Fatalf("client close: %v", err)
	}
	if err := <-serverErr; err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return rec.writes, rec.reads, echoes
}

// direction is one direction's decoded traffic.
type direction struct {
	messages []*websocket.Message
	frames   []*websocket.Frame
}

// decode feeds segs, minus the first skip bytes (the HTTP head), to a
// FrameReader and a MessageAssembler, segment by segment.
func decode(t *testing.T, segs [][]byte, skip int, sender websocket.Role, deflate *websocket.DeflateParams) direction {
	t.Helper()
	r := websocket.NewFrameReader(sender)
	a := websocket.NewMessageAssembler(websocket.AssemblerOptions{Sender: sender, Deflate: deflate})
	var d direction
	off := 0
	for _, seg := range segs {
		start, end := off, off+len(seg)
		off = end
		if end <= skip {
			continue
		}
		if start < skip {
			seg, start = seg[skip-start:], skip
		}
		r.Feed(seg, int64(start))
		for {
			f, err := r.Next()
			if errors.Is(err, websocket.ErrShort) {
				break
			}
			if err != nil {
				t.Fatalf("%v: Next: %v", sender, err)
			}
			d.frames = append(d.frames, f)
			m, faults := a.Add(f)
			if len(faults) > 0 || len(f.Faults) > 0 {
				t.Errorf("%v: faults at frame %d: %v %v", sender, len(d.frames)-1, f.Faults, faults)
			}
			if m != nil {
				d.messages = append(d.messages, m)
			}
		}
	}
	if off != skip && len(d.frames) > 0 && d.frames[len(d.frames)-1].End != int64(off) {
		t.Errorf("%v: frames end at %d, stream at %d", sender, d.frames[len(d.frames)-1].End, off)
	}
	return d
}

// checkData compares the data messages with what the library sent.
func checkData(t *testing.T, who string, got []*websocket.Message, want []sentMessage) {
	t.Helper()
	var data []*websocket.Message
	for _, m := range got {
		if !m.Opcode.IsControl() {
			data = append(data, m)
		}
	}
	if len(data) != len(want) {
		t.Fatalf("%s: %d data messages, want %d", who, len(data), len(want))
	}
	for i, m := range data {
		w := want[i]
		wantOp := websocket.OpText
		if w.typ == cws.MessageBinary {
			wantOp = websocket.OpBinary
		}
		if m.Opcode != wantOp || !bytes.Equal(m.Payload, w.data) || m.Truncated || m.Incomplete || len(m.Faults) > 0 {
			t.Errorf("%s message %d: %v %d bytes (want %v %d bytes), truncated %v, incomplete %v, faults %v",
				who, i, m.Opcode, len(m.Payload), wantOp, len(w.data), m.Truncated, m.Incomplete, m.Faults)
		}
		if w.pieces > 0 && m.Fragments < 2 {
			t.Errorf("%s message %d: %d fragments, want several", who, i, m.Fragments)
		}
	}
}

func TestInteropCoderWebsocket(t *testing.T) {
	modes := []struct {
		name string
		mode cws.CompressionMode
	}{
		{"no compression", cws.CompressionDisabled},
		{"context takeover", cws.CompressionContextTakeover},
		{"no context takeover", cws.CompressionNoContextTakeover},
	}
	for _, tt := range modes {
		t.Run(tt.name, func(t *testing.T) {
			msgs := interopMessages()
			written, read, echoes := talk(t, tt.mode, msgs)

			// The handshake.
			reqBytes, respBytes := bytes.Join(written, nil), bytes.Join(read, nil)
			req, reqLen, err := httpmsg.ParseRequestHead(reqBytes)
			if err != nil {
				t.Fatalf("ParseRequestHead: %v", err)
			}
			resp, respLen, err := httpmsg.ParseResponseHead(respBytes)
			if err != nil {
				t.Fatalf("ParseResponseHead: %v", err)
			}
			if req.Method != "GET" || !req.Header.HasToken("Connection", "upgrade") || !req.Header.HasToken("Upgrade", "websocket") {
				t.Errorf("request %+v", req)
			}
			key := req.Header.Get("Sec-WebSocket-Key")
			if err := websocket.CheckKey(key); err != nil {
				t.Error(err)
			}
			if resp.StatusCode != 101 || resp.Header.Get("Sec-WebSocket-Accept") != websocket.AcceptKey(key) {
				t.Errorf("response %+v", resp)
			}
			offer, err := websocket.ParseExtensions(req.Header.Values("Sec-WebSocket-Extensions"))
			if err != nil {
				t.Fatal(err)
			}
			accepted, err := websocket.ParseExtensions(resp.Header.Values("Sec-WebSocket-Extensions"))
			if err != nil {
				t.Fatal(err)
			}
			deflate, err := websocket.NegotiateDeflate(offer, accepted)
			if err != nil {
				t.Fatalf("NegotiateDeflate: %v", err)
			}
			switch {
			case tt.mode == cws.CompressionDisabled && deflate != nil,
				tt.mode != cws.CompressionDisabled && deflate == nil,
				tt.mode == cws.CompressionNoContextTakeover && !(deflate.ClientNoContextTakeover && deflate.ServerNoContextTakeover),
				tt.mode == cws.CompressionContextTakeover && (deflate.ClientNoContextTakeover || deflate.ServerNoContextTakeover):
				t.Fatalf("negotiated %+v for %s", deflate, tt.name)
			}

			// The frames.
			if !websocket.LooksLikeFrames(reqBytes[reqLen:], true) || websocket.LooksLikeFrames(reqBytes[reqLen:], false) {
				t.Error("LooksLikeFrames misjudges the client's frames")
			}
			if !websocket.LooksLikeFrames(respBytes[respLen:], false) || websocket.LooksLikeFrames(respBytes[respLen:], true) {
				t.Error("LooksLikeFrames misjudges the server's frames")
			}
			client := decode(t, written, reqLen, websocket.Client, deflate)
			server := decode(t, read, respLen, websocket.Server, deflate)
			checkData(t, "client", client.messages, msgs)
			checkData(t, "server", server.messages, echoes)

			// Control frames: the server's ping and the client's pong with
			// the same payload, and a close each way.
			var ping, pong []byte
			var closes []string
			for _, m := range append(slices.Clone(client.messages), server.messages...) {
				switch m.Opcode {
				case websocket.OpPing:
					ping = m.Payload
				case websocket.OpPong:
					pong = m.Payload
				case websocket.OpClose:
					closes = append(closes, fmt.Sprintf("%d %s", m.CloseCode, m.CloseReason))
				}
			}
			if ping == nil || !bytes.Equal(ping, pong) {
				t.Errorf("ping %q, pong %q", ping, pong)
			}
			if len(closes) != 2 || closes[0] != "1000 done" || !strings.HasPrefix(closes[1], "1000") {
				t.Errorf("closes %q", closes)
			}

			// Compression was used where negotiated.
			compressed := 0
			for _, m := range append(slices.Clone(client.messages), server.messages...) {
				if m.Compressed {
					compressed++
					if m.WirePayloadLength >= int64(len(m.Payload)) && len(m.Payload) > 1000 {
						t.Errorf("compressed message of %d bytes took %d on the wire", len(m.Payload), m.WirePayloadLength)
					}
				}
			}
			if (compressed > 0) != (deflate != nil) {
				t.Errorf("%d compressed messages with deflate %+v", compressed, deflate)
			}
			t.Logf("%d client frames, %d server frames, %d compressed messages", len(client.frames), len(server.frames), compressed)
		})
	}
}

// TestInteropCoderOneByteSegments decodes what the library wrote, fed one
// byte at a time.
func TestInteropCoderOneByteSegments(t *testing.T) {
	msgs := interopMessages()[:3]
	written, read, echoes := talk(t, cws.CompressionContextTakeover, msgs)
	split := func(segs [][]byte) [][]byte {
		var out [][]byte
		for _, b := range bytes.Join(segs, nil) {
			out = append(out, []byte{b})
		}
		return out
	}
	_, reqLen, err := httpmsg.ParseRequestHead(bytes.Join(written, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, respLen, err := httpmsg.ParseResponseHead(bytes.Join(read, nil))
	if err != nil {
		t.Fatal(err)
	}
	deflate := &websocket.DeflateParams{ServerMaxWindowBits: 15, ClientMaxWindowBits: 15}
	checkData(t, "client", decode(t, split(written), reqLen, websocket.Client, deflate).messages, msgs)
	checkData(t, "server", decode(t, split(read), respLen, websocket.Server, deflate).messages, echoes)
}
