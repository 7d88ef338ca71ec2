package catalog

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Format is a catalog file format.
type Format string

// The catalog file formats.
const (
	FormatJSON Format = "json"
	FormatCSV  Format = "csv"
)

// Result is a parsed file: the valid products and the problems of the rest.
type Result struct {
	Products []domain.Product    // valid products with their valid SKUs, in file order
	Rejected []domain.FieldError // one per problem, in file order; Record is "row N…"
	Rows     int                 // data rows (CSV, blank rows not counted) or products (JSON) read
	// Incomplete names the products in Products that had rows rejected: they
	// hold only their accepted SKUs, so an import must merge them with what
	// is stored (store.MergeSKUs) rather than drop the SKUs it did not read.
	Incomplete []string
}

// RejectedRecords counts the distinct records (rows, or JSON products and
// SKUs) that had at least one problem.
func (r Result) RejectedRecords() int {
	seen := map[string]bool{}
	for _, e := range r.Rejected {
		seen[e.Record] = true
	}
	return len(seen)
}

// DetectFormat picks the format from the file name's extension.
func DetectFormat(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return FormatJSON, nil
	case ".csv":
		return FormatCSV, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format from the extension (.json or .csv); give the format explicitly", path)
}

// Parse reads a whole catalog file into memory (Import streams it into the
// store instead). It returns an error only when the file as a whole cannot
// be read (see the package doc); problems with single rows are in
// Result.Rejected and the valid rows are in Result.Products.
func Parse(r io.Reader, format Format) (Result, error) {
	p, err := newPipeline(context.Background(), format)
	if err != nil {
		return Result{}, err
	}
	if err := p.run(r, format); err != nil {
		return Result{}, err
	}
	return Result{Products: p.b.take(), Rejected: p.b.rejected, Rows: p.rows, Incomplete: p.b.incomplete()}, nil
}
