package demo

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

//go:embed chat.html
var chatPage []byte

// TimeLayout is how the server writes the "time" field of its messages, as
// workerman-chat does.
const TimeLayout = "2006-01-02 15:04:05"

// firstUID is the uid of the first user to log in; later users count up.
const firstUID = 101

// maxMessage is the longest message the server reads.
const maxMessage = 64 << 10

// Server is the chat server: an http.Handler that serves the chat page to a
// plain GET and speaks the chat protocol over WebSocket to an upgrade request,
// both on any path.
//
// The protocol is workerman-chat's, as the seed tutorial's capture carries it.
// A client logs in with {"type":"login","name":"mynick"} ("client_name"
// instead of "name" also works; "room_id" is accepted and ignored). The
// server then sends the new client the user list,
//
//	{"type":"user_list","user_list":[{"uid":101,"name":"listener"},{"uid":102,"name":"mynick"}]}
//
// and relays a login notice to every client, the new one first:
//
//	{"type":"login","uid":102,"name":"mynick","time":"2014-08-12 17:50:30"}
//
// A message {"type":"say","to_uid":"all","content":"hi, all !"} is relayed,
// first to its sender, then to every other client (or only to the user whose
// uid to_uid names), as
//
//	{"type":"say","from_uid":102,"to_uid":"all","content":"hi, all !","time":"2014-08-12 17:51:02"}
//
// When a logged-in client leaves, the others get
// {"type":"logout","uid":102,"name":"mynick","time":"..."}. Other messages
// are ignored.
type Server struct {
	compression websocket.CompressionMode
	now         func() time.Time

	handlers sync.WaitGroup

	mu      sync.Mutex // guards users and nextUID, and orders the messages of a broadcast
	users   []*user    // logged-in users in the order they logged in
	nextUID int
}

// user is a logged-in client.
type user struct {
	uid  int
	name string
	conn *websocket.Conn
}

// NewServer returns a chat server configured by cfg (only Deflate and Clock
// matter to it).
func NewServer(cfg Config) *Server {
	s := &Server{now: cfg.Clock, nextUID: firstUID}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.Deflate {
		s.compression = websocket.CompressionContextTakeover
	}
	return s
}

// ServeHTTP serves the chat page or, for a WebSocket upgrade request, a chat
// connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(chatPage)
		return
	}
	s.handlers.Add(1)
	defer s.handlers.Done()
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		CompressionMode:      s.compression,
		CompressionThreshold: 1, // compress even the short chat messages
	})
	if err != nil {
		return // Accept has answered the client
	}
	defer c.CloseNow()
	c.SetReadLimit(maxMessage)
	s.serve(r.Context(), c)
}

// Wait waits until every chat connection the server accepted has ended.
func (s *Server) Wait() { s.handlers.Wait() }

// serve reads one client's messages until it leaves.
func (s *Server) serve(ctx context.Context, c *websocket.Conn) {
	var me *user
	defer func() {
		if me != nil {
			s.logout(ctx, me)
		}
	}()
	for {
		typ, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			continue
		}
		var m clientMessage
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Type {
		case "login":
			if me != nil {
				continue
			}
			name := m.Name
			if name == "" {
				name = m.ClientName
			}
			if name == "" {
				name = "guest"
			}
			me = s.login(ctx, c, name)
		case "say":
			if me != nil {
				s.say(ctx, me, m)
			}
		}
	}
}

// clientMessage is any message a client sends.
type clientMessage struct {
	Type       string          `json:"type"`
	Name       string          `json:"name"`
	ClientName string          `json:"client_name"`
	RoomID     json.RawMessage `json:"room_id"`
	ToUID      json.RawMessage `json:"to_uid"`
	Content    string          `json:"content"`
}

// The messages clients and the server send, with their fields in the order the seed's
// capture shows them.
type (
	userEntry struct {
		UID  int    `json:"uid"`
		Name string `json:"name"`
	}
	userListMessage struct {
		Type     string      `json:"type"`
		UserList []userEntry `json:"user_list"`
	}
	loginMessage struct {
		Type string `json:"type"`
		UID  int    `json:"uid"`
		Name string `json:"name"`
		Time string `json:"time"`
	}
	loginRequest struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	sayRequest struct {
		Type    string `json:"type"`
		ToUID   string `json:"to_uid"`
		Content string `json:"content"`
	}
	sayMessage struct {
		Type    string          `json:"type"`
		FromUID int             `json:"from_uid"`
		ToUID   json.RawMessage `json:"to_uid"`
		Content string          `json:"content"`
		Time    string          `json:"time"`
	}
)

// login adds a user, sends it the user list and tells everyone.
func (s *Server) login(ctx context.Context, c *websocket.Conn, name string) *user {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &user{uid: s.nextUID, name: name, conn: c}
	s.nextUID++
	s.users = append(s.users, u)
	list := userListMessage{Type: "user_list", UserList: []userEntry{}}
	for _, v := range s.users {
		list.UserList = append(list.UserList, userEntry{UID: v.uid, Name: v.name})
	}
	send(ctx, u, list)
	s.broadcast(ctx, u, loginMessage{Type: "login", UID: u.uid, Name: u.name, Time: s.now().Format(TimeLayout)})
	return u
}

// say relays a message to its sender and its recipients.
func (s *Server) say(ctx context.Context, from *user, m clientMessage) {
	to := bytes.TrimSpace(m.ToUID)
	if len(to) == 0 {
		to = json.RawMessage(`"all"`)
	}
	out := sayMessage{Type: "say", FromUID: from.uid, ToUID: to, Content: m.Content, Time: s.now().Format(TimeLayout)}
	s.mu.Lock()
	defer s.mu.Unlock()
	if string(to) == `"all"` {
		s.broadcast(ctx, from, out)
		return
	}
	send(ctx, from, out)
	var uid int
	if json.Unmarshal(bytes.Trim(to, `"`), &uid) != nil {
		return
	}
	for _, u := range s.users {
		if u.uid == uid && u != from {
			send(ctx, u, out)
		}
	}
}

// logout removes a user and tells the others.
func (s *Server) logout(ctx context.Context, u *user) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, v := range s.users {
		if v == u {
			s.users = append(s.users[:i], s.users[i+1:]...)
			break
		}
	}
	s.broadcast(context.WithoutCancel(ctx), nil, loginMessage{Type: "logout", UID: u.uid, Name: u.name, Time: s.now().Format(TimeLayout)})
}

// broadcast sends m to first (if not nil), then to every other user in the
// order they logged in. The caller holds s.mu.
func (s *Server) broadcast(ctx context.Context, first *user, m any) {
	if first != nil {
		send(ctx, first, m)
	}
	for _, u := range s.users {
		if u != first {
			send(ctx, u, m)
		}
	}
}

// send writes m as one text message. A client that cannot be written to is
// gone: it is cut off, and its own handler logs it out.
func send(ctx context.Context, u *user, m any) {
	b, err := encode(m)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := u.conn.Write(ctx, websocket.MessageText, b); err != nil {
		u.conn.CloseNow()
	}
}

// encode returns m as compact JSON, with <, > and & left as they are.
func encode(m any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("demo: encode %T: %w", m, err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
