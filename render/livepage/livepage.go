// Package livepage serves a capture's page over HTTP while the capture
// runs: a browser opened before or during the capture shows each packet
// explained as it arrives, without reload, through Server-Sent Events
// (GET /events); a browser opened late gets everything so far; a viewer
// whose connection dropped resumes after the last event it got (the
// EventSource's Last-Event-ID). When the capture ends, [Server.Finish] puts
// the full page in place of the live one.
//
// Each viewer has a buffer of its own, of Options.Buffer events: the
// capture never waits for a viewer, and a viewer that falls that far
// behind is cut off with a note (its browser reconnects and resumes). The
// packets' explanations are kept once, for every viewer.
//
// A program serves a live page like this:
//
//	ln, err := livepage.Listen("127.0.0.1:8080", false)
//	srv, err := livepage.New(livepage.Options{Source: "lo"})
//	go http.Serve(ln, srv)
//	// for each packet captured, except the page's own (see OwnTraffic):
//	srv.Add(p)
//	// at the end:
//	srv.Finish(fullPage)
package livepage

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/capture"
	"github.com/wstrace/wstrace/capture/decode"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/html"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
)

// DefaultBuffer is the default of Options.Buffer.
const DefaultBuffer = 256

// Options configure a live page.
type Options struct {
	// Page says how packets are explained (language, redaction, ...). The
	// live page is always in the guide style.
	Page render.Options
	// Annotate are the annotator's options.
	Annotate annotate.Options
	// Source says what is captured, such as "lo" or "lo, tcp port 7272";
	// the page shows it.
	Source string
	// Buffer is how many events wait for one viewer at most before it is
	// cut off; 0 means DefaultBuffer.
	Buffer int
	// WriteTimeout cuts off a viewer whose connection takes in nothing for
	// that long; 0 means 10 seconds.
	WriteTimeout time.Duration
	// Retry is how long a browser waits before it reconnects; 0 means 2
	// seconds.
	Retry time.Duration
	// Queue is how many packets wait to be explained at most; 0 means
	// 65536. Add leaves packets off the live page beyond that, so that the
	// capture never waits for the page.
	Queue int
}

// maxQueueBytes is the most packet data waiting to be explained.
const maxQueueBytes = 64 << 20

// An event is one Server-Sent Event; its id is its place in the log,
// from 1.
type event struct {
	id   int
	kind string // "packet" or "end"
	data string
}

// A viewer is one browser's connection to /events.
type viewer struct {
	ch chan *event // closed when the viewer is cut off
}

// A Server is a live page: an http.Handler, fed packets with Add.
type Server struct {
	opts  Options
	shell []byte
	// fl explains the packets (the explaining goroutine's).
	fl    *render.Follower
	queue chan *capture.Packet
	// queued counts the bytes waiting in queue; skipped the packets Add
	// left off the page.
	queued, skipped atomic.Int64
	done            chan struct{} // closed when the queue is drained

	mu      sync.Mutex
	events  []*event
	viewers map[*viewer]struct{}
	final   []byte
	ended   bool
	cut     int
	errs    []error
}

