package catalog

import (
	"context"
	"io"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// ImportReport is what Import did: what the file held and what the store
// wrote.
type ImportReport struct {
	Rows            int                 // data rows (CSV) or products (JSON) read
	Products        int                 // valid products imported, each with its valid SKUs
	Rejected        []domain.FieldError // every problem, in file order
	RejectedRecords int                 // distinct rows (JSON: products or SKUs) with a problem
	Stored          store.ImportResult  // zero when the file held no valid product
}

// UnreadableError is a catalog file that cannot be read as a whole (see
// Parse); Import returns it so that a caller can name the file.
type UnreadableError struct{ Err error }

func (e *UnreadableError) Error() string { return e.Err.Error() }
func (e *UnreadableError) Unwrap() error { return e.Err }

// ImportOption changes how Import runs.
type ImportOption func(*importOptions)

type importOptions struct {
	progress func(Progress)
}

// WithProgress has Import call f as it goes (every few hundred rows) with
// how far it has come.
func WithProgress(f func(Progress)) ImportOption {
	return func(o *importOptions) { o.progress = f }
}

// Import reads a catalog file and imports its valid products into the
// store in one transaction, streaming: the file is read a record at a
// time and products go to the store in batches (store.ProductImport), so
// memory stays bounded whatever the file's size; only the codes seen are
// kept, to find a SKU defined twice. Each batch of rows is checked against
// the store first: a SKU code that belongs to another product is that row's
// problem. A product that lost rows is merged with the stored one
// (store.MergeSKUs), never replaced: a typo in one row must not delete a
// live SKU. Rejected rows are in the report, not an error; a file that
// cannot be read at all is an *UnreadableError (and nothing is written,
// even when the problem is at its end), and the store's error is returned
// as it is.
func Import(ctx context.Context, st store.Store, r io.Reader, f Format, opts ...ImportOption) (ImportReport, error) {
	var o importOptions
	for _, opt := range opts {
		opt(&o)
	}
	p, err := newPipeline(ctx, f)
	if err != nil {
		return ImportReport{}, &UnreadableError{err}
	}
	im, err := st.BeginImport(ctx)
	if err != nil {
		return ImportReport{}, err
	}
	defer im.Rollback() // nothing once committed
	p.owners, p.flush, p.progress = im.SKUOwners, im.Add, o.progress
	if err := p.run(r, f); err != nil {
		if err, stop := isStop(err); stop {
			return ImportReport{}, err
		}
		return ImportReport{}, &UnreadableError{err}
	}
	res := Result{Rejected: p.b.rejected}
	rep := ImportReport{Rows: p.rows, Products: p.b.products, Rejected: p.b.rejected, RejectedRecords: res.RejectedRecords()}
	if rep.Products == 0 {
		return rep, nil
	}
	rep.Stored, err = im.Commit(ctx, store.MergeSKUs(p.b.incomplete()...))
	return rep, err
}
