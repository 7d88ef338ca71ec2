package catalog

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonLexer reads JSON a token at a time from a stream. It is what lets the
// import read a file of any size in bounded memory, and it reads strings
// from their raw bytes: encoding/json would silently turn invalid UTF-8 and
// unpaired surrogate escapes into U+FFFD, and hold a 50 MB string whole. A
// string longer than maxStringBytes is counted, not kept. Syntax errors
// name the line and column, as a text editor counts them.
type jsonLexer struct {
	r         *bufio.Reader
	line, col int // of the last byte read
	prevLine  int // of the byte before it, for unread
	prevCol   int
	lastLine  int // of the last byte that was not white space
	lastCol   int
	peeked    bool
	tok       token
	buf       []byte
}

type tokKind byte

const (
	tEOF    tokKind = 0
	tString tokKind = 's'
	tNumber tokKind = 'n'
	tTrue   tokKind = 't'
	tFalse  tokKind = 'f'
	tNull   tokKind = 'z'
	// '{' '}' '[' ']' ':' ',' stand for themselves.
)

// token is one JSON token. For a string, s is its value and bad says why it
// could not be read ("" when it could); for a number or literal, s is its text.
type token struct {
	kind      tokKind
	s         string
	bad       string
	line, col int
}

// jsonSyntaxError is a file that is not JSON.
type jsonSyntaxError struct {
	line, col int
	msg       string
}

func (e *jsonSyntaxError) Error() string {
	return fmt.Sprintf("json: line %d, column %d: %s", e.line, e.col, e.msg)
}

func newJSONLexer(r io.Reader) *jsonLexer {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	return &jsonLexer{r: br, line: 1}
}

