package cli

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// table prints rows of cells in columns aligned by display width: a
// Chinese character takes two columns of a terminal, where text/tabwriter
// counts it as one and misaligns every row with a Chinese title. Cells come
// from data (titles, platform errors): control characters in them are
// printed as visible escapes ("\x1b"), never sent raw to the terminal.
//
// Rows are added with row, or written like to a tabwriter (cells ended by
// '\t', rows by '\n'); flush prints them.
type table struct {
	w       io.Writer
	rows    [][]string
	partial bytes.Buffer // written but not yet ended by '\n'
}

// tablePadding is the space between columns.
const tablePadding = 2

func newTable(w io.Writer) *table { return &table{w: w} }

// row adds one row; each cell is printed with %v.
func (t *table) row(cells ...any) {
	r := make([]string, len(cells))
	for i, c := range cells {
		r[i] = safeText(fmt.Sprint(c))
	}
	t.rows = append(t.rows, r)
}

// Write takes tabwriter-style text: '\t' ends a cell, '\n' a row. (Data
// written this way cannot hold a tab or a newline; row escapes those too.)
func (t *table) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			t.partial.Write(p)
			break
		}
		t.partial.Write(p[:i])
		cells := strings.Split(t.partial.String(), "\t")
		for j, c := range cells {
			cells[j] = safeText(c)
		}
		t.rows = append(t.rows, cells)
		t.partial.Reset()
		p = p[i+1:]
	}
	return n, nil
}

// flush prints the rows: every cell but a row's last padded to its
// column's widest, lines without trailing spaces.
func (t *table) flush() error {
	if t.partial.Len() > 0 {
		_, _ = t.Write([]byte{'\n'})
	}
	var widths []int
	for _, r := range t.rows {
		for i, c := range r[:max(len(r)-1, 0)] {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-displayWidth(c)+tablePadding))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	t.rows = nil
	_, err := io.WriteString(t.w, b.String())
	return err
}

// Flush is flush, for code written against text/tabwriter.
func (t *table) Flush() error { return t.flush() }

// displayWidth is the number of terminal columns s takes: east-asian wide
// and fullwidth characters two, combining marks and zero-width characters
// none, the rest one.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}

func runeWidth(r rune) int {
	switch {
	case r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF:
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// safeText replaces what would make a terminal do something instead of
// show text with a visible escape: C0 and C1 control characters (ESC,
// CR, BEL, backspace, newline, tab…), DEL, and the bidirectional overrides
// that reorder what is shown. "\x1b[2J" prints as `\x1b[2J`.
func safeText(s string) string {
	clean := true
	for _, r := range s {
		if unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !unsafeRune(r) {
			b.WriteRune(r)
			continue
		}
		switch r {
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x100 {
				fmt.Fprintf(&b, `\x%02x`, r)
			} else {
				fmt.Fprintf(&b, `\u%04x`, r)
			}
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// terminalSafe passes text to a terminal with the control characters that
// reach it from data escaped (newlines and tabs pass): the last guard for
// output not printed through a table (stdout only carries results, never
// the progress bar's own control sequences).
type terminalSafe struct {
	w    io.Writer
	hold []byte // the start of a UTF-8 sequence cut by the end of a Write
}

func (t *terminalSafe) Write(p []byte) (int, error) {
	n := len(p)
	buf := append(t.hold, p...)
	t.hold = nil
	var out bytes.Buffer
	for len(buf) > 0 {
		r, size := utf8.DecodeRune(buf)
		if r == utf8.RuneError && size <= 1 && !utf8.FullRune(buf) {
			t.hold = append([]byte(nil), buf...) // wait for the rest of the rune
			break
		}
		switch {
		case r == '\n' || r == '\t':
			out.WriteRune(r)
		case r == utf8.RuneError && size == 1 && buf[0] >= 0x80 && buf[0] <= 0x9f:
			fmt.Fprintf(&out, `\x%02x`, buf[0]) // an 8-bit control byte
		case r == utf8.RuneError && size == 1:
			out.WriteByte(buf[0]) // not UTF-8: passed as it is
		case unsafeRune(r):
			out.WriteString(safeText(string(r)))
		default:
			out.Write(buf[:size])
		}
		buf = buf[size:]
	}
	if _, err := t.w.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return n, nil
}
