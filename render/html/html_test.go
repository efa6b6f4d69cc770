package html

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	stdhtml "html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/internal/testenv"
	"github.com/wstrace/wstrace/render"
	"github.com/wstrace/wstrace/render/internal/rendertest"
)

func build(t *testing.T, res *annotate.Result, name string, opts render.Options) []byte {
	t.Helper()
	p, err := render.Build(res, render.Capture{Name: name}, opts)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
		for _, lang := range render.Languages() {
			name := fmt.Sprintf("workerman-chat.%s.%s.html", style, lang)
			t.Run(name, func(t *testing.T) {
				rendertest.Golden(t, name, build(t, res, "workerman-chat.pcap", render.Options{Style: style, Lang: lang}))
			})
		}
	}
}

// TestEscaping checks that the fixtures' hostile payloads reach the page
// as text: the only <script> element is the page's own, and the CSP allows
// exactly the inline style and script.
func TestEscaping(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/chromium-ws-plain-any.pcap")
	for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
		out := string(build(t, res, "<b>x</b>.pcap", render.Options{Style: style, ClientName: "<i>tab</i>"}))
		if n := strings.Count(out, "<script"); n != 1 {
			t.Errorf("%s: %d <script> elements", style, n)
		}
		if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s: the <script> payload is not shown as text", style)
		}
		for _, bad := range []string{"<b>x</b>", "<i>tab</i>", " style="} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: page contains %q", style, bad)
			}
		}
		// The only addresses outside the page: the RFC sections it teaches.
		for _, m := range regexp.MustCompile(`(?i)(src|href|action|xlink:href)="([a-z]+:[^"]*)`).FindAllStringSubmatch(out, -1) {
			if m[1] != "href" || !regexp.MustCompile(`^https://www\.rfc-editor\.org/rfc/rfc[0-9]+#section-[0-9.]+$`).MatchString(m[2]) {
				t.Errorf("%s: the page points outside itself: %s", style, m[0])
			}
		}
		m := regexp.MustCompile(`(?s)<style>(.*?)</style>.*<script>(.*?)</script>`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("%s: no inline style and script", style)
		}
		for _, part := range m[1:] {
			sum := sha256.Sum256([]byte(part))
			if !strings.Contains(stdhtml.UnescapeString(out), "sha256-"+base64.StdEncoding.EncodeToString(sum[:])) {
				t.Errorf("%s: the CSP does not carry the hash of an inline block", style)
			}
		}
	}
}

// TestDumpMarks checks that the marked dump is the dump: stripping the
// spans and unescaping gives back tcpdump's text.
func TestDumpMarks(t *testing.T) {
	res := rendertest.Annotate(t, "../../testdata/chromium-ws-deflate.pcap")
	for _, hex := range []bool{false, true} {
		p, err := render.Build(res, render.Capture{}, render.Options{Hex: hex})
		if err != nil {
			t.Fatal(err)
		}
		tags := regexp.MustCompile(`</?span[^>]*>`)
		marked := 0
		for _, pk := range p.Packets {
			h := string(Dump(pk.Dump, pk.Marks))
			marked += strings.Count(h, "<span")
			plain := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&", "&#34;", `"`, "&#39;", "'", "&#9;", "\t").Replace(tags.ReplaceAllString(h, ""))
			if plain != pk.Dump.String() {
				t.Fatalf("packet %d: marked dump differs:\n%q\n%q", pk.Number, plain, pk.Dump.String())
			}
		}
		if marked == 0 {
			t.Error("no byte of any dump is marked")
		}
	}
}

// chromium opens an HTML file in headless Chromium and returns the DOM
// after load, the console messages, and the URLs the page itself asked
// the network for (Chromium's own background requests are left out).
func chromium(t *testing.T, bin, file string, extra ...string) (dom string, console, requests []string) {
	t.Helper()
	dir := t.TempDir()
	netlog := filepath.Join(dir, "net.json")
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=" + filepath.Join(dir, "profile"),
		"--enable-logging=stderr", "--v=0", "--log-net-log=" + netlog}, extra...)
	args = append(args, "--dump-dom", "file://"+file)
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, ":CONSOLE") {
			console = append(console, l)
		}
	}
	var log struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	b, err := os.ReadFile(netlog)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &log); err != nil {
		// Chromium may stop before closing the events array.
		s := strings.TrimRight(string(b), " \n,") + "]}"
		if err := json.Unmarshal([]byte(s), &log); err != nil {
			t.Fatalf("reading the net log: %v", err)
		}
	}
	start := log.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	for _, e := range log.Events {
		if e.Type != start {
			continue
		}
		url, ok := e.Params["url"].(string)
		if init, _ := e.Params["initiator"].(string); ok && init != "not an origin" {
			requests = append(requests, url)
		}
	}
	return stdout.String(), console, requests
}

