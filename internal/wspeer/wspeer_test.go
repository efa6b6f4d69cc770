package wspeer_test

import (
	"strings"
	"testing"

	"github.com/wstrace/wstrace/internal/wspeer"
)

// TestSession runs sessions against the echo server, with no message, a
// short one and one larger than a TCP segment.
func TestSession(t *testing.T) {
	url, port := wspeer.EchoServer(t)
	if !strings.HasPrefix(url, "ws://127.0.0.1:") || port == 0 {
		t.Fatalf("EchoServer = %q, %d", url, port)
	}
	wspeer.Session(t, url)
	wspeer.Session(t, url, "hello", strings.Repeat("x", 20000), "bye")
}
