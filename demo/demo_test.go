package demo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wstrace/wstrace/demo"
)

var seedTime = time.Date(2014, 8, 12, 17, 50, 30, 0, time.UTC)

func fixedClock() time.Time { return seedTime }

// TestRun plays the scenario and checks every message each client sent and
// received, plain and with permessage-deflate.
func TestRun(t *testing.T) {
	for _, deflate := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "deflate"}[deflate], func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			tr, err := demo.Run(ctx, demo.Config{Addr: "127.0.0.1:0", Deflate: deflate, Clock: fixedClock, Pause: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			const (
				login    = `{"type":"login","uid":102,"name":"mynick","time":"2014-08-12 17:50:30"}`
				say      = `{"type":"say","from_uid":102,"to_uid":"all","content":"hi, all !","time":"2014-08-12 17:50:30"}`
				logout   = `{"type":"logout","uid":102,"name":"mynick","time":"2014-08-12 17:50:30"}`
				bothList = `{"type":"user_list","user_list":[{"uid":101,"name":"listener"},{"uid":102,"name":"mynick"}]}`
			)
			want := map[string][]string{
				"listener": {
					`{"type":"user_list","user_list":[{"uid":101,"name":"listener"}]}`,
					`{"type":"login","uid":101,"name":"listener","time":"2014-08-12 17:50:30"}`,
					login, say, logout,
				},
				"mynick": {bothList, login, say},
			}
			for client, msgs := range want {
				if got := tr.Messages(client); !slices.Equal(got, msgs) {
					t.Errorf("%s received\n%s\nwant\n%s", client, strings.Join(got, "\n"), strings.Join(msgs, "\n"))
				}
			}
			var sent []string
			for _, e := range tr.Entries {
				if e.Sent {
					sent = append(sent, e.Client+" "+e.Text)
				}
			}
			wantSent := []string{
				`listener {"type":"login","name":"listener"}`,
				`mynick {"type":"login","name":"mynick"}`,
				`mynick {"type":"say","to_uid":"all","content":"hi, all !"}`,
			}
			if !slices.Equal(sent, wantSent) {
				t.Errorf("sent\n%s\nwant\n%s", strings.Join(sent, "\n"), strings.Join(wantSent, "\n"))
			}
		})
	}
}

// TestServerPage checks that a plain GET gets the embedded chat page, with no
// external resources.
func TestServerPage(t *testing.T) {
	srv := httptest.NewServer(demo.NewServer(demo.Config{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	page := string(body)
	if !strings.Contains(page, "new WebSocket(") {
		t.Error("the page opens no WebSocket")
	}
	for _, external := range []string{"src=\"http", "href=\"http", "src=\"//", "@import"} {
		if strings.Contains(page, external) {
			t.Errorf("the page loads an external resource (%s)", external)
		}
	}
}

// TestWorkermanLogin logs in the way workerman-chat's own page does, with
// client_name and room_id, and sends a private message.
func TestWorkermanLogin(t *testing.T) {
	srv := httptest.NewServer(demo.NewServer(demo.Config{Clock: fixedClock}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(srv.URL, "http")
	dial := func() *websocket.Conn {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	read := func(c *websocket.Conn) string {
		_, b, err := c.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	write := func(c *websocket.Conn, s string) {
		if err := c.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	a, b := dial(), dial()
	write(a, `{"type":"login","client_name":"alice","room_id":"1"}`)
	read(a) // user list
	read(a) // own login
	write(b, `not json`)
	write(b, `{"type":"say","to_uid":"all","content":"before login"}`) // ignored
	write(b, `{"type":"login","client_name":"bob","room_id":"1"}`)
	if got, want := read(b), `{"type":"user_list","user_list":[{"uid":101,"name":"alice"},{"uid":102,"name":"bob"}]}`; got != want {
		t.Errorf("bob's user list = %s, want %s", got, want)
	}
	read(b)
	read(a) // bob's login
	write(b, `{"type":"say","to_uid":101,"content":"<b>psst</b>"}`)
	want := `{"type":"say","from_uid":102,"to_uid":101,"content":"<b>psst</b>","time":"2014-08-12 17:50:30"}`
	if got := read(b); got != want {
		t.Errorf("sender got %s, want %s", got, want)
	}
	if got := read(a); got != want {
		t.Errorf("recipient got %s, want %s", got, want)
	}
}
