package catalog

import (
	"io"
	"strconv"
	"strings"
)

// Bounds of what encoding/csv is given to hold. A value longer than the
// longest any column takes (in the worst quoting, every byte a doubled
// quote) is dropped by csvGuard and replaced by a marker with its size;
// so is the rest of a record past csvMaxRecord bytes or csvMaxValues
// values. A file of any size, with a value of any size, is read in bounded
// memory, and the row is reported with the column and the size.
const (
	csvMaxValue  = 2*maxStringBytes + 2
	csvMaxRecord = 1 << 20
	csvMaxValues = 64
)

// The markers csvGuard puts in place of what it dropped. They start with
// NUL, which no accepted value holds.
const (
	markTooLong   = "\x00syncctl:too-long:"
	markRowTooBig = "\x00syncctl:row-too-big"
)

// csvGuard passes a CSV stream on, value by value, and drops what would
// make encoding/csv hold too much (see csvMaxValue). It follows RFC 4180
// quoting as encoding/csv does, so the two agree on where values and records
// end; line breaks inside what it drops are kept in the marker, so row
// numbers stay right.
type csvGuard struct {
	r    io.Reader
	buf  []byte
	out  []byte // out[off:hold] is ready; out[hold:] is the value being read
	off  int
	hold int
	err  error // the input's error (io.EOF at its end), once reached

	vlen    int  // bytes of the current value, quotes included
	rlen    int  // bytes of the current record passed on
	values  int  // values of the current record before this one
	quoted  bool // the current value started with a quote
	inQ     bool // inside the current value's quotes
	quote   bool // a quote inside quotes was just read: it closes them unless another follows
	dropVal bool // dropping the current value
	dropRec bool // dropping the rest of the record
	nl      int  // line breaks in what is being dropped
}

func newCSVGuard(r io.Reader) *csvGuard {
	return &csvGuard{r: r, buf: make([]byte, 32<<10)}
}

func (g *csvGuard) Read(p []byte) (int, error) {
	for g.off == g.hold {
		if g.err != nil {
			return 0, g.err
		}
		n, err := g.r.Read(g.buf)
		g.scan(g.buf[:n])
		if err != nil {
			g.finish()
			g.err = err
		}
	}
	n := copy(p, g.out[g.off:g.hold])
	g.off += n
	if g.off == g.hold { // keep only the value being read
		g.out = g.out[:copy(g.out, g.out[g.hold:])]
		g.off, g.hold = 0, 0
	}
	return n, nil
}

func (g *csvGuard) scan(in []byte) {
	for _, c := range in {
		if g.quote {
			g.quote = false
			if c == '"' { // a doubled quote: still inside
				g.take(c)
				continue
			}
			g.inQ = false
		}
		switch {
		case g.inQ:
			g.quote = c == '"'
		case c == '"' && g.vlen == 0:
			g.inQ, g.quoted = true, true
		case c == ',' || c == '\n':
			g.end(c)
			continue
		}
		g.take(c)
	}
}

// take adds one byte of a value.
func (g *csvGuard) take(c byte) {
	g.vlen++
	if g.dropVal || g.dropRec {
		if c == '\n' {
			g.nl++
		}
		return
	}
	g.rlen++ // what is passed on, not what is dropped
	g.out = append(g.out, c)
	if g.vlen > csvMaxValue || g.rlen > csvMaxRecord {
		g.nl = strings.Count(string(g.out[g.hold:]), "\n")
		g.out = g.out[:g.hold]
		g.dropVal = g.vlen > csvMaxValue
		g.dropRec = !g.dropVal
	}
}

// end ends a value with its separator: ',' or '\n' (the record's end).
func (g *csvGuard) end(c byte) {
	g.rlen++
	switch {
	case g.dropRec && c == ',':
		// The rest of the record goes; only its end ends the drop.
	case g.dropRec:
		g.marker(markRowTooBig, true)
		g.out = append(g.out, c)
	case g.dropVal:
		g.marker(markTooLong+strconv.Itoa(g.size()), true)
		g.out = append(g.out, c)
	default:
		g.out = append(g.out, c)
	}
	g.vlen, g.quoted, g.inQ, g.quote, g.dropVal = 0, false, false, false, false
	g.values++
	if c == '\n' {
		g.values, g.rlen, g.dropRec = 0, 0, false
	} else if g.values >= csvMaxValues && !g.dropRec {
		g.dropRec, g.nl = true, 0
	}
	g.hold = len(g.out)
}

// marker writes a quoted marker value holding the dropped line breaks;
// closed is false at the end of a file that ends inside quotes, so that
// encoding/csv reports the quoting as it would have.
func (g *csvGuard) marker(text string, closed bool) {
	g.out = append(g.out, '"')
	g.out = append(g.out, text...)
	g.out = append(g.out, strings.Repeat("\n", g.nl)...)
	if closed {
		g.out = append(g.out, '"')
	}
	g.nl = 0
}

func (g *csvGuard) finish() {
	if g.quote {
		g.inQ = false
	}
	switch {
	case g.dropRec:
		g.marker(markRowTooBig, !g.inQ)
	case g.dropVal:
		g.marker(markTooLong+strconv.Itoa(g.size()), !g.inQ)
	}
	g.hold = len(g.out)
}

// size is the current value's size without its quotes.
func (g *csvGuard) size() int {
	if g.quoted {
		return g.vlen - 2
	}
	return g.vlen
}
