// Package demo plays the seed tutorial's scenario end to end with no other
// software: a WebSocket chat server speaking the workerman-chat protocol, and
// scripted clients that log in, say "hi, all !" and leave. With a live capture
// running beside it ([CaptureRun]), it produces a capture like the one the
// tutorial explains.
//
// Both the server and the clients use the third-party WebSocket library
// github.com/coder/websocket, so a capture of the demo shows another
// implementation's frames, never wstrace's own.
package demo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// DefaultAddr is where the demo server listens unless told otherwise: the
// seed tutorial's port.
const DefaultAddr = "127.0.0.1:7272"

// Config configures the demo. The zero value plays the seed tutorial's
// scenario on DefaultAddr.
type Config struct {
	// Addr is the server's listen address; port 0 picks a free port.
	// Default DefaultAddr.
	Addr string
	// Names are the clients' nicknames. They connect and log in in this
	// order; the last one says Messages. Default "listener", "mynick".
	Names []string
	// Messages are what the last client says, in order. Nil means the
	// default, "hi, all !"; an empty slice means nothing is said.
	Messages []string
	// Deflate negotiates permessage-deflate (RFC 7692, with context
	// takeover) and compresses every message.
	Deflate bool
	// TLS serves wss:// instead of ws://, with a certificate made at run
	// time; the clients write their session keys to Transcript.KeyLog (the
	// NSS key log format), so that a capture of the run can be decrypted.
	TLS bool
	// Pause is the wait between the steps of the scenario, so that a capture
	// shows each step's packets together. Default 50ms.
	Pause time.Duration
	// Clock gives the time the server writes into its messages. Default
	// time.Now.
	Clock func() time.Time
	// Log, if not nil, receives a line for each step.
	Log io.Writer
}

// withDefaults returns cfg with every unset field at its default.
func (cfg Config) withDefaults() Config {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if len(cfg.Names) == 0 {
		cfg.Names = []string{"listener", "mynick"}
	}
	if cfg.Messages == nil {
		cfg.Messages = []string{"hi, all !"}
	}
	if cfg.Pause <= 0 {
		cfg.Pause = 50 * time.Millisecond
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return cfg
}

// Transcript records what the demo's clients sent and received, in the order
// it happened.
type Transcript struct {
	// Addr is the address the server listened on.
	Addr string
	// Entries are the messages, sent and received.
	Entries []Entry
	// KeyLog holds the clients' TLS session keys (NSS key log format)
	// when Config.TLS is set.
	KeyLog []byte
}

// Entry is one message a client sent or received.
type Entry struct {
	Client string // the client's nickname
	Sent   bool   // true for a message the client sent
	Text   string // the message
	Time   time.Time
}

// Messages returns the messages the named client received.
func (t *Transcript) Messages(client string) []string {
	var out []string
	for _, e := range t.Entries {
		if e.Client == client && !e.Sent {
			out = append(out, e.Text)
		}
	}
	return out
}

// Run starts the chat server on cfg.Addr, plays the scenario and shuts the
// server down:
//
//  1. each client in cfg.Names connects, upgrades to WebSocket and logs in;
//     the server sends it the user list and relays its login notice to every
//     client;
//  2. the last client says each of cfg.Messages, which the server relays to
//     every client;
//  3. the clients leave in reverse order, each with a close handshake (status
//  1000. and then TCP FIN; the server tells those still there.
//
// Every client waits for each message it expects before the scenario goes
// on, so the packets come in the same order on every run.
func Run(ctx context.Context, cfg Config) (*Transcript, error) {
	cfg = cfg.withDefaults()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("demo: listen: %w", err)
	}
	return run(ctx, cfg, ln)
}

// run plays the scenario against a server on ln, which it closes.
func run(ctx context.Context, cfg Config, ln net.Listener) (*Transcript, error) {
	srv := NewServer(cfg)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	t := &Transcript{Addr: ln.Addr().String()}
	s := &script{cfg: cfg, url: "ws://" + t.Addr + "/", transcript: t}
	if cfg.TLS {
		ts, err := newTLSSetup()
		if err != nil {
			ln.Close()
			return nil, err
		}
		ln = tls.NewListener(ln, ts.server)
		s.url, s.http = "wss://"+t.Addr+"/", ts.client
		defer func() { t.KeyLog = ts.keys.Bytes() }()
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()

	err := s.play(ctx)
	for _, c := range s.clients {
		c.conn.CloseNow()
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if serr := hs.Shutdown(shutdownCtx); serr != nil && err == nil {
		err = fmt.Errorf("demo: stop the server: %w", serr)
	}
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutdownCtx.Done():
		if err == nil {
			err = errors.New("demo: the server's connections did not end")
		}
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("demo: serve: %w", serr)
	}
	return t, err
}

// script drives the clients through the scenario.
type script struct {
	cfg        Config
	url        string
	http       *http.Client // for wss://, nil for ws://
	transcript *Transcript
	clients    []*client
	mu         sync.Mutex // guards transcript
	uids       map[string]int
}

// client is one scripted chat client.
type client struct {
	name string
	conn *websocket.Conn
}

func (s *script) logf(format string, args ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, format+"\n", args...)
	}
}

