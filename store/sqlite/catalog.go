package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// ImportProducts replaces whole products in one transaction (merging the
// SKUs of products named by store.MergeSKUs) and keeps the change set of
// every tracked shop up to date in the same transaction.
func (d *DB) ImportProducts(ctx context.Context, products []domain.Product, opts ...store.ImportOption) (store.ImportResult, error) {
	var o store.ImportOptions
	for _, f := range opts {
		f(&o)
	}
	var res store.ImportResult
	seen := map[string]string{} // sku → product, within this import
	for _, p := range products {
		if p.Code == "" {
			return res, domain.Errorf(domain.EInvalid, "import: a product has an empty code")
		}
		for _, s := range p.SKUs {
			if s.Code == "" {
				return res, domain.Errorf(domain.EInvalid, "import: product %s has a SKU with an empty code", p.Code)
			}
			if other, dup := seen[s.Code]; dup {
				return res, domain.Errorf(domain.EConflict, "import: sku %s is in both product %s and product %s", s.Code, other, p.Code)
			}
			seen[s.Code] = p.Code
		}
	}
	now := d.now()
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res = store.ImportResult{}
		if o.RequestID != "" {
			if err := takeRequest(ctx, tx, o.RequestID, now); err != nil {
				return err
			}
		}
		shops, err := trackedShops(ctx, tx)
		if err != nil {
			return err
		}
		for _, p := range products {
			old, err := d.getProduct(ctx, tx, p.Code)
			existed := err == nil
			if err != nil && domain.ErrorCode(err) != domain.ENotFound {
				return err
			}
			if existed && o.Merge[p.Code] {
				p = store.WithStoredSKUs(p, old)
			}
			if existed && store.SameProduct(old, p) {
				res.Unchanged++
				res.SKUs += len(p.SKUs)
				continue
			}
			if err := writeProduct(ctx, tx, p, now); err != nil {
				return err
			}
			for _, shop := range shops {
				if err := d.refreshPending(ctx, tx, shop, p.Code); err != nil {
					return err
				}
			}
			if existed {
				res.Updated++
			} else {
				res.Created++
			}
			res.SKUs += len(p.SKUs)
		}
		return nil
	})
	return res, err
}

