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

// Import parses a catalog file and imports its valid products into the
// store in one transaction. A product that lost rows is merged with the
// stored one (store.MergeSKUs), never replaced: a typo in one row must not
// delete a live SKU. Rejected rows are in the report, not an error; a file
// that cannot be read at all is an *UnreadableError, and the store's error
// is returned as it is.
func Import(ctx context.Context, st store.Store, r io.Reader, f Format) (ImportReport, error) {
	res, err := Parse(r, f)
	if err != nil {
		return ImportReport{}, &UnreadableError{err}
	}
	rep := ImportReport{Rows: res.Rows, Products: len(res.Products), Rejected: res.Rejected, RejectedRecords: res.RejectedRecords()}
	if len(res.Products) == 0 {
		return rep, nil
	}
	rep.Stored, err = st.ImportProducts(ctx, res.Products, store.MergeSKUs(res.Incomplete...))
	return rep, err
}
