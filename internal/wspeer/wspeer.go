// Package wspeer runs a third-party WebSocket peer for tests to capture: a
// server and a client of github.com/coder/websocket, so that the packets
// wstrace reads were written by code nobody here wrote.
package wspeer

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// EchoServer starts a WebSocket server on 127.0.0.1 that sends every message
// back, and returns its ws:// URL and its port. The server closes at the end
// of the test.
func EchoServer(t testing.TB) (url string, port int) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(echo))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http"), srv.Listener.Addr().(*net.TCPAddr).Port
}

// echo accepts a WebSocket connection and sends every message back until
// the connection ends.
func echo(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	for {
		typ, msg, err := c.Read(r.Context())
		if err != nil {
			return
		}
		if err := c.Write(r.Context(), typ, msg); err != nil {
			return
		}
	}
}

// Session connects to the echo server at url, sends each message as a text
// message (masked, as a client must) and checks that its echo comes back,
// then closes the connection cleanly with status 1000 (normal closure). Any
// error, or a session longer than 10s, fails the test. A message may hold at
// most 32 KiB, the longest message either side reads by default.
func Session(t testing.TB, url string, messages ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer c.CloseNow()
	for _, msg := range messages {
		if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatalf("write: %v", err)
		}
		if _, got, err := c.Read(ctx); err != nil || string(got) != msg {
			t.Fatalf("read = %.20q, %v; want %.20q", got, err, msg)
		}
	}
	if err := c.Close(websocket.StatusNormalClosure, "done"); err != nil {
		t.Fatalf("close: %v", err)
	}
}
