package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// BeginImport starts a catalog import in one transaction. Each product it
// adds stays locked (its row) until the import ends, so other writers of
// those products wait for it; other products go on being written. While it
// runs, the first push to a shop never pushed before waits for it too (see
// trackShop).
func (d *DB) BeginImport(ctx context.Context) (store.ProductImport, error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return nil, d.explain(err)
	}
	im := &productImport{tx: tx, now: d.now(), added: map[string]addedProduct{}, explain: d.explain}
	if im.shops, err = keepChangeSets(ctx, tx); err != nil {
		_ = tx.Rollback(context.Background())
		return nil, d.explain(err)
	}
	return im, nil
}

// productImport keeps, for every product added, a few numbers: enough to
// merge a product added again and to finish it at Commit, never its content.
type productImport struct {
	tx      pgx.Tx
	shops   []domain.ShopRef
	now     time.Time
	added   map[string]addedProduct
	done    bool
	explain func(error) error
}

type addedProduct struct {
	existed bool  // it was in the catalog before the import
	changed bool  // the import wrote it
	carried int32 // its first carried SKUs are the import's; the rest are stored ones it did not carry
	skus    int32 // SKUs it has now
}

func (im *productImport) SKUOwners(ctx context.Context, codes []string) (map[string]string, error) {
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	rows, _ := im.tx.Query(ctx, `SELECT code, product_code FROM skus WHERE code = ANY($1)`, codes)
	var code, owner string
	_, err := pgx.ForEachRow(rows, []any{&code, &owner}, func() error {
		out[code] = owner
		return nil
	})
	return out, err
}

func (im *productImport) Add(ctx context.Context, products []domain.Product) error {
	codes := make([]string, 0, len(products))
	for _, p := range products {
		if p.Code == "" {
			return domain.Errorf(domain.EInvalid, "import: a product has an empty code")
		}
		for _, s := range p.SKUs {
			if s.Code == "" {
				return domain.Errorf(domain.EInvalid, "import: product %s has a SKU with an empty code", p.Code)
			}
		}
		codes = append(codes, p.Code)
	}
	// The batch's stored products, locked in code order, in one query.
	stored, err := lockProducts(ctx, im.tx, codes)
	if err != nil {
		return im.explain(err)
	}
	for _, p := range products {
		old, found := stored[p.Code]
		a, again := im.added[p.Code]
		if !again {
			a.existed = found
		}
		next := p
		switch {
		case again:
			next.SKUs, a.carried = store.AddImportPart(old.SKUs, int(a.carried), p.SKUs)
		case found:
			next, a.carried = store.WithStoredSKUs(p, old), int32(len(p.SKUs))
		default:
			a.carried = int32(len(p.SKUs))
		}
		a.skus = int32(len(next.SKUs))
		wrote, err := im.write(ctx, old, found, next)
		if err != nil {
			return im.explain(err)
		}
		a.changed = a.changed || wrote
		stored[p.Code] = next // what a later part of this batch merges with
		if !again {
			p.Code = strings.Clone(p.Code) // kept: not a slice of the caller's larger string
		}
		im.added[p.Code] = a
	}
	return nil
}

// lockProducts reads the stored products of some codes with their rows
// locked (FOR UPDATE), taken in code order.
func lockProducts(ctx context.Context, tx pgx.Tx, codes []string) (map[string]domain.Product, error) {
	rows, _ := tx.Query(ctx, `SELECT code, doc FROM products WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes)
	out := map[string]domain.Product{}
	var code, doc string
	_, err := pgx.ForEachRow(rows, []any{&code, &doc}, func() error {
		var p domain.Product
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return internal("product %s: stored document: %v", code, err)
		}
		out[code] = p
		return nil
	})
	return out, err
}

// write stores next unless it is what is stored (old, when found), and
// keeps the change sets of the tracked shops.
func (im *productImport) write(ctx context.Context, old domain.Product, found bool, next domain.Product) (wrote bool, err error) {
	if found && store.SameProduct(old, next) {
		return false, nil
	}
	if err := writeProduct(ctx, im.tx, next, im.now, im.shops); err != nil {
		return false, err
	}
	return true, nil
}

func (im *productImport) Commit(ctx context.Context, opts ...store.ImportOption) (store.ImportResult, error) {
	var o store.ImportOptions
	for _, f := range opts {
		f(&o)
	}
	var res store.ImportResult
	if im.done {
		return res, domain.Errorf(domain.EInvalid, "import: already finished")
	}
	for code, a := range im.added {
		if a.skus > a.carried && !o.Merge[code] {
			p, err := getProduct(ctx, im.tx, code)
			if err != nil {
				im.abandon()
				return res, im.explain(err)
			}
			next := p
			next.SKUs = p.SKUs[:a.carried]
			if _, err := im.write(ctx, p, true, next); err != nil {
				im.abandon()
				return res, im.explain(err)
			}
			a.changed, a.skus = true, a.carried
		}
		switch {
		case !a.existed:
			res.Created++
		case a.changed:
			res.Updated++
		default:
			res.Unchanged++
		}
		res.SKUs += int(a.skus)
	}
	im.done = true
	if err := im.tx.Commit(ctx); err != nil {
		return store.ImportResult{}, im.explain(err)
	}
	return res, nil
}

func (im *productImport) abandon() {
	im.done = true
	_ = im.tx.Rollback(context.Background())
}

func (im *productImport) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	return im.tx.Rollback(context.Background())
}
