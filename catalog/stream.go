package catalog

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/syncctl/syncctl/domain"
)

// Progress is how far a parse or an import has come.
type Progress struct {
	Rows     int   // data rows (CSV) or products (JSON) read so far
	Products int   // products with at least one valid SKU so far
	Bytes    int64 // bytes of the file read so far
}

// How much a pipeline holds before it goes on: rows are checked against the
// store a batch at a time, and products are handed to it when the open ones
// hold this many SKUs or bytes. (Variables for tests.)
var (
	rowBatch   = 500
	rowBytes   = 4 << 20
	flushSKUs  = 2000
	flushBytes = 8 << 20
)

// pipeline carries rows from a reader to the builder, a batch at a time:
// the store says who owns the batch's SKU codes (owners), the builder checks
// the rows, and the products it accepted go on (flush) when enough wait.
// With neither (Parse) it keeps every product until the end.
type pipeline struct {
	ctx       context.Context
	b         *builder
	batch     []row
	batchSize int
	owners    func(context.Context, []string) (map[string]string, error)
	flush     func(context.Context, []domain.Product) error
	progress  func(Progress)
	rows      int // set by the reader
	in        *countingReader
}

// stopError is a failure of the store, or the context's end, not of the
// file: the reader stops and passes it on.
type stopError struct{ err error }

func (e stopError) Error() string { return e.err.Error() }
func (e stopError) Unwrap() error { return e.err }

func newPipeline(ctx context.Context, f Format) (*pipeline, error) {
	switch f {
	case FormatCSV:
		return &pipeline{ctx: ctx, b: newBuilder(csvNames)}, nil
	case FormatJSON:
		return &pipeline{ctx: ctx, b: newBuilder(jsonNames)}, nil
	}
	return nil, fmt.Errorf("unknown catalog format %q (json or csv)", f)
}

// run reads the whole file.
func (p *pipeline) run(r io.Reader, f Format) error {
	p.in = &countingReader{r: r}
	br := bufio.NewReaderSize(p.in, 64<<10)
	if bom, _ := br.Peek(3); string(bom) == "\xef\xbb\xbf" {
		_, _ = br.Discard(3)
	}
	var err error
	if f == FormatCSV {
		if c := firstByte(br); c == '{' || c == '[' {
			return fmt.Errorf("csv: the file looks like JSON (it starts with '%c'); import it as JSON (--format json, or a .json name)", c)
		}
		err = readCSV(br, p)
	} else {
		err = readJSON(br, p)
	}
	if err != nil {
		return err
	}
	if err := p.process(); err != nil {
		return err
	}
	return p.flushOpen()
}

// firstByte is the input's first byte that is not white space or a BOM
// (0 if none in its first 4 KiB), not consumed.
func firstByte(br *bufio.Reader) byte {
	b, _ := br.Peek(4096) // less at the end of the input
	if b = bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n"); len(b) > 0 {
		return b[0]
	}
	return 0
}

// emit hands on one row (or a record's problems).
func (p *pipeline) emit(r row) error {
	p.batch = append(p.batch, r)
	p.batchSize += 256 + len(r.product.Description) + len(r.product.Title) + len(r.sku.Code)
	if len(p.batch) >= rowBatch || p.batchSize >= rowBytes {
		return p.process()
	}
	return nil
}

// process checks the rows of the batch, in file order.
func (p *pipeline) process() error {
	if err := p.ctx.Err(); err != nil {
		return stopError{err}
	}
	if p.owners != nil {
		var codes []string
		for _, r := range p.batch {
			if !r.only && validCode(r.sku.Code) == "" {
				codes = append(codes, r.sku.Code)
			}
		}
		if len(codes) > 0 {
			owners, err := p.owners(p.ctx, codes)
			if err != nil {
				return stopError{err}
			}
			for i := range p.batch {
				p.batch[i].owner = owners[p.batch[i].sku.Code]
			}
		}
	}
	for _, r := range p.batch {
		p.b.add(r)
	}
	clear(p.batch)
	p.batch, p.batchSize = p.batch[:0], 0
	if p.flush != nil && (p.b.openSKUs >= flushSKUs || p.b.openSize >= flushBytes) {
		if err := p.flushOpen(); err != nil {
			return err
		}
	}
	if p.progress != nil {
		p.progress(Progress{Rows: p.rows, Products: p.b.products, Bytes: p.in.n})
	}
	return nil
}

func (p *pipeline) flushOpen() error {
	if p.flush == nil {
		return nil
	}
	if products := p.b.take(); len(products) > 0 {
		if err := p.flush(p.ctx, products); err != nil {
			return stopError{err}
		}
	}
	return nil
}

// isStop tells a store's failure from the file's.
func isStop(err error) (error, bool) {
	var s stopError
	if errors.As(err, &s) {
		return s.err, true
	}
	return err, false
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// SniffFormat tells the format of a catalog from its first bytes (for
// standard input, which has no name): '[' or '{' after any white space (and
// a BOM) is JSON, anything else CSV. The returned reader reads the whole
// input, the sniffed bytes included.
func SniffFormat(r io.Reader) (Format, io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	if c := firstByte(br); c == '[' || c == '{' {
		return FormatJSON, br
	}
	return FormatCSV, br
}