// TestChromium opens the pages in headless Chromium: no console message
// (a CSP violation or a script error would be one), no network request,
// the whole page in the DOM. With WSTRACE_SCREENSHOTS=DIR it also saves a
// screenshot of each page there.
func TestChromium(t *testing.T) {
	bin := testenv.NeedTool(t, "chromium")
	shots := os.Getenv("WSTRACE_SCREENSHOTS")
	dir := t.TempDir()
	// First, that the checks see what they look for: a page that loads an
	// image from the network and breaks its own CSP.
	control := filepath.Join(dir, "control.html")
	os.WriteFile(control, []byte(`<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="img-src http:; style-src 'none'"><p style="color:red">x</p><img src="http://127.0.0.1:9/x.png">`), 0o644)
	if _, console, requests := chromium(t, bin, control); len(console) == 0 || len(requests) == 0 {
		t.Fatalf("the checks miss a console error (%d) or a request (%d)", len(console), len(requests))
	}
	for _, fx := range rendertest.Fixtures {
		res := rendertest.Annotate(t, "../../testdata/"+fx)
		for _, style := range []render.Style{render.StyleGuide, render.StyleClassic} {
			if style == render.StyleClassic && fx != "workerman-chat.pcap" {
				continue
			}
			for _, lang := range render.Languages() {
				name := fmt.Sprintf("%s.%s.%s", strings.TrimSuffix(fx, ".pcap"), style, lang)
				t.Run(name, func(t *testing.T) {
					file := filepath.Join(dir, name+".html")
					if err := os.WriteFile(file, build(t, res, fx, render.Options{Style: style, Lang: lang}), 0o644); err != nil {
						t.Fatal(err)
					}
					dom, console, requests := chromium(t, bin, file)
					for _, c := range console {
						t.Errorf("console: %s", c)
					}
					for _, r := range requests {
						t.Errorf("network request: %s", r)
					}
					if !strings.Contains(dom, `<footer>`) || (style == render.StyleGuide && !strings.Contains(dom, `<svg class="seq"`)) {
						t.Error("the page did not load whole")
					}
					if shots != "" {
						chromium(t, bin, file, "--hide-scrollbars", "--window-size=1280,4000", "--screenshot="+filepath.Join(shots, name+".png"))
					}
				})
			}
		}
	}
}

// TestHighlight checks the inline script: hovering a frame table row
// highlights its bytes in the dump. A test script dispatches the event and
// records the result; the page's CSP is widened by that script's hash only.
func TestHighlight(t *testing.T) {
	bin := testenv.NeedTool(t, "chromium")
	res := rendertest.Annotate(t, "../../testdata/workerman-chat.pcap")
	page := string(build(t, res, "workerman-chat.pcap", render.Options{}))
	probe := `var row = document.querySelector("tr[data-mark]"); row.dispatchEvent(new Event("mouseenter"));` +
		`document.body.setAttribute("data-probe", document.querySelectorAll("span.hl").length + " " + row.classList.contains("hl"));`
	sum := sha256.Sum256([]byte(probe))
	page = strings.Replace(page, "script-src ", "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"' ", 1)
	page = strings.Replace(page, "</body>", "<script>"+probe+"</script></body>", 1)
	file := filepath.Join(t.TempDir(), "probe.html")
	if err := os.WriteFile(file, []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, console, _ := chromium(t, bin, file)
	for _, c := range console {
		t.Errorf("console: %s", c)
	}
	m := regexp.MustCompile(`data-probe="(\d+) (\w+)"`).FindStringSubmatch(dom)
	if m == nil || m[1] == "0" || m[2] != "true" {
		t.Errorf("hovering a field highlighted nothing: %v", m)
	}
}
