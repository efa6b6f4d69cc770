package filter

import "strings"

// A token is one lexical element of a filter expression: a word (keyword,
// number, address, name) or an operator.
type token struct {
	text string
	op   bool // an operator or bracket rather than a word
	word int  // which blank-separated word of the expression it is in, from 1
}

// Operators, longest first so that "&&" is found before "&".
var operators = []string{
	"&&", "||", "<<", ">>", "<=", ">=", "==", "!=",
	"(", ")", "[", "]", "!", "&", "|", "^", "+", "-", "*", "/", "%", "<", ">", "=", ":",
}

// lex splits a filter expression into tokens.
//
// Like libpcap's scanner, it takes the longest word it can: "80-90" and
// "tcp-syn" are single words, while "a-b" with blanks is a subtraction.
// Inside brackets, where offsets are written, a word ends at ':' and '-'
// (so "tcp[13:1]" and "tcp[14-1]" read as expected), except that "-" may
// continue a word that begins with a letter ("icmp-echo").
func lex(expr string) []token {
	var toks []token
	word := 0
	depth := 0 // bracket nesting
	blank := true
	for i := 0; i < len(expr); {
		c := expr[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			blank = true
			i++
			continue
		}
		if blank {
			word++
			blank = false
		}
		if j := wordEnd(expr, i, depth > 0); j > i {
			toks = append(toks, token{text: expr[i:j], word: word})
			i = j
			continue
		}
		op := string(c)
		for _, o := range operators {
			if strings.HasPrefix(expr[i:], o) {
				op = o
				break
			}
		}
		switch op {
		case "[":
			depth++
		case "]":
			if depth > 0 {
				depth--
			}
		}
		toks = append(toks, token{text: op, op: true, word: word})
		i += len(op)
	}
	return toks
}

// wordEnd returns the end of the word starting at expr[i], or i when no word
// starts there.
func wordEnd(expr string, i int, inBrackets bool) int {
	j := i
	if expr[j] == '\\' { // an escaped keyword, such as "\tcp"
		j++
	}
	letterFirst := j < len(expr) && isLetter(expr[j])
	for j < len(expr) {
		c := expr[j]
		switch {
		case isLetter(c) || isDigit(c) || c == '_' || c == '.':
		case c == ':' && !inBrackets:
		case c == '-' && (!inBrackets || letterFirst) && j > i:
		default:
			return trimWord(expr, i, j)
		}
		j++
	}
	return trimWord(expr, i, j)
}

// trimWord keeps a trailing '-' out of a word so that "len-" ends up as a
// word and an operator, and returns the word's end.
func trimWord(expr string, i, j int) int {
	for j > i+1 && expr[j-1] == '-' {
		j--
	}
	if j == i+1 && expr[i] == '\\' {
		return i
	}
	return j
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