// New makes a live page.
func New(opts Options) (*Server, error) {
	if opts.Buffer <= 0 {
		opts.Buffer = DefaultBuffer
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.Retry <= 0 {
		opts.Retry = 2 * time.Second
	}
	if opts.Queue <= 0 {
		opts.Queue = 1 << 16
	}
	opts.Page.Style = render.StyleGuide
	opts.Page.Fragment = false
	opts.Page.IDPrefix = ""
	// One catalog, parsed once, for the shell and every packet.
	lang := opts.Page.Lang
	if lang == "" {
		lang = "en"
	}
	var err error
	if opts.Page.Catalog, err = render.LoadCatalog(lang, opts.Page.Templates); err != nil {
		return nil, err
	}
	shell, err := makeShell(opts)
	if err != nil {
		return nil, err
	}
	page := opts.Page
	page.Fragment = true
	fl, err := render.NewFollower(opts.Annotate, page, render.Capture{Name: opts.Source})
	if err != nil {
		return nil, err
	}
	s := &Server{
		opts:    opts,
		shell:   shell,
		fl:      fl,
		queue:   make(chan *capture.Packet, opts.Queue),
		done:    make(chan struct{}),
		viewers: map[*viewer]struct{}{},
	}
	go s.explain()
	return s, nil
}

// Add explains a packet on the page. The packet is explained by another
// goroutine, in the order of the calls to Add; its data is copied. Add
// never waits: when Options.Queue packets or 64 MiB wait already, the
// packet is left off the live page (Stats.Skipped counts it; the full page
// at the end has it).
func (s *Server) Add(p *capture.Packet) {
	n := int64(len(p.Data))
	if s.queued.Load()+n > maxQueueBytes {
		s.skipped.Add(1)
		return
	}
	c := *p
	c.Data = bytes.Clone(p.Data)
	select {
	case s.queue <- &c:
		s.queued.Add(n)
	default:
		s.skipped.Add(1)
	}
}

// WritePacket adds the packet (see Add), so that a Server can take the
// packets a capture writes.
func (s *Server) WritePacket(p *capture.Packet) error {
	s.Add(p)
	return nil
}

// explain makes each packet's article and sends it to the viewers.
func (s *Server) explain() {
	defer close(s.done)
	for p := range s.queue {
		s.queued.Add(-int64(len(p.Data)))
		article, err := s.article(p)
		if err != nil {
			s.mu.Lock()
			s.errs = append(s.errs, err)
			s.mu.Unlock()
			continue
		}
		if article != "" {
			s.publish("packet", article)
		}
	}
}

// article returns the HTML of the packet's <article>, as the page's
// layout makes it: the packet is annotated after every packet before it,
// and its page is built alone. What later packets reveal is explained on
// those packets.
func (s *Server) article(p *capture.Packet) (string, error) {
	// The page is built from the packets just before this one too, so that
	// a sentence about an earlier packet (the one an ACK acknowledges, say)
	// finds it, but shows only this one (render.Follower, the page builder
	// run packet by packet).
	page, err := s.fl.Add(p)
	if err != nil {
		return "", fmt.Errorf("packet %d: %w", p.Number, err)
	}
	if page == nil {
		return "", nil
	}
	var b bytes.Buffer
	if err := html.Write(&b, page); err != nil {
		return "", fmt.Errorf("packet %d: %w", p.Number, err)
	}
	out := b.String()
	start := strings.Index(out, "<article ")
	end := strings.LastIndex(out, "</article>")
	if start < 0 || end < start {
		return "", nil
	}
	return out[start : end+len("</article>")], nil
}

// publish adds an event to the log and gives it to every viewer; a viewer
// whose buffer is full is cut off.
func (s *Server) publish(kind, data string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := &event{id: len(s.events) + 1, kind: kind, data: data}
	s.events = append(s.events, e)
	for v := range s.viewers {
		select {
		case v.ch <- e:
		default:
			close(v.ch)
			delete(s.viewers, v)
			s.cut++
		}
	}
}

// Finish ends the live page once every packet added is explained: viewers
// are told to load the full page, which page holds, and GET / serves it
// from then on.
func (s *Server) Finish(page []byte) {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	close(s.queue)
	<-s.done
	s.mu.Lock()
	s.final = page
	s.mu.Unlock()
	s.publish("end", "")
	s.mu.Lock()
	s.ended = true
	s.mu.Unlock()
}

// Stats reports the packets explained so far, the viewers watching and
// the viewers cut off for falling behind.
type Stats struct {
	Packets, Viewers, Cut int
	// Skipped counts the packets left off the live page because too many
	// waited to be explained.
	Skipped int
	// Errors are the packets that could not be explained.
	Errors []error
}

// Stats returns the page's counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.events)
	if s.ended {
		n--
	}
	return Stats{Packets: n, Viewers: len(s.viewers), Cut: s.cut, Skipped: int(s.skipped.Load()), Errors: append([]error(nil), s.errs...)}
}

