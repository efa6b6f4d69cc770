package livepage

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wstrace/wstrace/capture"
)

// packets reads a capture file of the repository.
func packets(t testing.TB, name string) []*capture.Packet {
	t.Helper()
	r, err := capture.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var out []*capture.Packet
	for {
		p, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
}

// sseEvent is one event as a client reads it.
type sseEvent struct {
	id   int
	kind string
	data string
}

// readEvents reads Server-Sent Events from r until it ends, sending each
// on ch.
func readEvents(r io.Reader, ch chan<- sseEvent) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	var e sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if e.kind != "" {
				e.data = strings.Join(data, "\n")
				ch <- e
			}
			e, data = sseEvent{}, nil
		case strings.HasPrefix(line, "id: "):
			n, err := strconv.Atoi(line[4:])
			if err != nil {
				return err
			}
			e.id = n
		case strings.HasPrefix(line, "event: "):
			e.kind = line[7:]
		case strings.HasPrefix(line, "data: "):
			data = append(data, line[6:])
		}
	}
	return sc.Err()
}

// subscribe opens /events with Last-Event-ID last (0: none) and returns
// the events as they come.
func subscribe(t testing.TB, ctx context.Context, url string, last int) <-chan sseEvent {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	if last > 0 {
		req.Header.Set("Last-Event-ID", strconv.Itoa(last))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("/events answers %s, %s", resp.Status, ct)
	}
	ch := make(chan sseEvent, 4096)
	go func() {
		defer resp.Body.Close()
		defer close(ch)
		readEvents(resp.Body, ch)
	}()
	return ch
}

func next(t testing.TB, ch <-chan sseEvent) sseEvent {
	t.Helper()
	select {
	case e, ok := <-ch:
		if !ok {
			t.Fatal("the event stream ended")
		}
		return e
	case <-time.After(30 * time.Second):
		t.Fatal("no event in 30 s")
	}
	return sseEvent{}
}