func writeProduct(ctx context.Context, tx *sql.Tx, p domain.Product, now time.Time) error {
	for _, s := range p.SKUs {
		var owner string
		err := tx.QueryRowContext(ctx, `SELECT product_code FROM skus WHERE code = ?`, s.Code).Scan(&owner)
		if err == nil && owner != p.Code {
			return domain.Errorf(domain.EConflict, "import: sku %s of product %s already belongs to product %s", s.Code, p.Code, owner)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	p.UpdatedAt = now.UTC()
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO products (code, title, doc, content_hash, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET title = excluded.title, doc = excluded.doc, content_hash = excluded.content_hash, updated_at = excluded.updated_at`,
		p.Code, p.Title, string(doc), p.ContentHash(), ms(now)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM skus WHERE product_code = ?`, p.Code); err != nil {
		return err
	}
	for i, s := range p.SKUs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO skus (code, product_code, list_price, cost, stock, ordinal) VALUES (?, ?, ?, ?, ?, ?)`,
			s.Code, p.Code, int64(s.ListPrice), int64(s.Cost), s.Stock, i); err != nil {
			return err
		}
	}
	return nil
}

// getProduct reads one product, in tx when it is not nil.
func (d *DB) getProduct(ctx context.Context, tx *sql.Tx, code string) (domain.Product, error) {
	var doc string
	err := d.queryRow(ctx, tx, `SELECT doc FROM products WHERE code = ?`, code).Scan(&doc)
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

// GetProduct returns one product.
func (d *DB) GetProduct(ctx context.Context, code string) (domain.Product, error) {
	return d.getProduct(ctx, nil, code)
}

// ListProducts pages through products by code.
func (d *DB) ListProducts(ctx context.Context, afterCode string, limit int) ([]domain.Product, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := d.db.QueryContext(ctx, `SELECT doc FROM products WHERE code > ? ORDER BY code LIMIT ?`, afterCode, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Product
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var p domain.Product
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return nil, internal("stored product: %v", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// CatalogStats counts SPUs and SKUs.
func (d *DB) CatalogStats(ctx context.Context) (spus, skus int, err error) {
	err = d.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM skus)`).Scan(&spus, &skus)
	return spus, skus, err
}

// CountProductsAfter counts the products after a code.
func (d *DB) CountProductsAfter(ctx context.Context, afterCode string) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM products WHERE code > ?`, afterCode).Scan(&n)
	return n, err
}

// changedWhere selects products with at least one SKU whose listing on the
// shop is missing or differs from the catalog in content hash, price or
// stock. The channel price and stock are the master list price and stock
// until price rules and allocation arrive (mapping.ChannelPrice/ChannelStock
// must agree with this query).
const changedWhere = `EXISTS (
	SELECT 1 FROM skus s
	LEFT JOIN listings l ON l.channel = ? AND l.shop = ? AND l.sku_code = s.code
	WHERE s.product_code = p.code AND (
		l.sku_code IS NULL OR l.item_id = '' OR l.content_hash <> p.content_hash
		OR l.price <> s.list_price OR l.stock <> s.stock))`

// trackShop makes the shop's change set exact: the first time, it compares
// the whole catalog (the one push whose cost grows with the catalog: all of
// it is new to the shop); from then on imports and listing saves keep it.
func (d *DB) trackShop(ctx context.Context, shop domain.ShopRef) error {
	// A shop is never untracked, so once seen here it needs no query: the
	// push asks for every page.
	if _, ok := d.tracked.Load(shop); ok {
		return nil
	}
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM tracked_shops WHERE channel = ? AND shop = ?`, shop.Channel, shop.Shop).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		d.tracked.Store(shop, true)
		return nil
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO tracked_shops (channel, shop, tracked_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			shop.Channel, shop.Shop, ms(d.now()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another worker tracked it first
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO push_pending (channel, shop, product_code)
			SELECT ?, ?, p.code FROM products p WHERE `+changedWhere, shop.Channel, shop.Shop, shop.Channel, shop.Shop)
		return err
	})
	if err == nil {
		d.tracked.Store(shop, true)
	}
	return err
}

func trackedShops(ctx context.Context, tx *sql.Tx) ([]domain.ShopRef, error) {
	rows, err := tx.QueryContext(ctx, `SELECT channel, shop FROM tracked_shops`)
	return scanAll(rows, err, func(r *sql.Rows) (s domain.ShopRef, err error) {
		return s, r.Scan(&s.Channel, &s.Shop)
	})
}

// refreshPending puts one product in or out of a tracked shop's change set,
// by the same comparison the change query makes.
func (d *DB) refreshPending(ctx context.Context, tx *sql.Tx, shop domain.ShopRef, productCode string) error {
	var changed bool
	if err := d.queryRow(ctx, tx, `SELECT EXISTS (SELECT 1 FROM products p WHERE p.code = ? AND `+changedWhere+`)`,
		productCode, shop.Channel, shop.Shop).Scan(&changed); err != nil {
		return err
	}
	if !changed {
		_, err := d.exec(ctx, tx, `DELETE FROM push_pending WHERE channel = ? AND shop = ? AND product_code = ?`,
			shop.Channel, shop.Shop, productCode)
		return err
	}
	_, err := d.exec(ctx, tx, `INSERT INTO push_pending (channel, shop, product_code) SELECT ?, ?, ?
		WHERE EXISTS (SELECT 1 FROM tracked_shops WHERE channel = ? AND shop = ?) ON CONFLICT DO NOTHING`,
		shop.Channel, shop.Shop, productCode, shop.Channel, shop.Shop)
	return err
}

// ChangedProducts returns product codes needing a push, by code, from the
// shop's change set (re-checked, so the set can only ever be too large).
func (d *DB) ChangedProducts(ctx context.Context, shop domain.ShopRef, afterCode string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = 100
	}
	if err := d.trackShop(ctx, shop); err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT p.code FROM push_pending pp JOIN products p ON p.code = pp.product_code
		WHERE pp.channel = ? AND pp.shop = ? AND pp.product_code > ? AND `+changedWhere+` ORDER BY pp.product_code LIMIT ?`,
		shop.Channel, shop.Shop, afterCode, shop.Channel, shop.Shop, limit)
	codes, err := scanAll(rows, err, func(r *sql.Rows) (code string, err error) { return code, r.Scan(&code) })
	if err != nil {
		return nil, err
	}
	return d.withRemovals(ctx, shop, afterCode, limit, codes) // listings whose SKUs left the catalog (removals.go)
}

// CountChangedProducts counts what ChangedProducts pages through.
func (d *DB) CountChangedProducts(ctx context.Context, shop domain.ShopRef) (int, error) {
	if err := d.trackShop(ctx, shop); err != nil {
		return 0, err
	}
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM push_pending pp JOIN products p ON p.code = pp.product_code
		WHERE pp.channel = ? AND pp.shop = ? AND `+changedWhere, shop.Channel, shop.Shop, shop.Channel, shop.Shop).Scan(&n)
	if err != nil {
		return 0, err
	}
	removals, err := d.countRemovalsOnly(ctx, shop) // removals.go
	return n + removals, err
}
