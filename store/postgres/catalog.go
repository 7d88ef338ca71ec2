package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// ImportProducts replaces whole products in one transaction (merging the
// SKUs of products named by store.MergeSKUs) and keeps the change set of
// every tracked shop up to date in the same transaction. It locks the
// products' rows first, in code order (lockProducts): a concurrent import
// of the same products waits for this one.
func (d *DB) ImportProducts(ctx context.Context, products []domain.Product, opts ...store.ImportOption) (store.ImportResult, error) {
	var o store.ImportOptions
	for _, f := range opts {
		f(&o)
	}
	var res store.ImportResult
	seen := map[string]string{} // sku → product, within this import
	var codes []string
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
		codes = append(codes, p.Code)
	}
	slices.Sort(codes)
	now := d.now()
	err := d.tx(ctx, func(tx pgx.Tx) error {
		res = store.ImportResult{}
		if o.RequestID != "" {
			if err := takeRequest(ctx, tx, o.RequestID, now); err != nil {
				return err
			}
		}
		shops, err := keepChangeSets(ctx, tx)
		if err != nil {
			return err
		}
		stored, err := lockProducts(ctx, tx, codes)
		if err != nil {
			return err
		}
		for _, p := range products {
			old, existed := stored[p.Code]
			if existed && o.Merge[p.Code] {
				p = store.WithStoredSKUs(p, old)
			}
			if existed && store.SameProduct(old, p) {
				res.Unchanged++
				res.SKUs += len(p.SKUs)
				continue
			}
			if err := writeProduct(ctx, tx, p, now, shops); err != nil {
				return err
			}
			stored[p.Code] = p
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

// keepChangeSets is the first step of a transaction that writes the
// catalog or listings: it waits while a shop's change set is first built
// (trackShop) and returns the tracked shops, whose sets it is to keep.
func keepChangeSets(ctx context.Context, tx pgx.Tx) ([]domain.ShopRef, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, lockTrack); err != nil {
		return nil, err
	}
	rows, _ := tx.Query(ctx, `SELECT channel, shop FROM tracked_shops`)
	return collect(rows, func(r pgx.CollectableRow) (s domain.ShopRef, err error) {
		return s, r.Scan(&s.Channel, &s.Shop)
	})
}

// writeProduct replaces the stored product and its SKUs (the caller holds
// the product's row lock, or it is new) and puts it in or out of the
// tracked shops' change sets, in one round trip; a SKU of another product
// is a conflict (and the transaction is then to be rolled back).
func writeProduct(ctx context.Context, tx pgx.Tx, p domain.Product, now time.Time, shops []domain.ShopRef) error {
	codes := make([]string, len(p.SKUs))
	prices, costs, stocks, ordinals := make([]int64, len(p.SKUs)), make([]int64, len(p.SKUs)), make([]int64, len(p.SKUs)), make([]int64, len(p.SKUs))
	for i, s := range p.SKUs {
		codes[i], prices[i], costs[i], stocks[i], ordinals[i] = s.Code, int64(s.ListPrice), int64(s.Cost), int64(s.Stock), int64(i)
	}
	p.UpdatedAt = now.UTC()
	doc, err := json.Marshal(p)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT code, product_code FROM skus WHERE code = ANY($1) AND product_code <> $2 ORDER BY code LIMIT 1`, codes, p.Code)
	b.Queue(`INSERT INTO products (code, title, doc, content_hash, updated_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (code) DO UPDATE SET title = excluded.title, doc = excluded.doc, content_hash = excluded.content_hash, updated_at = excluded.updated_at`,
		p.Code, p.Title, string(doc), p.ContentHash(), ms(now))
	b.Queue(`DELETE FROM skus WHERE product_code = $1`, p.Code)
	b.Queue(`INSERT INTO skus (code, product_code, list_price, cost, stock, ordinal)
		SELECT code, $2, list_price, cost, stock, ordinal FROM unnest($1::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
			AS t(code, list_price, cost, stock, ordinal)`,
		codes, p.Code, prices, costs, stocks, ordinals)
	for _, shop := range shops {
		queueRefresh(b, shop, p.Code)
	}
	br := tx.SendBatch(ctx, b)
	var sku, owner string
	err = br.QueryRow().Scan(&sku, &owner)
	switch {
	case err == nil:
		br.Close()
		return domain.Errorf(domain.EConflict, "import: sku %s of product %s already belongs to product %s", sku, p.Code, owner)
	case !errors.Is(err, pgx.ErrNoRows):
		br.Close()
		return err
	}
	err = br.Close() // the writes' errors
	if isCode(err, "23505") && constraintOf(err) == "skus_pkey" {
		// Another transaction gave one of these SKUs to another product
		// between the check and the insert.
		return domain.Errorf(domain.EConflict, "import: a sku of product %s was just given to another product by a concurrent import", p.Code)
	}
	return err
}

// getProduct reads a product.
func getProduct(ctx context.Context, q querier, code string) (domain.Product, error) {
	var doc string
	err := q.QueryRow(ctx, `SELECT doc FROM products WHERE code = $1`, code).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
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
	return getProduct(ctx, d.pool, code)
}

// ProductOfSKU returns the product a SKU belongs to, or ENotFound naming
// the SKU.
func (d *DB) ProductOfSKU(ctx context.Context, sku string) (domain.Product, error) {
	var doc string
	err := d.pool.QueryRow(ctx, `SELECT p.doc FROM skus s JOIN products p ON p.code = s.product_code WHERE s.code = $1`, sku).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Product{}, domain.Errorf(domain.ENotFound, "no SKU %q in the catalog", sku)
	}
	if err != nil {
		return domain.Product{}, err
	}
	var p domain.Product
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		return p, internal("product of sku %s: stored document: %v", sku, err)
	}
	return p, nil
}

// ListProducts pages through products by code.
func (d *DB) ListProducts(ctx context.Context, afterCode string, limit int) ([]domain.Product, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, _ := d.pool.Query(ctx, `SELECT doc FROM products WHERE code > $1 ORDER BY code LIMIT $2`, afterCode, limit)
	return collect(rows, func(r pgx.CollectableRow) (domain.Product, error) {
		var doc string
		var p domain.Product
		if err := r.Scan(&doc); err != nil {
			return p, err
		}
		if err := json.Unmarshal([]byte(doc), &p); err != nil {
			return p, internal("stored product: %v", err)
		}
		return p, nil
	})
}

// CatalogStats counts SPUs and SKUs.
func (d *DB) CatalogStats(ctx context.Context) (spus, skus int, err error) {
	err = d.pool.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM products), (SELECT COUNT(*) FROM skus)`).Scan(&spus, &skus)
	return spus, skus, err
}

// CountProductsAfter counts the products after a code.
func (d *DB) CountProductsAfter(ctx context.Context, afterCode string) (int, error) {
	var n int
	err := d.pool.QueryRow(ctx, `SELECT COUNT(*) FROM products WHERE code > $1`, afterCode).Scan(&n)
	return n, err
}

// changedWhere selects products (alias p) with at least one SKU whose
// listing on the shop (channel and shop: the query's parameters ch and sh,
// e.g. "$1") is missing or differs from the catalog in content hash, price
// or stock: store/sqlite's comparison, which mapping.ChannelPrice and
// ChannelStock must agree with.
func changedWhere(ch, sh string) string {
	return `EXISTS (
	SELECT 1 FROM skus s
	LEFT JOIN listings l ON l.channel = ` + ch + ` AND l.shop = ` + sh + ` AND l.sku_code = s.code
	WHERE s.product_code = p.code AND (
		l.sku_code IS NULL OR l.item_id = '' OR l.content_hash <> p.content_hash
		OR l.price <> s.list_price OR l.stock <> s.stock))`
}

// trackShop makes the shop's change set exact: the first time, it compares
// the whole catalog; from then on imports and listing saves keep it. It
// holds the tracking lock exclusively, so no catalog or listing write is
// halfway while it compares, and every one after it keeps this shop's set.
func (d *DB) trackShop(ctx context.Context, shop domain.ShopRef) error {
	if _, ok := d.tracked.Load(shop); ok {
		return nil
	}
	var n int
	if err := d.pool.QueryRow(ctx, `SELECT COUNT(*) FROM tracked_shops WHERE channel = $1 AND shop = $2`, shop.Channel, shop.Shop).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		d.tracked.Store(shop, true)
		return nil
	}
	err := d.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockTrack); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO tracked_shops (channel, shop, tracked_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			shop.Channel, shop.Shop, ms(d.now()))
		if err != nil || tag.RowsAffected() == 0 {
			return err // or another worker tracked it first
		}
		_, err = tx.Exec(ctx, `INSERT INTO push_pending (channel, shop, product_code)
			SELECT $1, $2, p.code FROM products p WHERE `+changedWhere("$1", "$2"), shop.Channel, shop.Shop)
		return err
	})
	if err == nil {
		d.tracked.Store(shop, true)
	}
	return err
}

