package mdsafe

import (
	"html"
	"regexp"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Markdown returns the goldmark converter wstrace uses everywhere:
// CommonMark with GitHub tables and the CJK extension (so that emphasis
// works next to Chinese text). Raw HTML is never passed through.
func Markdown() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignNone)),
		extension.CJK,
	))
}

// plainParser is the parser of Markdown, made once: making one costs
// far more than parsing a sentence. A goldmark parser keeps no state
// between parses.
var plainParser = sync.OnceValue(func() parser.Parser { return Markdown().Parser() })

// PlainText returns the text a reader sees in a piece of Markdown: code
// spans without their backticks, escapes resolved, emphasis and links
// reduced to their text. Paragraphs are separated by a blank line.
func PlainText(md string) string { return PlainTextGlued(md, 0) }

// PlainTextGlued is PlainText, but when glue is not 0 the spaces inside short
// code spans become glue, so that wrapping keeps a value such as a masking
// key on one line.
func PlainTextGlued(md string, glue rune) string {
	src := []byte(md)
	doc := plainParser().Parse(text.NewReader(src))
	var b strings.Builder
	var walk func(n ast.Node)
	walk = func(n ast.Node) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				unescapeText(&b, c.Value(src))
				switch {
				case c.HardLineBreak():
					b.WriteByte('\n')
				case c.SoftLineBreak():
					b.WriteByte('\n')
				}
			case *ast.String:
				b.Write(c.Value)
			case *ast.CodeSpan:
				var code []byte
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					switch t := t.(type) {
					case *ast.Text:
						code = append(code, t.Value(src)...)
					case *ast.String:
						code = append(code, t.Value...)
					}
				}
				if glue != 0 && len(code) <= 24 {
					code = []byte(strings.ReplaceAll(string(code), " ", string(glue)))
				}
				b.Write(code)
			case *ast.RawHTML:
				for i := 0; i < c.Segments.Len(); i++ {
					seg := c.Segments.At(i)
					b.Write(seg.Value(src))
				}
			default:
				if c.Type() == ast.TypeBlock && b.Len() > 0 {
					b.WriteString("\n\n")
				}
				walk(c)
			}
		}
	}
	walk(doc)
	return strings.TrimSpace(b.String())
}

// unescapeText writes the text of a Markdown text segment: backslash
// escapes and character references resolved, in one pass (so that
// "&#38;amp;" is "&amp;", not "&").
func unescapeText(b *strings.Builder, v []byte) {
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '\\' && i+1 < len(v) && util.IsPunct(v[i+1]):
			i++
			b.WriteByte(v[i])
		case c == '&':
			if m := charRef.Find(v[i:]); m != nil {
				b.WriteString(html.UnescapeString(string(m)))
				i += len(m) - 1
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
}

// charRef matches a character reference at the start of a text.
var charRef = regexp.MustCompile(`^&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});`)
