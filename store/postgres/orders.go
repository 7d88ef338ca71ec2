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

const listingColumns = `channel, shop, sku_code, product_code, item_id, platform_sku_id, content_hash,
	price, stock, status, last_error, pushed_at, pool_rate_bp, over_sell`

// Listings returns the shop's listings of one product.
func (d *DB) Listings(ctx context.Context, shop domain.ShopRef, productCode string) ([]domain.ChannelListing, error) {
	return d.listings(ctx, `WHERE channel = $1 AND shop = $2 AND product_code = $3 ORDER BY sku_code`, shop.Channel, shop.Shop, productCode)
}

// ListListings pages through a shop's listings by SKU code.
func (d *DB) ListListings(ctx context.Context, shop domain.ShopRef, afterSKU string, limit int) ([]domain.ChannelListing, error) {
	if limit <= 0 {
		limit = 100
	}
	return d.listings(ctx, `WHERE channel = $1 AND shop = $2 AND sku_code > $3 ORDER BY sku_code LIMIT $4`, shop.Channel, shop.Shop, afterSKU, limit)
}

// ListingsInStatus pages through a shop's listings in one status.
func (d *DB) ListingsInStatus(ctx context.Context, shop domain.ShopRef, status domain.ListingStatus, afterSKU string, limit int) ([]domain.ChannelListing, error) {
	if limit <= 0 {
		limit = 100
	}
	return d.listings(ctx, `WHERE channel = $1 AND shop = $2 AND status = $3 AND sku_code > $4 ORDER BY sku_code LIMIT $5`,
		shop.Channel, shop.Shop, string(status), afterSKU, limit)
}

func (d *DB) listings(ctx context.Context, where string, args ...any) ([]domain.ChannelListing, error) {
	rows, _ := d.pool.Query(ctx, `SELECT `+listingColumns+` FROM listings `+where, args...)
	return collect(rows, func(r pgx.CollectableRow) (domain.ChannelListing, error) {
		var l domain.ChannelListing
		var price, pushed int64
		var status string
		err := r.Scan(&l.Shop.Channel, &l.Shop.Shop, &l.SKUCode, &l.ProductCode, &l.ItemID, &l.PlatformSKUID,
			&l.ContentHash, &price, &l.Stock, &status, &l.LastError, &pushed, &l.PoolRate, &l.OverSell)
		l.Price, l.PushedAt, l.Status = domain.Money(price), fromMS(pushed), domain.ListingStatus(status)
		return l, err
	})
}

