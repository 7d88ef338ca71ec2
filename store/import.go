package store

import (
	"context"

	"github.com/syncctl/syncctl/domain"
)

// ProductImport is one catalog import written in batches inside one write
// transaction (Store.BeginImport), so that a file of any size is imported
// in bounded memory and nothing of it is visible, or left, unless it all
// went in: nothing it wrote is seen by others before Commit, and Rollback
// (or a failed Commit) leaves the catalog as it was. It has the semantics
// of ImportProducts, given a product at a time: a product ends as the
// import had it, except that the products named by MergeSKUs at Commit keep
// their stored SKUs the import did not carry. One goroutine uses it; other
// writers wait for it (SQLite) or for its rows (PostgreSQL).
type ProductImport interface {
	// SKUOwners returns the product that owns each of the given SKU codes,
	// as the import sees the catalog (its own writes included); a code no
	// product owns is absent. The importer checks its rows with it before
	// Add, so that a SKU owned by another product is a row's problem, not
	// the whole import's.
	SKUOwners(ctx context.Context, skuCodes []string) (map[string]string, error)
	// Add writes products. Each keeps, until Commit, its stored SKUs that
	// the import does not carry, after those it carries. A product added
	// again in the same import (its rows were not together in the file) is
	// merged with what the import wrote of it: its SKUs come after the ones
	// added before. A SKU code owned by another product is a conflict
	// (EConflict): the import is then to be rolled back.
	Add(ctx context.Context, products []domain.Product) error
	// Commit removes from every product added, except those named by
	// MergeSKUs, the stored SKUs the import did not carry, commits, and
	// counts what the import did (a product added in several parts counts
	// once).
	Commit(ctx context.Context, opts ...ImportOption) (ImportResult, error)
	// Rollback abandons the import; after Commit it does nothing.
	Rollback() error
}
