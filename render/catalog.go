package render

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"github.com/wstrace/wstrace/render/internal/mdsafe"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
	"unicode"
	"unicode/utf8"

	"github.com/wstrace/wstrace/templates"
)

// Languages returns the languages wstrace has catalogs for, English first.
func Languages() []string { return []string{"en", "zh-TW", "zh-CN"} }

// A Catalog holds the messages of one language. Each message is a
// text/template whose output is Markdown inline text; values that come from
// the wire reach it already escaped (see [Wire]).
type Catalog struct {
	// Lang is the catalog's language, one of [Languages].
	Lang string
	src  map[string]string
	tmpl map[string]*template.Template
	// fixed holds the text of the messages that are plain text, with no
	// action to execute.
	fixed map[string]string
}

// LoadCatalog returns the built-in catalog of lang, with the messages of
// dir/messages/LANG.txt laid over it when dir is not "". An override may
// replace any message but may not add keys that wstrace never looks up.
func LoadCatalog(lang, dir string) (*Catalog, error) {
	if !slices.Contains(Languages(), lang) {
		return nil, fmt.Errorf("render: no catalog for language %q (have %s)", lang, strings.Join(Languages(), ", "))
	}
	name := "messages/" + lang + ".txt"
	base, err := readMessagesFS(templates.FS, name)
	if err != nil {
		return nil, err
	}
	if dir != "" {
		if err := CheckTemplates(dir); err != nil {
			return nil, err
		}
		over, err := readMessagesFS(os.DirFS(dir), name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			for k, v := range over {
				if _, ok := base[k]; !ok {
					return nil, fmt.Errorf("render: %s: unknown message key %q", path.Join(dir, name), k)
				}
				base[k] = v
			}
		}
	}
	return newCatalog(lang, base)
}

func readMessagesFS(fsys fs.FS, name string) (map[string]string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("render: reading catalog: %w", err)
	}
	defer f.Close()
	m, err := parseMessages(f)
	if err != nil {
		return nil, fmt.Errorf("render: catalog %s: %w", name, err)
	}
	return m, nil
}

func newCatalog(lang string, src map[string]string) (*Catalog, error) {
	c := &Catalog{Lang: lang, src: src, tmpl: make(map[string]*template.Template, len(src)), fixed: map[string]string{}}
	for k, v := range src {
		t, err := template.New(k).Funcs(messageFuncs).Option("missingkey=error").Parse(v)
		if err != nil {
			return nil, fmt.Errorf("render: catalog %s: %w", lang, err)
		}
		c.tmpl[k] = t
		if text, ok := plainTemplate(t); ok {
			c.fixed[k] = text
		}
	}
	return c, nil
}

// plainTemplate returns the text of a template made of text alone, and
// whether it is: executing it writes that text whatever the data.
func plainTemplate(t *template.Template) (string, bool) {
	if t.Tree == nil || t.Tree.Root == nil {
		return "", false
	}
	var b strings.Builder
	for _, n := range t.Tree.Root.Nodes {
		text, ok := n.(*parse.TextNode)
		if !ok {
			return "", false
		}
		b.Write(text.Text)
	}
	return b.String(), true
}

// parseMessages reads a message file. Each message is a line "key = text";
// a following line that begins with a space or tab continues the text on a
// new line; lines that begin with '#' and blank lines are ignored. Keys are
// made of letters, digits, '.', '-' and '_'.
func parseMessages(r io.Reader) (map[string]string, error) {
	m := make(map[string]string)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	last, n := "", 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case strings.TrimSpace(line) == "":
			last = ""
			continue
		case strings.HasPrefix(line, "#"):
			continue
		case line[0] == ' ' || line[0] == '\t':
			if last == "" {
				return nil, fmt.Errorf("line %d: continuation line without a message", n)
			}
			m[last] += "\n" + strings.TrimSpace(line)
			continue
		}
		key, text, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || !validKey(key) {
			return nil, fmt.Errorf("line %d: want \"key = text\", have %q", n, line)
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("line %d: key %q defined twice", n, key)
		}
		m[key] = strings.TrimSpace(text)
		last = key
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_')) {
			return false
		}
	}
	return true
}

// Has reports whether the catalog has a message for key.
func (c *Catalog) Has(key string) bool { _, ok := c.tmpl[key]; return ok }

// Keys returns the catalog's keys, sorted.
func (c *Catalog) Keys() []string {
	keys := make([]string, 0, len(c.src))
	for k := range c.src {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Text executes the message key with data and returns the Markdown text.
func (c *Catalog) Text(key string, data any) (string, error) {
	var b bytes.Buffer
	if err := c.execute(&b, key, data); err != nil {
		return "", err
	}
	return b.String(), nil
}

// execute writes the message key, executed with data, to w.
func (c *Catalog) execute(w io.Writer, key string, data any) error {
	if text, ok := c.fixed[key]; ok {
		_, err := io.WriteString(w, text)
		return err
	}
	t, ok := c.tmpl[key]
	if !ok {
		return fmt.Errorf("render: catalog %s has no message %q", c.Lang, key)
	}
	if err := t.Execute(w, data); err != nil {
		return fmt.Errorf("render: message %s.%s: %w", c.Lang, key, err)
	}
	return nil
}

// Wire is a string that came from the wire (or from the command line). When
// a message template prints it, it is escaped as Markdown text; the template
// function code prints it as a code span instead.
type Wire string

// String returns the escaped Markdown form of w.
func (w Wire) String() string { return mdsafe.EscapeText(string(w)) }

var messageFuncs = template.FuncMap{
	// code shows a value as a Markdown code span.
	"code": func(v any) string { return mdsafe.CodeSpan(rawString(v)) },
	// cap upper-cases the first letter, for a role name that begins a sentence.
	"cap": func(v any) string {
		s := fmt.Sprint(v)
		r, n := utf8.DecodeRuneInString(s)
		if r == '\\' { // an escaped punctuation mark: leave it
			return s
		}
		return string(unicode.ToUpper(r)) + s[n:]
	},
	// plural picks the singular or plural word for n (English).
	"plural": func(n any, one, other string) string {
		if fmt.Sprint(n) == "1" {
			return one
		}
		return other
	},
	// num writes an integer with thousands separators.
	"num": func(v any) string { return groupDigits(fmt.Sprint(v)) },
}

func rawString(v any) string {
	if w, ok := v.(Wire); ok {
		return string(w)
	}
	return fmt.Sprint(v)
}

// groupDigits inserts commas between groups of three digits of a decimal
// integer; other strings come back unchanged.
func groupDigits(s string) string {
	neg := strings.HasPrefix(s, "-")
	d := strings.TrimPrefix(s, "-")
	if len(d) <= 3 || strings.Trim(d, "0123456789") != "" {
		return s
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	head := len(d) % 3
	if head > 0 {
		b.WriteString(d[:head])
	}
	for i := head; i < len(d); i += 3 {
		if b.Len() > 0 && !(neg && b.Len() == 1) {
			b.WriteByte(',')
		}
		b.WriteString(d[i : i+3])
	}
	return b.String()
}
