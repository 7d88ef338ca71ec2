package catalog

import (
	"bytes"
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

// Parse reads a whole catalog file. It returns an error only when the file as
// a whole cannot be read (see the package doc); problems with single rows are
// in Result.Rejected and the valid rows are in Result.Products.
func Parse(r io.Reader, format Format) (Result, error) {
	if format != FormatCSV && format != FormatJSON {
		return Result{}, fmt.Errorf("unknown catalog format %q (json or csv)", format)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return Result{}, err
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	b := newBuilder()
	var n int
	if format == FormatCSV {
		n, err = readCSV(data, b)
	} else {
		n, err = readJSON(data, b)
	}
	if err != nil {
		return Result{}, err
	}
	products, incomplete := b.products()
	return Result{Products: products, Rejected: b.rejected, Rows: n, Incomplete: incomplete}, nil
}

// Export writes products in the import format ("" means JSON). Products that
// pass Validate read back equal with Parse (UpdatedAt is not part of the
// format). CSV cannot hold a product without SKUs or a '|', ';' or ':' inside
// an image URL or spec: Export returns an error rather than write a file that
// would read back different.
func Export(w io.Writer, products []domain.Product, format Format) error {
	switch format {
	case FormatJSON, "":
		return writeJSON(w, products)
	case FormatCSV:
		return writeCSV(w, products)
	}
	return fmt.Errorf("unknown catalog format %q (json or csv)", format)
}