// SaveListings upserts listings in one transaction. It first takes a share
// lock on the listed products' rows, so that a catalog write of one of them
// and this save keep its change sets one after the other, never both from
// what the other had not written yet.
func (d *DB) SaveListings(ctx context.Context, listings []domain.ChannelListing) error {
	for _, l := range listings {
		if l.Shop.Channel == "" || l.Shop.Shop == "" || l.SKUCode == "" || l.ProductCode == "" {
			return domain.Errorf(domain.EInvalid, "listing of sku %q: shop, sku code and product code are required", l.SKUCode)
		}
	}
	type shopProduct struct {
		shop    domain.ShopRef
		product string
	}
	touched := map[shopProduct]bool{}
	var order []shopProduct
	var products []string
	for _, l := range listings {
		if k := (shopProduct{l.Shop, l.ProductCode}); !touched[k] {
			touched[k] = true
			order = append(order, k)
			products = append(products, l.ProductCode)
		}
	}
	slices.Sort(products)
	// Rows in key order: two saves of the same listings wait for each other
	// instead of deadlocking (the same key twice keeps its last value).
	sorted := slices.Clone(listings)
	slices.SortStableFunc(sorted, func(a, b domain.ChannelListing) int {
		return cmpKeys(a.Shop.Channel, b.Shop.Channel, a.Shop.Shop, b.Shop.Shop, a.SKUCode, b.SKUCode)
	})
	return d.tx(ctx, func(tx pgx.Tx) error {
		if _, err := keepChangeSets(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM products WHERE code = ANY($1) ORDER BY code FOR SHARE`, products); err != nil {
			return err
		}
		b := &pgx.Batch{}
		for _, l := range sorted {
			b.Queue(`INSERT INTO listings (channel, shop, sku_code, product_code, item_id, platform_sku_id,
				content_hash, price, stock, status, last_error, pushed_at, over_sell) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
				ON CONFLICT (channel, shop, sku_code) DO UPDATE SET product_code = excluded.product_code, item_id = excluded.item_id,
				platform_sku_id = excluded.platform_sku_id, content_hash = excluded.content_hash, price = excluded.price,
				stock = excluded.stock, status = excluded.status, last_error = excluded.last_error, pushed_at = excluded.pushed_at,
				over_sell = excluded.over_sell`,
				l.Shop.Channel, l.Shop.Shop, l.SKUCode, l.ProductCode, l.ItemID, l.PlatformSKUID, l.ContentHash,
				int64(l.Price), l.Stock, string(l.Status), l.LastError, ms(l.PushedAt), l.OverSell)
		}
		for _, k := range order {
			queueRefresh(b, k.shop, k.product)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// cmpKeys compares pairs of strings in turn (a1 with b1, then a2 with b2…).
func cmpKeys(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		switch {
		case pairs[i] < pairs[i+1]:
			return -1
		case pairs[i] > pairs[i+1]:
			return 1
		}
	}
	return 0
}

// SetPoolRate records the commission a product has in the shop's promotion
// pool on every listing of the product (0: it left the pool).
func (d *DB) SetPoolRate(ctx context.Context, shop domain.ShopRef, productCode string, bp int) error {
	_, err := d.exec(ctx, `UPDATE listings SET pool_rate_bp = $1 WHERE channel = $2 AND shop = $3 AND product_code = $4`,
		bp, shop.Channel, shop.Shop, productCode)
	return err
}

// OrderCursor returns the shop's order-pull cursor.
func (d *DB) OrderCursor(ctx context.Context, shop domain.ShopRef) (time.Time, bool, error) {
	var v int64
	err := d.pool.QueryRow(ctx, `SELECT cursor_ms FROM order_cursors WHERE channel = $1 AND shop = $2`, shop.Channel, shop.Shop).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return fromMS(v), err == nil, err
}

// SetOrderCursor moves the cursor forward (never backwards), in one
// statement whatever other workers write.
func (d *DB) SetOrderCursor(ctx context.Context, shop domain.ShopRef, t time.Time) error {
	_, err := d.exec(ctx, `INSERT INTO order_cursors (channel, shop, cursor_ms, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (channel, shop) DO UPDATE SET cursor_ms = GREATEST(order_cursors.cursor_ms, excluded.cursor_ms), updated_at = excluded.updated_at`,
		shop.Channel, shop.Shop, t.UnixMilli(), ms(d.now()))
	return err
}

// UpsertOrder stores a new order or a new version and enqueues its delivery
// in the same transaction. A new order is an INSERT … ON CONFLICT DO
// NOTHING (of two workers inserting it, the second waits and inserts
// nothing); a known one is read with its row locked (FOR UPDATE), so two
// workers never both see the old version and both enqueue the new one.
func (d *DB) UpsertOrder(ctx context.Context, o domain.SalesOrder) (store.OrderChange, error) {
	if o.Shop.Channel == "" || o.Shop.Shop == "" {
		return store.OrderChange{}, domain.Errorf(domain.EInvalid, "order %s, field shop: required", o.PlatformOrderID)
	}
	if o.PlatformOrderID == "" {
		return store.OrderChange{}, domain.Errorf(domain.EInvalid, "order of %s, field platform_order_id: required", o.Shop)
	}
	version := o.Version()
	doc, err := json.Marshal(o)
	if err != nil {
		return store.OrderChange{}, internal("order %s: encode: %v", o.PlatformOrderID, err)
	}
	var change store.OrderChange
	now := ms(d.now())
	err = d.tx(ctx, func(tx pgx.Tx) error {
		change = store.OrderChange{}
		if _, err := tx.Exec(ctx, `DELETE FROM order_rejections WHERE channel = $1 AND shop = $2 AND platform_order_id = $3`,
			o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID); err != nil {
			return err
		}
		first := store.OrderRevision(o.ModifiedAt, 0)
		tag, err := tx.Exec(ctx, `INSERT INTO orders (channel, shop, platform_order_id, version, revision, versions, status, modified_at, doc, first_seen, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $9) ON CONFLICT (channel, shop, platform_order_id) DO NOTHING`,
			o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID, version, first, string(o.Status), ms(o.ModifiedAt), string(doc), now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			change.Event, change.Revision = store.OrderCreated, first
			if err := consumeReservations(ctx, tx, o); err != nil {
				return err
			}
		} else {
			var oldVersion string
			var rev int
			var oldModified int64
			if err := tx.QueryRow(ctx, `SELECT version, revision, modified_at FROM orders WHERE channel = $1 AND shop = $2 AND platform_order_id = $3 FOR UPDATE`,
				o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID).Scan(&oldVersion, &rev, &oldModified); err != nil {
				return err
			}
			if oldVersion == version || ms(o.ModifiedAt) < oldModified {
				// Unchanged, or an older snapshot than the one the ERP has.
				change.Revision = rev
				return nil
			}
			change.Event, change.Revision = store.OrderUpdated, store.OrderRevision(o.ModifiedAt, rev)
			if _, err := tx.Exec(ctx, `UPDATE orders SET version = $1, revision = $2, versions = versions + 1, status = $3, modified_at = $4, doc = $5, updated_at = $6
				WHERE channel = $7 AND shop = $8 AND platform_order_id = $9`, version, change.Revision, string(o.Status), ms(o.ModifiedAt),
				string(doc), now, o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID); err != nil {
				return err
			}
		}
		change.DeliveryID = store.DeliveryID(o.Shop, o.PlatformOrderID, change.Revision)
		_, err = tx.Exec(ctx, `INSERT INTO deliveries (id, event, channel, shop, platform_order_id, revision, doc, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, change.DeliveryID, string(change.Event), o.Shop.Channel, o.Shop.Shop,
			o.PlatformOrderID, change.Revision, string(doc), string(store.DeliveryPending), now)
		return err
	})
	return change, err
}

// GetOrder returns an indexed order.
func (d *DB) GetOrder(ctx context.Context, shop domain.ShopRef, platformOrderID string) (domain.SalesOrder, error) {
	var doc string
	err := d.pool.QueryRow(ctx, `SELECT doc FROM orders WHERE channel = $1 AND shop = $2 AND platform_order_id = $3`,
		shop.Channel, shop.Shop, platformOrderID).Scan(&doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.SalesOrder{}, domain.Errorf(domain.ENotFound, "order %s of %s is not in the order index", platformOrderID, shop)
	}
	if err != nil {
		return domain.SalesOrder{}, err
	}
	var o domain.SalesOrder
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return o, internal("order %s: stored document: %v", platformOrderID, err)
	}
	return o, nil
}

// ListOrders returns a shop's orders, newest modification first; limit ≤ 0 means all.
func (d *DB) ListOrders(ctx context.Context, shop domain.ShopRef, limit int) ([]store.OrderRecord, error) {
	rows, _ := d.pool.Query(ctx, `SELECT o.doc, o.version, o.revision, o.versions, o.first_seen, o.updated_at,
		COALESCE(dl.delivered, 0),
		(SELECT COUNT(*) FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop AND d.platform_order_id = o.platform_order_id
			AND d.revision <= COALESCE(dl.delivered, 0)),
		(SELECT COUNT(*) FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop
			AND d.platform_order_id = o.platform_order_id AND d.status = 'pending'),
		COALESCE((SELECT last_error FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop
			AND d.platform_order_id = o.platform_order_id AND d.status = 'pending' ORDER BY revision LIMIT 1), '')
		FROM orders o
		LEFT JOIN LATERAL (SELECT MAX(revision) AS delivered FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop
			AND d.platform_order_id = o.platform_order_id AND d.status = 'delivered') dl ON true
		WHERE o.channel = $1 AND o.shop = $2 ORDER BY o.modified_at DESC, o.platform_order_id LIMIT $3`, shop.Channel, shop.Shop, limitOrAll(limit))
	return collect(rows, func(row pgx.CollectableRow) (store.OrderRecord, error) {
		var r store.OrderRecord
		var doc string
		var first, updated int64
		if err := row.Scan(&doc, &r.Version, &r.Revision, &r.Versions, &first, &updated,
			&r.Delivery.DeliveredRevision, &r.Delivery.DeliveredVersion, &r.Delivery.Pending, &r.Delivery.LastError); err != nil {
			return r, err
		}
		if err := json.Unmarshal([]byte(doc), &r.Order); err != nil {
			return r, internal("stored order: %v", err)
		}
		r.FirstSeen, r.UpdatedAt = fromMS(first), fromMS(updated)
		return r, nil
	})
}

// RecordOrderRejections keeps rejected platform orders with their reason.
func (d *DB) RecordOrderRejections(ctx context.Context, shop domain.ShopRef, rejected []store.OrderRejection) error {
	if len(rejected) == 0 {
		return nil
	}
	now := ms(d.now())
	return d.tx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rejected {
			if r.PlatformOrderID == "" {
				r.PlatformOrderID = "(no id)"
			}
			b.Queue(`INSERT INTO order_rejections (channel, shop, platform_order_id, reason, first_seen, last_seen, seen)
				VALUES ($1, $2, $3, $4, $5, $5, 1) ON CONFLICT (channel, shop, platform_order_id) DO UPDATE SET
				reason = excluded.reason, last_seen = excluded.last_seen, seen = order_rejections.seen + 1`,
				shop.Channel, shop.Shop, r.PlatformOrderID, r.Reason, now)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// OrderRejections lists a shop's unresolved rejections, newest first.
func (d *DB) OrderRejections(ctx context.Context, shop domain.ShopRef, limit int) ([]store.OrderRejection, error) {
	rows, _ := d.pool.Query(ctx, `SELECT platform_order_id, reason, first_seen, last_seen, seen FROM order_rejections
		WHERE channel = $1 AND shop = $2 ORDER BY last_seen DESC, platform_order_id LIMIT $3`, shop.Channel, shop.Shop, limitOrAll(limit))
	return collect(rows, func(row pgx.CollectableRow) (r store.OrderRejection, err error) {
		var first, last int64
		err = row.Scan(&r.PlatformOrderID, &r.Reason, &first, &last, &r.Seen)
		r.FirstSeen, r.LastSeen = fromMS(first), fromMS(last)
		return r, err
	})
}

// CountOrderRejections counts a shop's unresolved rejections.
func (d *DB) CountOrderRejections(ctx context.Context, shop domain.ShopRef) (int, error) {
	var n int
	err := d.pool.QueryRow(ctx, `SELECT COUNT(*) FROM order_rejections WHERE channel = $1 AND shop = $2`, shop.Channel, shop.Shop).Scan(&n)
	return n, err
}