// refreshSQL puts one product ($3) in or out of a tracked shop's change
// set ($1, $2), by the same comparison the change query makes, in one
// statement.
var refreshSQL = `WITH changed AS (SELECT EXISTS (SELECT 1 FROM products p WHERE p.code = $3 AND ` + changedWhere("$1", "$2") + `) AS yes),
	gone AS (DELETE FROM push_pending WHERE channel = $1 AND shop = $2 AND product_code = $3 AND NOT (SELECT yes FROM changed))
	INSERT INTO push_pending (channel, shop, product_code) SELECT $1, $2, $3
	WHERE (SELECT yes FROM changed) AND EXISTS (SELECT 1 FROM tracked_shops WHERE channel = $1 AND shop = $2)
	ON CONFLICT DO NOTHING`

// queueRefresh adds the refresh of a product in a shop's change set to a
// batch (after the writes it follows).
func queueRefresh(b *pgx.Batch, shop domain.ShopRef, productCode string) {
	b.Queue(refreshSQL, shop.Channel, shop.Shop, productCode)
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
	rows, _ := d.pool.Query(ctx, `SELECT p.code FROM push_pending pp JOIN products p ON p.code = pp.product_code
		WHERE pp.channel = $1 AND pp.shop = $2 AND pp.product_code > $3 AND `+changedWhere("$1", "$2")+` ORDER BY pp.product_code LIMIT $4`,
		shop.Channel, shop.Shop, afterCode, limit)
	codes, err := collect(rows, pgx.RowTo[string])
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
	err := d.pool.QueryRow(ctx, `SELECT COUNT(*) FROM push_pending pp JOIN products p ON p.code = pp.product_code
		WHERE pp.channel = $1 AND pp.shop = $2 AND `+changedWhere("$1", "$2"), shop.Channel, shop.Shop).Scan(&n)
	if err != nil {
		return 0, err
	}
	removals, err := d.countRemovalsOnly(ctx, shop) // removals.go
	return n + removals, err
}
