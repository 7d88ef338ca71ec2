package catalog

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

var (
	jsonProductFields = []string{"code", "title", "brand", "category", "description", "images", "skus"}
	jsonSKUFields     = []string{"code", "specs", "barcode", "weight_g", "cost", "list_price", "stock"}
)

// readJSON reads {"products":[…]} or […] a product at a time.
func readJSON(r io.Reader, p *pipeline) error {
	l := newJSONLexer(r)
	t, err := l.next()
	if err != nil {
		return err
	}
	switch t.kind {
	case tEOF:
		return errors.New(`json: the file is empty; want {"products":[...]} or an array of products`)
	case '[':
		err = readJSONProducts(l, p)
	case '{':
		err = readJSONTop(l, p)
	default:
		if err := l.skip(t); err != nil {
			return err
		}
		return errors.New(`json: want {"products":[...]} or an array of products`)
	}
	if err != nil {
		return err
	}
	return l.trailing()
}

// readJSONTop reads {"products":[…]} after its '{'.
func readJSONTop(l *jsonLexer, p *pipeline) error {
	seen := false
	for first := true; ; first = false {
		k, more, err := l.key(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch {
		case k.s != "products":
			return fmt.Errorf(`json: unknown top-level field %q; want {"products":[...]}`, k.s)
		case seen:
			return fmt.Errorf(`json: line %d, column %d: field "products" appears twice; want one {"products":[...]}`, k.line, k.col)
		}
		seen = true
		t, err := l.value()
		if err != nil {
			return err
		}
		switch t.kind {
		case '[':
			if err := readJSONProducts(l, p); err != nil {
				return err
			}
		case tNull:
		default:
			return errors.New(`json: "products" must be an array of products`)
		}
	}
	if !seen {
		return errors.New(`json: "products" must be an array of products`)
	}
	return nil
}

// readJSONProducts reads the products array after its '['.
func readJSONProducts(l *jsonLexer, p *pipeline) error {
	seen := map[string]int32{} // product code → its position
	for i := 1; ; i++ {
		more, err := l.elem(i == 1)
		if err != nil || !more {
			return err
		}
		t, err := l.value()
		if err != nil {
			return err
		}
		p.rows++
		if t.kind != '{' {
			if err := l.skip(t); err != nil {
				return err
			}
			if err := p.emit(rejectRow(fmt.Sprintf("row %d", i), domain.FieldError{Field: "(product)", Reason: "must be a JSON object"})); err != nil {
				return err
			}
			continue
		}
		var jp jsonProduct
		if err := jp.read(l); err != nil {
			return err
		}
		for _, r := range jp.rows(int32(i), seen) {
			if err := p.emit(r); err != nil {
				return err
			}
		}
	}
}

// jsonString is a string value (absent or null is ""), trimmed; reason says
// why it cannot be used (field names the limit of a value too long to read).
func jsonString(t token, field string) (string, string) {
	switch t.kind {
	case tEOF, tNull:
		return "", ""
	case tString:
	default:
		return "", "must be a string"
	}
	if n, ok := strings.CutPrefix(t.bad, "too-long:"); ok {
		size, _ := strconv.ParseInt(n, 10, 64)
		return "", tooLong(field, size)
	}
	if t.bad != "" {
		return "", t.bad
	}
	return strings.TrimSpace(t.s), ""
}

// jsonWhole reads stock and weight_g: a whole number, bare or quoted.
func jsonWhole(t token, field string, limit int, errs *[]domain.FieldError) int {
	switch t.kind {
	case tEOF, tNull:
		return 0
	case '{', '[':
		*errs = append(*errs, domain.FieldError{Field: field, Reason: "must be a whole number"})
		return 0
	case tString:
		s, reason := jsonString(t, field)
		if reason != "" {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: reason})
			return 0
		}
		return wholeNumber(errs, field, s, limit)
	case tNumber:
		if t.bad != "" {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: fmt.Sprintf("%s… is too large: at most %d", t.s, limit)})
			return 0
		}
	}
	return wholeNumber(errs, field, t.s, limit)
}