// byte reads one byte; ok is false at the end of the input.
func (l *jsonLexer) byte() (byte, bool, error) {
	c, err := l.r.ReadByte()
	if err == io.EOF {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	l.prevLine, l.prevCol = l.line, l.col
	if c == '\n' {
		l.line, l.col = l.line+1, 0
	} else if c&0xC0 != 0x80 { // count characters, not UTF-8 continuation bytes
		l.col++
	}
	return c, true, nil
}

func (l *jsonLexer) unread() {
	_ = l.r.UnreadByte()
	l.line, l.col = l.prevLine, l.prevCol
}

func (l *jsonLexer) errAt(line, col int, format string, args ...any) error {
	return &jsonSyntaxError{line, col, fmt.Sprintf(format, args...)}
}

// eofErr is an input that ends in the middle of a value.
func (l *jsonLexer) eofErr() error {
	return l.errAt(max(l.lastLine, 1), max(l.lastCol, 1), "unexpected end of JSON input")
}

func (l *jsonLexer) bad(c byte, context string) error {
	return l.errAt(l.line, l.col, "invalid character %s %s", quoteChar(c), context)
}

func quoteChar(c byte) string {
	if c == '\'' {
		return `'\''`
	}
	if c == '"' {
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

// peek returns the next token without consuming it.
func (l *jsonLexer) peek() (token, error) {
	if !l.peeked {
		t, err := l.read()
		if err != nil {
			return t, err
		}
		l.tok, l.peeked = t, true
	}
	return l.tok, nil
}

// next returns the next token; context says what was expected, for errors.
func (l *jsonLexer) next() (token, error) {
	if l.peeked {
		l.peeked = false
		return l.tok, nil
	}
	return l.read()
}

func (l *jsonLexer) read() (token, error) {
	for {
		c, ok, err := l.byte()
		if err != nil || !ok {
			return token{kind: tEOF}, err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		l.lastLine, l.lastCol = l.line, l.col
		t := token{line: l.line, col: l.col}
		switch {
		case c == '{' || c == '}' || c == '[' || c == ']' || c == ':' || c == ',':
			t.kind = tokKind(c)
		case c == '"':
			t.kind = tString
			t.s, t.bad, err = l.string()
		case c == '-' || c >= '0' && c <= '9':
			t.kind = tNumber
			var long bool
			t.s, long, err = l.number(c)
			if long {
				t.bad = "too-long"
			}
		case c == 't':
			t.kind, err = tTrue, l.literal("true")
		case c == 'f':
			t.kind, err = tFalse, l.literal("false")
		case c == 'n':
			t.kind, err = tNull, l.literal("null")
		default:
			return t, l.bad(c, "looking for beginning of value")
		}
		return t, err
	}
}

func (l *jsonLexer) literal(word string) error {
	for i := 1; i < len(word); i++ {
		c, ok, err := l.byte()
		if err != nil {
			return err
		}
		if !ok {
			return l.eofErr()
		}
		l.lastLine, l.lastCol = l.line, l.col
		if c != word[i] {
			return l.bad(c, fmt.Sprintf("in literal %s (expecting %s)", word, quoteChar(word[i])))
		}
	}
	return nil
}

// maxNumber bounds a number's text; a longer one is refused as a value
// (too large for any field), never held.
const maxNumber = 64

// number reads a number; long says it had more than maxNumber characters
// (s holds the first ones).
func (l *jsonLexer) number(first byte) (s string, long bool, err error) {
	l.buf = append(l.buf[:0], first)
	// The grammar: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
	state := "int"
	if first == '-' {
		state = "sign"
	} else if first == '0' {
		state = "zero"
	}
	for {
		c, ok, err := l.byte()
		if err != nil {
			return "", false, err
		}
		digit := ok && c >= '0' && c <= '9'
		next := ""
		switch {
		case state == "sign" && digit && c == '0':
			next = "zero"
		case state == "sign" && digit:
			next = "int"
		case state == "int" && digit, state == "frac" && digit, state == "exp" && digit:
			next = state
		case (state == "int" || state == "zero") && c == '.' && ok:
			next = "dot"
		case state == "dot" && digit:
			next = "frac"
		case (state == "int" || state == "zero" || state == "frac") && (c == 'e' || c == 'E') && ok:
			next = "e"
		case state == "e" && ok && (c == '+' || c == '-'):
			next = "esign"
		case (state == "e" || state == "esign") && digit:
			next = "exp"
		}
		if next == "" {
			switch state {
			case "sign":
				if !ok {
					return "", false, l.eofErr()
				}
				return "", false, l.bad(c, "in numeric literal")
			case "dot":
				if !ok {
					return "", false, l.eofErr()
				}
				return "", false, l.bad(c, "after decimal point in numeric literal")
			case "e", "esign":
				if !ok {
					return "", false, l.eofErr()
				}
				return "", false, l.bad(c, "in exponent of numeric literal")
			}
			if ok {
				l.unread()
			}
			return string(l.buf), long, nil
		}
		state = next
		l.lastLine, l.lastCol = l.line, l.col
		if len(l.buf) < maxNumber {
			l.buf = append(l.buf, c)
		} else {
			long = true // read on, holding nothing more
		}
	}
}

// string reads a string after its opening quote. bad is why its value
// cannot be used: invalid UTF-8, an unpaired surrogate escape, or more than
// maxStringBytes (then the value is "" and bad gives the size).
func (l *jsonLexer) string() (s, bad string, err error) {
	l.buf = l.buf[:0]
	size := 0 // bytes of the value
	keep := func(b ...byte) {
		size += len(b)
		if size <= maxStringBytes {
			l.buf = append(l.buf, b...)
		}
	}
	keepRune := func(r rune) { keep(utf8.AppendRune(nil, r)...) }
	pendingHigh := -1 // a high surrogate escape waiting for its low half
	flushHigh := func() {
		if pendingHigh >= 0 {
			bad = `has an unpaired \u surrogate escape (not valid UTF-16)`
			keepRune(utf8.RuneError)
			pendingHigh = -1
		}
	}
	for {
		c, ok, err := l.byte()
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", l.eofErr()
		}
		l.lastLine, l.lastCol = l.line, l.col
		switch {
		case c == '"':
			flushHigh()
			if size > maxStringBytes {
				return "", fmt.Sprintf("too-long:%d", size), nil
			}
			if bad == "" && !utf8.Valid(l.buf) {
				bad = "is not valid UTF-8"
			}
			return string(l.buf), bad, nil
		case c < 0x20:
			return "", "", l.bad(c, "in string literal")
		case c != '\\':
			flushHigh()
			keep(c)
			continue
		}
		c, ok, err = l.byte()
		if err != nil {
			return "", "", err
		}
		if !ok {
			return "", "", l.eofErr()
		}
		l.lastLine, l.lastCol = l.line, l.col
		if c != 'u' {
			flushHigh()
			e, known := jsonEscapes[c]
			if !known {
				return "", "", l.bad(c, "in string escape code")
			}
			keep(e)
			continue
		}
		v := 0
		for range 4 {
			c, ok, err = l.byte()
			if err != nil {
				return "", "", err
			}
			if !ok {
				return "", "", l.eofErr()
			}
			l.lastLine, l.lastCol = l.line, l.col
			d, perr := strconv.ParseUint(string(c), 16, 8)
			if perr != nil {
				return "", "", l.bad(c, `in \u hexadecimal character escape`)
			}
			v = v*16 + int(d)
		}
		switch {
		case v >= 0xD800 && v <= 0xDBFF:
			flushHigh()
			pendingHigh = v
		case v >= 0xDC00 && v <= 0xDFFF && pendingHigh >= 0:
			keepRune(utf16.DecodeRune(rune(pendingHigh), rune(v)))
			pendingHigh = -1
		case v >= 0xDC00 && v <= 0xDFFF:
			bad = `has an unpaired \u surrogate escape (not valid UTF-16)`
			keepRune(utf8.RuneError)
		default:
			flushHigh()
			keepRune(rune(v))
		}
	}
}

var jsonEscapes = map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