// TestLivePage feeds the seed capture to a live page and reads it as
// viewers do: one from the start, one arriving late, one resuming after
// a dropped connection; then the capture ends.
func TestLivePage(t *testing.T) {
	pkts := packets(t, "../../testdata/workerman-chat.pcap")
	srv, err := New(Options{Source: "workerman-chat.pcap"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	resp, err := http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	shell, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"Content-Security-Policy", "connect-src &#39;self&#39;", `data-events="/events"`, "Live capture", "present-bar"} {
		if !strings.Contains(string(shell), want) {
			t.Errorf("the live page lacks %q", want)
		}
	}

	early := subscribe(t, ctx, ts.URL, 0)
	half := len(pkts) / 2
	for _, p := range pkts[:half] {
		srv.Add(p)
	}
	var got []sseEvent
	for len(got) < half {
		e := next(t, early)
		if e.kind != "packet" || e.id != len(got)+1 {
			t.Fatalf("event %d: %+v", len(got)+1, e)
		}
		if !strings.HasPrefix(e.data, `<article class="packet`) || !strings.Contains(e.data, `data-packet="`+strconv.Itoa(len(got)+1)+`"`) {
			t.Fatalf("event %d is not packet %d's article: %.100q", e.id, len(got)+1, e.data)
		}
		if strings.Contains(e.data, "()") || strings.Contains(e.data, "packet 0") || strings.Contains(e.data, "not shown on this page") {
			t.Errorf("event %d's sentences miss what an earlier packet tells: %.300q", e.id, e.data)
		}
		got = append(got, e)
	}

	// A late viewer gets everything so far; a viewer that dropped after
	// event 5 gets the rest.
	late := subscribe(t, ctx, ts.URL, 0)
	resumed := subscribe(t, ctx, ts.URL, 5)
	for i := 1; i <= half; i++ {
		if e := next(t, late); e.id != i || e.data != got[i-1].data {
			t.Fatalf("the late viewer's event %d is %d", i, e.id)
		}
	}
	for i := 6; i <= half; i++ {
		if e := next(t, resumed); e.id != i {
			t.Fatalf("the resumed viewer gets event %d, want %d", e.id, i)
		}
	}
	for _, p := range pkts[half:] {
		srv.Add(p)
	}
	final := []byte("<!DOCTYPE html><title>final</title>")
	srv.Finish(final)
	for _, ch := range []<-chan sseEvent{early, late, resumed} {
		for i := half + 1; i <= len(pkts); i++ {
			if e := next(t, ch); e.id != i || e.kind != "packet" {
				t.Fatalf("event %d: %+v", i, e)
			}
		}
		if e := next(t, ch); e.kind != "end" {
			t.Fatalf("after the last packet: %+v", e)
		}
		if _, ok := <-ch; ok {
			t.Error("the stream goes on after the end")
		}
	}
	resp, err = http.Get(ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(page) != string(final) {
		t.Errorf("after Finish, / serves %.60q", page)
	}
	// A viewer arriving after the end gets everything and the end.
	after := subscribe(t, ctx, ts.URL, len(pkts)-1)
	if e := next(t, after); e.id != len(pkts) {
		t.Errorf("after the end, resuming gets %+v", e)
	}
	if e := next(t, after); e.kind != "end" {
		t.Errorf("after the end, resuming gets %+v", e)
	}
	if st := srv.Stats(); st.Packets != len(pkts) || st.Cut != 0 || len(st.Errors) != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestSlowViewerCut checks that a viewer who reads too slowly is cut off
// when its buffer is full, with a note, while another gets every event.
func TestSlowViewerCut(t *testing.T) {
	pkts := packets(t, "../../testdata/workerman-chat.pcap")
	srv, err := New(Options{Source: "test", Buffer: 16, WriteTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	// The first connection, the slow viewer's, gets a small send buffer, so
	// that the server's writes wait for its reads soon.
	ts.Listener = &smallFirst{Listener: ts.Listener}
	ts.Start()
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The slow viewer: a connection read a kilobyte at a time.
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(conn, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	slow := make(chan string, 1)
	go func() {
		var got strings.Builder
		buf := make([]byte, 1024)
		conn.SetReadDeadline(time.Now().Add(50 * time.Second))
		for {
			n, err := conn.Read(buf)
			got.Write(buf[:n])
			if err != nil || strings.Contains(got.String(), "event: cut") {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		slow <- got.String()
	}()
	fast := subscribe(t, ctx, ts.URL, 0)
	deadline := time.Now().Add(2 * time.Minute)
	for srv.Stats().Viewers < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	// Many more events than the buffer and the socket buffers hold.
	rounds := 0
	for srv.Stats().Cut == 0 && time.Now().Before(deadline) {
		for _, p := range pkts {
			srv.Add(p)
		}
		rounds++
		time.Sleep(20 * time.Millisecond)
	}
	if srv.Stats().Cut == 0 {
		t.Fatal("the slow viewer was never cut off")
	}
	srv.Finish(nil)
	n := 0
	for e := range fast {
		if e.kind == "cut" {
			t.Fatal("the viewer who reads was cut off")
		}
		if e.kind == "packet" {
			n++
			if e.id != n {
				t.Fatalf("event %d after %d", e.id, n-1)
			}
		}
	}
	if want := rounds * len(pkts); n != want {
		t.Errorf("the reading viewer got %d packets, want %d", n, want)
	}
	if got := <-slow; !strings.Contains(got, "event: cut") {
		t.Errorf("the slow viewer got no note (%d bytes)", len(got))
	}
	t.Logf("the slow viewer was cut after %d rounds of %d packets", rounds, len(pkts))
}

// smallFirst is a listener whose first connection has a small send buffer.
type smallFirst struct {
	net.Listener
	once sync.Once
}

func (l *smallFirst) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.once.Do(func() { c.(*net.TCPConn).SetWriteBuffer(4096) })
	}
	return c, err
}

// TestFiftyViewers is the class: 50 viewers watch while a thousand-odd
// packets are captured. Every viewer gets every packet in order, and the
// capture never waits for them (Add returns at once). The test is bounded
// by its context, not timed.
func TestFiftyViewers(t *testing.T) {
	pkts := packets(t, "../../testdata/workerman-chat.pcap")
	srv, err := New(Options{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const viewers, rounds = 50, 20
	var wg sync.WaitGroup
	counts := make([]int, viewers)
	errs := make(chan error, viewers)
	for i := range viewers {
		ch := subscribe(t, ctx, ts.URL, 0)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range ch {
				switch e.kind {
				case "packet":
					counts[i]++
					if e.id != counts[i] {
						errs <- errors.New("viewer " + strconv.Itoa(i) + ": event " + strconv.Itoa(e.id) + " out of order")
						return
					}
				case "cut":
					errs <- errors.New("viewer " + strconv.Itoa(i) + " was cut off")
					return
				case "end":
					return
				}
			}
		}()
	}
	start := time.Now()
	for range rounds {
		for _, p := range pkts {
			srv.Add(p)
		}
	}
	added := time.Since(start)
	srv.Finish(nil)
	finished := time.Since(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i, n := range counts {
		if n != rounds*len(pkts) {
			t.Errorf("viewer %d got %d packets, want %d", i, n, rounds*len(pkts))
		}
	}
	if ctx.Err() != nil {
		t.Fatal("the viewers did not get every packet within two minutes")
	}
	t.Logf("%d packets to %d viewers: added in %v, explained and sent in %v, all read in %v",
		rounds*len(pkts), viewers, added, finished, time.Since(start))
}

func TestListen(t *testing.T) {
	for _, tt := range []struct {
		addr   string
		public bool
		ok     bool
	}{
		{"127.0.0.1:0", false, true},
		{"localhost:0", false, true},
		{"[::1]:0", false, true},
		{":0", false, false},
		{"0.0.0.0:0", false, false},
		{"0.0.0.0:0", true, true},
	} {
		ln, err := Listen(tt.addr, tt.public)
		if (err == nil) != tt.ok {
			if strings.Contains(tt.addr, "::1") && err != nil && strings.Contains(err.Error(), "address") {
				continue // no IPv6 here
			}
			t.Errorf("Listen(%q, %v): %v", tt.addr, tt.public, err)
		}
		if ln != nil {
			ln.Close()
		}
	}
}

func TestHostAllowed(t *testing.T) {
	srv, err := New(Options{Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]int{"127.0.0.1:8080": 200, "localhost:8080": 200, "[::1]:80": 200, "evil.example:8080": 421} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Host = host
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != want {
			t.Errorf("Host %s: %d, want %d", host, w.Code, want)
		}
	}
}

func TestOwnTraffic(t *testing.T) {
	pkts := packets(t, "../../testdata/workerman-chat.pcap")
	own, err := OwnTraffic(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7272})
	if err != nil {
		t.Fatal(err)
	}
	other, err := OwnTraffic(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 7273})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkts {
		if !own(p) {
			t.Errorf("packet %d of a connection to port 7272 is not the page's", p.Number)
		}
		if other(p) {
			t.Errorf("packet %d is taken for a page on port 7273's", p.Number)
		}
	}
	if _, err := os.Stat("../../testdata/workerman-chat.pcap"); err != nil {
		t.Fatal(err)
	}
}

// TestAddNeverWaits checks that the capture side never waits for the page:
// with a queue of 8, a burst of packets returns at once, the ones beyond
// the queue are counted as skipped, and the page ends normally.
func TestAddNeverWaits(t *testing.T) {
	pkts := packets(t, "../../testdata/workerman-chat.pcap")
	srv, err := New(Options{Source: "test", Queue: 8})
	if err != nil {
		t.Fatal(err)
	}
	const rounds = 20
	for range rounds {
		for _, p := range pkts {
			srv.Add(p)
		}
	}
	srv.Finish(nil)
	st := srv.Stats()
	if st.Skipped == 0 || st.Packets+st.Skipped != rounds*len(pkts) {
		t.Errorf("%d packets explained and %d skipped of %d added", st.Packets, st.Skipped, rounds*len(pkts))
	}
}