// ServeHTTP serves the page at / and its events at /events.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !hostAllowed(r.Host) {
		// A name other than an address or localhost: a page elsewhere
		// that rebinds its name to this address must not read the capture.
		http.Error(w, "wstrace: unexpected Host", http.StatusMisdirectedRequest)
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		http.Error(w, "wstrace: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch r.URL.Path {
	case "/", "/index.html":
		s.mu.Lock()
		page := s.final
		s.mu.Unlock()
		if page == nil {
			page = s.shell
		}
		h.Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	case "/events":
		s.serveEvents(w, r)
	default:
		http.NotFound(w, r)
	}
}

// hostAllowed reports whether a request's Host names this server by an
// address or as localhost.
func hostAllowed(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	return strings.EqualFold(host, "localhost")
}

// serveEvents streams the events after the viewer's last one, then each new
// event, until the page ends, the viewer leaves or falls behind.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	last := 0
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.Atoi(id)
		if err != nil || n < 0 {
			http.Error(w, "wstrace: bad Last-Event-ID", http.StatusBadRequest)
			return
		}
		last = n
	}
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("X-Accel-Buffering", "no")

	v := &viewer{ch: make(chan *event, s.opts.Buffer)}
	s.mu.Lock()
	history := s.events[min(last, len(s.events)):]
	if !s.ended {
		s.viewers[v] = struct{}{}
	}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		if _, ok := s.viewers[v]; ok {
			delete(s.viewers, v)
		}
		s.mu.Unlock()
	}()

	var b bytes.Buffer
	flush := func() error {
		rc.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
		if _, err := w.Write(b.Bytes()); err != nil {
			return err
		}
		b.Reset()
		return rc.Flush()
	}
	fmt.Fprintf(&b, "retry: %d\n\n", s.opts.Retry.Milliseconds())
	for _, e := range history {
		writeEvent(&b, e)
		if b.Len() >= 64<<10 {
			if flush() != nil {
				return
			}
		}
		if e.kind == "end" {
			flush()
			return
		}
	}
	if flush() != nil {
		return
	}
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case e, ok := <-v.ch:
			if !ok {
				b.WriteString("event: cut\ndata: \n\n")
				flush()
				return
			}
			writeEvent(&b, e)
			// Take what else waits, and send it in one write.
			for more := true; more && b.Len() < 64<<10; {
				select {
				case e2, ok2 := <-v.ch:
					if !ok2 {
						b.WriteString("event: cut\ndata: \n\n")
						flush()
						return
					}
					writeEvent(&b, e2)
					e = e2
				default:
					more = false
				}
			}
			if flush() != nil || e.kind == "end" {
				return
			}
		case <-keepAlive.C:
			b.WriteString(": keep-alive\n\n")
			if flush() != nil {
				return
			}
		case <-r.Context().Done():
			return
		}
	}
}

// writeEvent writes an event in the text/event-stream format: each line of
// its data on a data: line of its own.
func writeEvent(b *bytes.Buffer, e *event) {
	fmt.Fprintf(b, "id: %d\nevent: %s\n", e.id, e.kind)
	data := strings.ReplaceAll(e.data, "\r", "")
	for line := range strings.SplitSeq(data, "\n") {
		b.WriteString("data: ")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
}

// Listen listens on addr (host:port) for the live page. Unless public is
// true, the host must be a loopback address or localhost: the page shows
// the captured traffic to whoever reaches it.
func Listen(addr string, public bool) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("livepage: %q: %w", addr, err)
	}
	if !public && !Loopback(host) {
		return nil, fmt.Errorf("livepage: %s is reachable from other machines and the page shows the captured traffic: listen on 127.0.0.1 or localhost, or say so explicitly (--serve-public)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("livepage: %w", err)
	}
	return ln, nil
}

// Loopback reports whether host (an address or a name) is this machine
// only: a loopback address or localhost.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	return err == nil && a.IsLoopback()
}