func (s *script) pause(ctx context.Context) error {
	select {
	case <-time.After(s.cfg.Pause):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// play runs the three steps of the scenario.
func (s *script) play(ctx context.Context) error {
	s.uids = map[string]int{}
	mode := websocket.CompressionDisabled
	if s.cfg.Deflate {
		mode = websocket.CompressionContextTakeover
	}
	for _, name := range s.cfg.Names {
		s.logf("%s connects to %s", name, s.url)
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conn, _, err := websocket.Dial(dctx, s.url, &websocket.DialOptions{
			CompressionMode:      mode,
			CompressionThreshold: 1,
			HTTPClient:           s.http,
		})
		cancel()
		if err != nil {
			return fmt.Errorf("demo: %s: connect: %w", name, err)
		}
		conn.SetReadLimit(maxMessage)
		c := &client{name: name, conn: conn}
		s.clients = append(s.clients, c)
		if err := s.pause(ctx); err != nil {
			return err
		}

		s.logf("%s logs in", name)
		if err := s.send(ctx, c, loginRequest{Type: "login", Name: name}); err != nil {
			return err
		}
		m, err := s.expect(ctx, c, "user_list")
		if err != nil {
			return err
		}
		var list userListMessage
		if err := json.Unmarshal(m, &list); err != nil || len(list.UserList) == 0 {
			return fmt.Errorf("demo: %s: bad user list %s", name, m)
		}
		s.uids[name] = list.UserList[len(list.UserList)-1].UID
		for _, other := range s.clients {
			if _, err := s.expect(ctx, other, "login"); err != nil {
				return err
			}
		}
		if err := s.pause(ctx); err != nil {
			return err
		}
	}

	speaker := s.clients[len(s.clients)-1]
	for _, text := range s.cfg.Messages {
		s.logf("%s says %q", speaker.name, text)
		if err := s.send(ctx, speaker, sayRequest{Type: "say", ToUID: "all", Content: text}); err != nil {
			return err
		}
		for _, c := range s.clients {
			if _, err := s.expect(ctx, c, "say"); err != nil {
				return err
			}
		}
		if err := s.pause(ctx); err != nil {
			return err
		}
	}

	for i := len(s.clients) - 1; i >= 0; i-- {
		c := s.clients[i]
		s.logf("%s leaves", c.name)
		if err := c.conn.Close(websocket.StatusNormalClosure, ""); err != nil {
			return fmt.Errorf("demo: %s: close: %w", c.name, err)
		}
		for _, other := range s.clients[:i] {
			if _, err := s.expect(ctx, other, "logout"); err != nil {
				return err
			}
		}
		if err := s.pause(ctx); err != nil {
			return err
		}
	}
	return nil
}

// send writes v as a JSON text message from c.
func (s *script) send(ctx context.Context, c *client, v any) error {
	b, err := encode(v)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := c.conn.Write(wctx, websocket.MessageText, b); err != nil {
		return fmt.Errorf("demo: %s: send: %w", c.name, err)
	}
	s.record(c, true, string(b))
	return nil
}

// expect reads c's next message and checks its type.
func (s *script) expect(ctx context.Context, c *client, typ string) ([]byte, error) {
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, b, err := c.conn.Read(rctx)
	if err != nil {
		return nil, fmt.Errorf("demo: %s: waiting for %q: %w", c.name, typ, err)
	}
	s.record(c, false, string(b))
	var m struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(b, &m) != nil || m.Type != typ {
		return nil, fmt.Errorf("demo: %s: got %.200s, want a %q message", c.name, b, typ)
	}
	return b, nil
}

func (s *script) record(c *client, sent bool, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transcript.Entries = append(s.transcript.Entries, Entry{Client: c.name, Sent: sent, Text: text, Time: time.Now()})
}

// ListenAndServe runs the chat server on cfg.Addr until ctx is done, for
// people to chat on with a browser.
func ListenAndServe(ctx context.Context, cfg Config) error {
	cfg = cfg.withDefaults()
	srv := NewServer(cfg)
	hs := &http.Server{Addr: cfg.Addr, Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("demo: listen: %w", err)
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("demo: serve: %w", err)
	}
	return nil
}
