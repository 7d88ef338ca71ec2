package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// BeginImport starts a catalog import in one write transaction (BEGIN
// IMMEDIATE: other writers wait for it, up to busy_timeout each).
func (d *DB) BeginImport(ctx context.Context) (store.ProductImport, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	im := &productImport{d: d, tx: tx, now: d.now(), added: map[string]addedProduct{}}
	if im.shops, err = trackedShops(ctx, tx); err == nil {
		err = im.prepare(ctx)
	}
	if err != nil {
		_ = tx.Rollback()
		return nil, err
	}
	return im, nil
}

// productImport keeps, for every product added, a few numbers: enough to
// merge a product added again and to finish it at Commit, never its content.
type productImport struct {
	d     *DB
	tx    *sql.Tx
	shops []domain.ShopRef
	now   time.Time
	added map[string]addedProduct
	done  bool

	// The statements of getProduct and writeProduct (catalog.go), prepared
	// once: parsing them for every product took a third of a large import.
	getDoc, owner, putProduct, dropSKUs, putSKU *sql.Stmt
}

func (im *productImport) prepare(ctx context.Context) error {
	for _, s := range []struct {
		stmt **sql.Stmt
		sql  string
	}{
		{&im.getDoc, `SELECT doc FROM products WHERE code = ?`},
		{&im.owner, `SELECT product_code FROM skus WHERE code = ?`},
		{&im.putProduct, `INSERT INTO products (code, title, doc, content_hash, updated_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (code) DO UPDATE SET title = excluded.title, doc = excluded.doc, content_hash = excluded.content_hash, updated_at = excluded.updated_at`},
		{&im.dropSKUs, `DELETE FROM skus WHERE product_code = ?`},
		{&im.putSKU, `INSERT INTO skus (code, product_code, list_price, cost, stock, ordinal) VALUES (?, ?, ?, ?, ?, ?)`},
	} {
		var err error
		if *s.stmt, err = im.tx.PrepareContext(ctx, s.sql); err != nil {
			return err
		}
	}
	return nil
}

// get is getProduct with the prepared statement.
func (im *productImport) get(ctx context.Context, code string) (domain.Product, error) {
	var doc string
	err := im.getDoc.QueryRowContext(ctx, code).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Product{}, domain.Errorf(domain.ENotFound, "product %s is not in the catalog", code)
	}
	if err != nil {
		return domain.Product{}, err
	}
	var p domain.Product
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return p, internal("product %s: stored document: %v", code, err)
	}
	return p, nil
}

// put is writeProduct with the prepared statements: the product replaces
// the stored one, SKUs included; a SKU of another product is a conflict.
func (im *productImport) put(ctx context.Context, p domain.Product) error {
	for _, s := range p.SKUs {
		var owner string
		err := im.owner.QueryRowContext(ctx, s.Code).Scan(&owner)
		if err == nil && owner != p.Code {
			return domain.Errorf(domain.EConflict, "import: sku %s of product %s already belongs to product %s", s.Code, p.Code, owner)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	p.UpdatedAt = im.now.UTC()
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := im.putProduct.ExecContext(ctx, p.Code, p.Title, string(doc), p.ContentHash(), ms(im.now)); err != nil {
		return err
	}
	if _, err := im.dropSKUs.ExecContext(ctx, p.Code); err != nil {
		return err
	}
	for i, s := range p.SKUs {
		if _, err := im.putSKU.ExecContext(ctx, s.Code, p.Code, int64(s.ListPrice), int64(s.Cost), s.Stock, i); err != nil {
			return err
		}
	}
	return nil
}

type addedProduct struct {
	existed bool  // it was in the catalog before the import
	changed bool  // the import wrote it
	carried int32 // its first carried SKUs are the import's; the rest are stored ones it did not carry
	skus    int32 // SKUs it has now
}

// ownersBatch bounds the codes of one query (SQLite allows 32766 parameters).
const ownersBatch = 500

func (im *productImport) SKUOwners(ctx context.Context, codes []string) (map[string]string, error) {
	out := map[string]string{}
	for start := 0; start < len(codes); start += ownersBatch {
		part := codes[start:min(start+ownersBatch, len(codes))]
		args := make([]any, len(part))
		for i, c := range part {
			args[i] = c
		}
		rows, err := im.tx.QueryContext(ctx, `SELECT code, product_code FROM skus WHERE code IN (?`+
			strings.Repeat(",?", len(part)-1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var code, owner string
			if err := rows.Scan(&code, &owner); err != nil {
				rows.Close()
				return nil, err
			}
			out[code] = owner
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (im *productImport) Add(ctx context.Context, products []domain.Product) error {
	for _, p := range products {
		if p.Code == "" {
			return domain.Errorf(domain.EInvalid, "import: a product has an empty code")
		}
		for _, s := range p.SKUs {
			if s.Code == "" {
				return domain.Errorf(domain.EInvalid, "import: product %s has a SKU with an empty code", p.Code)
			}
		}
		old, err := im.get(ctx, p.Code)
		found := err == nil
		if err != nil && domain.ErrorCode(err) != domain.ENotFound {
			return err
		}
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
			return err
		}
		a.changed = a.changed || wrote
		if !again {
			p.Code = strings.Clone(p.Code) // kept: not a slice of the caller's larger string
		}
		im.added[p.Code] = a
	}
	return nil
}

// write stores next unless it is what is stored (old, when found), and
// keeps the change sets of the tracked shops.
func (im *productImport) write(ctx context.Context, old domain.Product, found bool, next domain.Product) (wrote bool, err error) {
	if found && store.SameProduct(old, next) {
		return false, nil
	}
	if err := im.put(ctx, next); err != nil {
		return false, err
	}
	for _, shop := range im.shops {
		if err := im.d.refreshPending(ctx, im.tx, shop, next.Code); err != nil {
			return false, err
		}
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
			p, err := im.get(ctx, code)
			if err != nil {
				im.abandon()
				return res, err
			}
			next := p
			next.SKUs = p.SKUs[:a.carried]
			if _, err := im.write(ctx, p, true, next); err != nil {
				im.abandon()
				return res, err
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
	if err := im.tx.Commit(); err != nil {
		return store.ImportResult{}, err
	}
	return res, nil
}

func (im *productImport) abandon() {
	im.done = true
	_ = im.tx.Rollback()
}

func (im *productImport) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	return im.tx.Rollback()
}
