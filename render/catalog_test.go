package render

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/wstrace/wstrace/annotate"
	"github.com/wstrace/wstrace/annotate/app"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
)

func TestParseMessages(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
		err      bool
	}{
		{"simple", "a = x\nb.c-d_e = y {{.Z}}\n", map[string]string{"a": "x", "b.c-d_e": "y {{.Z}}"}, false},
		{"comments and blanks", "# c\n\na = x\n", map[string]string{"a": "x"}, false},
		{"continuation", "a = x\n  y\n\tz\n", map[string]string{"a": "x\ny\nz"}, false},
		{"equals in text", "a = x = y\n", map[string]string{"a": "x = y"}, false},
		{"duplicate", "a = x\na = y\n", nil, true},
		{"no equals", "a x\n", nil, true},
		{"bad key", "a b = x\n", nil, true},
		{"orphan continuation", "\n  x\n", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMessages(strings.NewReader(tt.in))
			if (err != nil) != tt.err {
				t.Fatalf("err = %v, want error %v", err, tt.err)
			}
			if tt.err {
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func loadAll(t *testing.T) map[string]*Catalog {
	t.Helper()
	cats := map[string]*Catalog{}
	for _, l := range Languages() {
		c, err := LoadCatalog(l, "")
		if err != nil {
			t.Fatal(err)
		}
		cats[l] = c
	}
	return cats
}

// TestCatalogsHaveSameKeys checks that no language lacks a message another
// one has.
func TestCatalogsHaveSameKeys(t *testing.T) {
	cats := loadAll(t)
	en := cats["en"].Keys()
	for l, c := range cats {
		if got := c.Keys(); !slices.Equal(got, en) {
			t.Errorf("%s: missing %v, extra %v", l, minus(en, got), minus(got, en))
		}
	}
}

func minus(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// annotateVocabulary returns every event kind the annotate package emits
// (annotate.EventKinds) and reads, from its source, every fault its ws-fault
// events name and every phase. A kind, fault or phase added there without a
// message here fails this package's tests.
func annotateVocabulary(t *testing.T) (kinds, faults, phases []string) {
	t.Helper()
	add := func(list *[]string, s string) {
		if !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	faultRE := regexp.MustCompile(`"fault"[:,] "([a-z0-9-]+)"`)
	faultKindRE := regexp.MustCompile(`FaultKind = "([a-z0-9-]+)"`)
	phaseRE := regexp.MustCompile(`\bPhase = "([a-z0-9-]+)"`)
	for _, k := range annotate.EventKinds() {
		add(&kinds, string(k))
	}
	files, _ := filepath.Glob("../annotate/*.go")
	ws, _ := filepath.Glob("../annotate/websocket/*.go")
	files = append(files, ws...)
	if len(files) == 0 {
		t.Fatal("no annotate sources found")
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src := string(b)
		for _, m := range faultRE.FindAllStringSubmatch(src, -1) {
			add(&faults, m[1])
		}
		for _, m := range faultKindRE.FindAllStringSubmatch(src, -1) {
			add(&faults, m[1])
		}
		for _, m := range phaseRE.FindAllStringSubmatch(src, -1) {
			add(&phases, m[1])
		}
	}
	sort.Strings(kinds)
	sort.Strings(faults)
	sort.Strings(phases)
	if len(kinds) < 20 || len(faults) < 10 || len(phases) < 15 {
		t.Fatalf("reading annotate's vocabulary failed: %d kinds, %d faults, %d phases", len(kinds), len(faults), len(phases))
	}
	return kinds, faults, phases
}

// requiredKeys lists the keys that the annotator's vocabulary and the
// page's structure call for.
func requiredKeys(kinds, faults, phases []string) []string {
	keys := []string{"event.unknown", "opcode.reserved"}
	for _, k := range kinds {
		keys = append(keys, "event."+k)
	}
	for _, f := range faults {
		keys = append(keys, "fault."+f)
	}
	for _, p := range phases {
		keys = append(keys, "noun."+p)
	}
	for _, s := range sectionOrder() {
		keys = append(keys, "section."+s, "section."+s+".intro")
	}
	for _, k := range []string{"tcp-handshake-1", "tcp-handshake-2", "tcp-handshake-3"} {
		keys = append(keys, "step."+k)
	}
	for _, op := range []string{"0", "1", "2", "8", "9", "10"} {
		keys = append(keys, "opcode."+op)
	}
	return keys
}

// TestCatalogsCoverAnnotate checks that every event kind, fault and phase
// the annotator produces has its message in every language.
func TestCatalogsCoverAnnotate(t *testing.T) {
	kinds, faults, phases := annotateVocabulary(t)
	t.Logf("annotate: %d event kinds, %d faults, %d phases", len(kinds), len(faults), len(phases))
	for l, c := range loadAll(t) {
		for _, k := range requiredKeys(kinds, faults, phases) {
			if !c.Has(k) {
				t.Errorf("%s: no message %q", l, k)
			}
		}
	}
}

// TestNoUnusedKeys checks that every message is looked up somewhere: its
// key appears in the renderer's source or layouts, or belongs to a family
// the renderer builds keys for (events, faults, phases, sections, close
// codes, flags).
func TestNoUnusedKeys(t *testing.T) {
	kinds, faults, phases := annotateVocabulary(t)
	dynamic := requiredKeys(kinds, faults, phases)
	// "app.<protocol>.<type>": render/app.go builds them from the records.
	for _, p := range app.Builtin() {
		for _, v := range p.Vocabulary() {
			dynamic = append(dynamic, "app."+v)
		}
	}
	var src strings.Builder
	for _, pattern := range []string{"*.go", "*/*.go", "../templates/layout/*"} {
		files, _ := filepath.Glob(pattern)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src.Write(b)
		}
	}
	code := src.String()
	closeRE := regexp.MustCompile(`^close\.10(0[0-9]|1[01])$`)
	c, err := LoadCatalog("en", "")
	if err != nil {
		t.Fatal(err)
	}
	used := 0
	for _, k := range c.Keys() {
		switch {
		case slices.Contains(dynamic, k), closeRE.MatchString(k), strings.Contains(code, `"`+k+`"`):
			used++
		default:
			t.Errorf("message %q is never used", k)
		}
	}
	t.Logf("%d/%d keys used", used, len(c.Keys()))
}

// TestMessagesExecute runs every event and fault message of every language
// with parameters of the kinds the annotator uses, from both ends and for
// frames of each opcode, and checks that each says something.
func TestMessagesExecute(t *testing.T) {
	params := map[string]any{}
	for _, n := range []string{"fin", "first", "last", "syn", "reply", "part", "acks_fin", "accept_valid", "key_valid", "masked", "control", "compressed", "json", "utf8_valid", "truncated", "incomplete", "resynced", "complete", "deflate", "request_missing", "acked_fin",
		"encrypted", "decrypted", "ech", "retry_request", "unsupported_suite", "self_signed", "key_update", "request_update", "compat", "likely", "likely_handshake", "carries", "resumed", "tls13", "close_notify"} {
		params[n] = true
	}
	for _, n := range []string{"method", "path", "host", "origin", "key", "version", "extensions", "reason", "accept", "expected_accept", "protocol", "fault", "detail", "error", "direction", "message", "opcode_name", "close_code_name", "close_reason", "payload_text", "of_from", "http_version", "pattern", "mask_key", "kind",
		"legacy_version", "sni", "alpn", "versions", "cipher_suites", "key_shares", "groups", "cipher_suite", "keys", "group", "messages", "pending", "certificate_subject", "certificate_issuer", "not_before", "not_after", "key_exchange_group", "signature_scheme", "level", "description", "content_type", "epoch"} {
		params[n] = Wire("x`<b>*_[y](z)")
	}
	for _, n := range []string{"isn", "mss", "ack", "window", "previous", "bytes", "captured", "length", "status", "completed_by", "original", "overlap", "count", "probe", "later_bytes", "missing_bytes", "stream_offset", "gap_bytes", "cap", "of_packet", "of_connection", "delay_us", "close_code", "step", "acked_packet", "frame", "frame_offset", "packet", "size", "wire_size", "fragments", "opcode", "payload_length", "length_bits", "header_length", "rsv", "headers", "request_packet", "acked_bytes", "first_packet", "wscale", "relay_of", "kept",
		"record", "suites", "plaintext_length", "pending_have", "pending_length", "certificates", "key_generation", "kept", "acked_first"} {
		params[n] = int64(101)
	}
	for _, n := range []string{"acked_packets", "frames", "packets"} {
		params[n] = "1, 2"
	}
	for l, c := range loadAll(t) {
		for _, k := range c.Keys() {
			if !strings.HasPrefix(k, "event.") && !strings.HasPrefix(k, "fault.") {
				continue
			}
			for _, fromClient := range []bool{true, false} {
				for _, op := range []int{0, 1, 2, 8, 9, 10, 11} {
					d := &eventData{
						From: "A", To: "B", FromPort: 1, ToPort: 2, FromClient: fromClient, Client: "A", Server: "B",
						Len: 3, Seq: 4, Ack: 5, Flags: "[P.]", P: params, Acked: "the SYN (packet 1)", CloseName: "normal",
						Frame:   &frameData{Opcode: "text", OpcodeNum: op, FIN: op != 0, Masked: fromClient, Key: "01 02 03 04", Length: 5},
						Message: &messageData{Opcode: "text", OpcodeNum: op, Size: 5, WireSize: 4, Frames: 2, Masked: fromClient, Compressed: true, Text: "`x`", Key: "01 02 03 04"},
						Classic: op%2 == 0,
					}
					s, err := c.Text(k, d)
					if err != nil {
						t.Errorf("%s %s: %v", l, k, err)
						continue
					}
					if strings.Contains(s, "<no value>") || (strings.TrimSpace(s) == "" && !(k == "event.ws-message" && op >= 8)) {
						t.Errorf("%s %s (opcode %d): %q", l, k, op, s)
					}
					// Wire values reach the text escaped, never raw.
					if bad := markupNodes(s); len(bad) > 0 {
						t.Errorf("%s %s: wire value made %v in %q", l, k, bad, s)
					}
				}
			}
		}
	}
}

func TestCatalogOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "messages"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(s string) {
		if err := os.WriteFile(filepath.Join(dir, "messages", "en.txt"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("role.client = the student's laptop\n")
	c, err := LoadCatalog("en", dir)
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := c.Text("role.client", nil); s != "the student's laptop" {
		t.Errorf("override not applied: %q", s)
	}
	if s, _ := c.Text("role.server", nil); s != "the server" {
		t.Errorf("other messages lost: %q", s)
	}
	if _, err := LoadCatalog("zh-TW", dir); err != nil {
		t.Errorf("a language without an override file: %v", err)
	}
	write("role.clinet = typo\n")
	if _, err := LoadCatalog("en", dir); err == nil {
		t.Error("an unknown key in an override was accepted")
	}
	write("role.client = {{.Broken\n")
	if _, err := LoadCatalog("en", dir); err == nil {
		t.Error("a broken template was accepted")
	}
	if _, err := LoadCatalog("fr", ""); err == nil {
		t.Error("an unknown language was accepted")
	}
}

// markupNodes parses Markdown and returns the kinds of the nodes found that
// only markup could make: HTML, links, images, emphasis.
func markupNodes(md string) []string {
	doc := mdsafe.Markdown().Parser().Parse(text.NewReader([]byte(md)))
	var bad []string
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindRawHTML, ast.KindHTMLBlock, ast.KindLink, ast.KindAutoLink, ast.KindImage, ast.KindEmphasis:
			bad = append(bad, n.Kind().String())
		}
		return ast.WalkContinue, nil
	})
	return bad
}