// OwnTraffic returns a filter that reports the packets of the live page's
// own connections: TCP segments to or from the listener's address (any
// address, for a listener on all of them) and port. A capture leaves them
// out, so that the page never explains itself.
func OwnTraffic(ln net.Addr) (func(*capture.Packet) bool, error) {
	ap, err := netip.ParseAddrPort(ln.String())
	if err != nil {
		return nil, fmt.Errorf("livepage: listener address %s: %w", ln, err)
	}
	addr, port := ap.Addr().Unmap(), ap.Port()
	anyAddr := addr.IsUnspecified()
	return func(p *capture.Packet) bool {
		if p == nil || p.Interface == nil {
			return false
		}
		d := decode.Decode(p.Interface.LinkType, p.Data, p.Length)
		if d.TCP == nil {
			return false
		}
		src := d.TCP.SrcPort == port && (anyAddr || d.Src.Unmap() == addr)
		dst := d.TCP.DstPort == port && (anyAddr || d.Dst.Unmap() == addr)
		return src || dst
	}, nil
}

// shellView is what the live page's layout sees.
type shellView struct {
	Lang, Generator, TitleText, CSP, Events, Source string
	Title, Intro, SourceLabel, Waiting, Live, Count template.HTML
	Reconnecting, Cut, Ended, Packets               template.HTML
	Present, PresentKeys                            template.HTML
	CSS                                             template.CSS
	Script                                          template.JS
}

// makeShell makes the live page as it is before any packet.
func makeShell(opts Options) ([]byte, error) {
	page, err := render.Build(&annotate.Result{}, render.Capture{Name: opts.Source}, opts.Page)
	if err != nil {
		return nil, err
	}
	layout := page.Layout()
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(layout, "layout/"+name)
		if err != nil {
			return "", fmt.Errorf("livepage: reading layout: %w", err)
		}
		return string(b), nil
	}
	var css, js []string
	for _, name := range []string{"document.css", "page.css", "present.css", "live.css"} {
		s, err := read(name)
		if err != nil {
			return nil, err
		}
		css = append(css, s)
	}
	for _, name := range []string{"page.js", "present.js", "live.js"} {
		s, err := read(name)
		if err != nil {
			return nil, err
		}
		js = append(js, s)
	}
	src, err := read("live.html.tmpl")
	if err != nil {
		return nil, err
	}
	t, err := template.New("live").Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, fmt.Errorf("livepage: layout: %w", err)
	}
	md := mdsafe.Markdown()
	inline := func(key string) template.HTML {
		var b bytes.Buffer
		if err := md.Convert([]byte(page.Label(key)), &b); err != nil {
			return template.HTML(template.HTMLEscapeString(mdsafe.PlainText(page.Label(key))))
		}
		h := strings.TrimSpace(b.String())
		h = strings.TrimSuffix(strings.TrimPrefix(h, "<p>"), "</p>")
		return template.HTML(h)
	}
	v := shellView{
		Lang: page.Lang, Generator: page.Generator, Events: "/events", Source: opts.Source,
		TitleText:    mdsafe.PlainText(page.Label("ui.label.live-title")),
		Title:        inline("ui.label.live-title"),
		Intro:        "<p>" + inline("ui.label.live-intro") + "</p>",
		SourceLabel:  inline("ui.label.live-source"),
		Waiting:      inline("ui.label.live-waiting"),
		Live:         inline("ui.label.live-live"),
		Count:        inline("ui.label.live-count"),
		Reconnecting: inline("ui.label.live-reconnecting"),
		Cut:          inline("ui.label.live-cut"),
		Ended:        inline("ui.label.live-ended"),
		Packets:      inline("ui.label.packets"),
		Present:      inline("ui.label.present"),
		PresentKeys:  inline("ui.label.present-keys"),
		CSS:          template.CSS(strings.Join(css, "\n")),
		Script:       template.JS(strings.Join(js, "\n")),
	}
	v.CSP = "default-src 'none'; style-src " + hash(string(v.CSS)) + "; script-src " + hash(string(v.Script)) +
		"; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
	var b bytes.Buffer
	if err := t.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("livepage: layout: %w", err)
	}
	return b.Bytes(), nil
}

// hash returns the CSP source expression that allows exactly s.
func hash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