// jsonYuan reads money: a yuan string ("59.90") or a number written with at
// most 2 decimals (59.9). The number's text is parsed, never a float64.
func jsonYuan(t token, field string, required bool, errs *[]domain.FieldError) domain.Money {
	text := ""
	switch t.kind {
	case tEOF, tNull:
	case tString:
		s, reason := jsonString(t, field)
		if reason != "" {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: reason})
			return 0
		}
		text = s
	case tNumber:
		if t.bad != "" {
			*errs = append(*errs, domain.FieldError{Field: field, Reason: fmt.Sprintf("%s… is too large: at most %s", t.s, MaxPrice.Yuan())})
			return 0
		}
		text = t.s
	default:
		*errs = append(*errs, domain.FieldError{Field: field, Reason: `must be a yuan amount like "59.90"`})
		return 0
	}
	return yuan(errs, field, text, required)
}

// unexpected is the syntax error of token t where context was expected.
func (l *jsonLexer) unexpected(t token, context string) error {
	var c byte
	switch t.kind {
	case tEOF:
		return l.eofErr()
	case tString:
		c = '"'
	case tNumber:
		c = t.s[0]
	case tTrue, tFalse, tNull:
		c = map[tokKind]byte{tTrue: 't', tFalse: 'f', tNull: 'n'}[t.kind]
	default:
		c = byte(t.kind)
	}
	return l.errAt(t.line, t.col, "invalid character %s %s", quoteChar(c), context)
}

// value reads the first token of a value.
func (l *jsonLexer) value() (token, error) {
	t, err := l.next()
	if err != nil {
		return t, err
	}
	switch t.kind {
	case '{', '[', tString, tNumber, tTrue, tFalse, tNull:
		return t, nil
	}
	return t, l.unexpected(t, "looking for beginning of value")
}

// key reads the next key of an object whose '{' was read: more is false at
// its '}'. first says no key was read yet.
func (l *jsonLexer) key(first bool) (key token, more bool, err error) {
	t, err := l.next()
	if err != nil || t.kind == '}' && first {
		return t, false, err
	}
	if !first {
		switch t.kind {
		case '}':
			return t, false, nil
		case ',':
		default:
			return t, false, l.unexpected(t, "after object key:value pair")
		}
		if t, err = l.next(); err != nil {
			return t, false, err
		}
	}
	if t.kind != tString {
		return t, false, l.unexpected(t, "looking for beginning of object key string")
	}
	c, err := l.next()
	if err != nil {
		return t, false, err
	}
	if c.kind != ':' {
		return t, false, l.unexpected(c, "after object key")
	}
	return t, true, nil
}

// elem moves to the next element of an array whose '[' was read: more is
// false at its ']'. The element is read with value.
func (l *jsonLexer) elem(first bool) (more bool, err error) {
	t, err := l.peek()
	if err != nil {
		return false, err
	}
	if t.kind == ']' && first {
		_, _ = l.next()
		return false, nil
	}
	if !first {
		switch t.kind {
		case ']':
			_, _ = l.next()
			return false, nil
		case ',':
			_, _ = l.next()
		default:
			_, _ = l.next()
			return false, l.unexpected(t, "after array element")
		}
	}
	return true, nil
}

// maxDepth bounds the nesting skip follows (a file of 50 MB of '[' must
// not take 50 MB of stack).
const maxDepth = 1000

// skip reads the rest of a value whose first token was t, checking its
// syntax and keeping nothing.
func (l *jsonLexer) skip(t token) error {
	var stack []bool // true: an object; one per open bracket
	first := true
	for {
		switch t.kind {
		case '{', '[':
			if len(stack) == maxDepth {
				return l.errAt(t.line, t.col, "nested too deeply (more than %d levels)", maxDepth)
			}
			stack, first = append(stack, t.kind == '{'), true
		}
		for {
			if len(stack) == 0 {
				return nil
			}
			var more bool
			var err error
			if stack[len(stack)-1] {
				_, more, err = l.key(first)
			} else {
				more, err = l.elem(first)
			}
			if err != nil {
				return err
			}
			if more {
				break
			}
			stack, first = stack[:len(stack)-1], false
		}
		first = false
		var err error
		if t, err = l.value(); err != nil {
			return err
		}
	}
}

// trailing checks that nothing but white space follows the top-level value.
func (l *jsonLexer) trailing() error {
	for {
		c, ok, err := l.byte()
		if err != nil || !ok {
			return err
		}
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return l.bad(c, "after top-level value")
	}
}
