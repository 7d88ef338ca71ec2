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

// Listings returns the shop's listings of one product.
func (d *DB) Listings(ctx context.Context, shop domain.ShopRef, productCode string) ([]domain.ChannelListing, error) {
	return d.listings(ctx, `WHERE channel = ? AND shop = ? AND product_code = ? ORDER BY sku_code`, shop.Channel, shop.Shop, productCode)
}

// ListListings pages through a shop's listings by SKU code.
func (d *DB) ListListings(ctx context.Context, shop domain.ShopRef, afterSKU string, limit int) ([]domain.ChannelListing, error) {
	if limit <= 0 {
		limit = 100
	}
	return d.listings(ctx, `WHERE channel = ? AND shop = ? AND sku_code > ? ORDER BY sku_code LIMIT ?`, shop.Channel, shop.Shop, afterSKU, limit)
}

func (d *DB) listings(ctx context.Context, where string, args ...any) ([]domain.ChannelListing, error) {
	rows, err := d.query(ctx, nil, `SELECT channel, shop, sku_code, product_code, item_id, platform_sku_id, content_hash,
		price, stock, status, last_error, pushed_at, pool_rate_bp, over_sell FROM listings `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.ChannelListing
	for rows.Next() {
		var l domain.ChannelListing
		var price, pushed int64
		if err := rows.Scan(&l.Shop.Channel, &l.Shop.Shop, &l.SKUCode, &l.ProductCode, &l.ItemID, &l.PlatformSKUID,
			&l.ContentHash, &price, &l.Stock, &l.Status, &l.LastError, &pushed, &l.PoolRate, &l.OverSell); err != nil {
			return nil, err
		}
		l.Price, l.PushedAt = domain.Money(price), fromMS(pushed)
		out = append(out, l)
	}
	return out, rows.Err()
}

// SaveListings upserts listings in one transaction.
func (d *DB) SaveListings(ctx context.Context, listings []domain.ChannelListing) error {
	for _, l := range listings {
		if l.Shop.Channel == "" || l.Shop.Shop == "" || l.SKUCode == "" || l.ProductCode == "" {
			return domain.Errorf(domain.EInvalid, "listing of sku %q: shop, sku code and product code are required", l.SKUCode)
		}
	}
	return d.tx(ctx, func(tx *sql.Tx) error {
		type shopProduct struct {
			shop    domain.ShopRef
			product string
		}
		touched := map[shopProduct]bool{}
		var order []shopProduct
		for _, l := range listings {
			if k := (shopProduct{l.Shop, l.ProductCode}); !touched[k] {
				touched[k] = true
				order = append(order, k)
			}
			if _, err := d.exec(ctx, tx, `INSERT INTO listings (channel, shop, sku_code, product_code, item_id, platform_sku_id,
				content_hash, price, stock, status, last_error, pushed_at, over_sell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (channel, shop, sku_code) DO UPDATE SET product_code = excluded.product_code, item_id = excluded.item_id,
				platform_sku_id = excluded.platform_sku_id, content_hash = excluded.content_hash, price = excluded.price,
				stock = excluded.stock, status = excluded.status, last_error = excluded.last_error, pushed_at = excluded.pushed_at,
				over_sell = excluded.over_sell`,
				l.Shop.Channel, l.Shop.Shop, l.SKUCode, l.ProductCode, l.ItemID, l.PlatformSKUID, l.ContentHash,
				int64(l.Price), l.Stock, string(l.Status), l.LastError, ms(l.PushedAt), l.OverSell); err != nil {
				return err
			}
		}
		for _, k := range order {
			if err := d.refreshPending(ctx, tx, k.shop, k.product); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetPoolRate records the commission a product has in the shop's promotion
// pool on every listing of the product (0: it left the pool).
func (d *DB) SetPoolRate(ctx context.Context, shop domain.ShopRef, productCode string, bp int) error {
	_, err := d.db.ExecContext(ctx, `UPDATE listings SET pool_rate_bp = ? WHERE channel = ? AND shop = ? AND product_code = ?`,
		bp, shop.Channel, shop.Shop, productCode)
	return err
}

// ListingsInStatus pages through a shop's listings in one status.
func (d *DB) ListingsInStatus(ctx context.Context, shop domain.ShopRef, status domain.ListingStatus, afterSKU string, limit int) ([]domain.ChannelListing, error) {
	if limit <= 0 {
		limit = 100
	}
	return d.listings(ctx, `WHERE channel = ? AND shop = ? AND status = ? AND sku_code > ? ORDER BY sku_code LIMIT ?`,
		shop.Channel, shop.Shop, string(status), afterSKU, limit)
}

// OrderCursor returns the shop's order-pull cursor.
func (d *DB) OrderCursor(ctx context.Context, shop domain.ShopRef) (time.Time, bool, error) {
	var v int64
	err := d.db.QueryRowContext(ctx, `SELECT cursor_ms FROM order_cursors WHERE channel = ? AND shop = ?`, shop.Channel, shop.Shop).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return fromMS(v), err == nil, err
}

// SetOrderCursor moves the cursor forward (never backwards).
func (d *DB) SetOrderCursor(ctx context.Context, shop domain.ShopRef, t time.Time) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO order_cursors (channel, shop, cursor_ms, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (channel, shop) DO UPDATE SET cursor_ms = MAX(cursor_ms, excluded.cursor_ms), updated_at = excluded.updated_at`,
		shop.Channel, shop.Shop, t.UnixMilli(), ms(d.now()))
	return err
}

// DeliveryID is the stable idempotency key of one order revision
// (store.DeliveryID, the same in every backend).
func DeliveryID(shop domain.ShopRef, platformOrderID string, revision int) string {
	return store.DeliveryID(shop, platformOrderID, revision)
}

// UpsertOrder stores a new order or a new version and enqueues its delivery
// in the same transaction. The primary key on (channel, shop, order id)
// makes concurrent pulls of the same order from several workers safe.
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
	err = d.tx(ctx, func(tx *sql.Tx) error {
		change = store.OrderChange{}
		if _, err := tx.ExecContext(ctx, `DELETE FROM order_rejections WHERE channel = ? AND shop = ? AND platform_order_id = ?`,
			o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID); err != nil {
			return err
		}
		var oldVersion string
		var rev int
		var oldModified int64
		err := tx.QueryRowContext(ctx, `SELECT version, revision, modified_at FROM orders WHERE channel = ? AND shop = ? AND platform_order_id = ?`,
			o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID).Scan(&oldVersion, &rev, &oldModified)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			change.Event, change.Revision = store.OrderCreated, store.OrderRevision(o.ModifiedAt, 0)
			if _, err := tx.ExecContext(ctx, `INSERT INTO orders (channel, shop, platform_order_id, version, revision, versions, status, modified_at, doc, first_seen, updated_at)
				VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`, o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID, version, change.Revision, string(o.Status),
				ms(o.ModifiedAt), string(doc), now, now); err != nil {
				return err
			}
			if err := consumeReservations(ctx, tx, o); err != nil {
				return err
			}
		case err != nil:
			return err
		case oldVersion == version || ms(o.ModifiedAt) < oldModified:
			// Unchanged, or an older snapshot than the one the ERP has.
			change.Revision = rev
			return nil
		default:
			change.Event, change.Revision = store.OrderUpdated, store.OrderRevision(o.ModifiedAt, rev)
			if _, err := tx.ExecContext(ctx, `UPDATE orders SET version = ?, revision = ?, versions = versions + 1, status = ?, modified_at = ?, doc = ?, updated_at = ?
				WHERE channel = ? AND shop = ? AND platform_order_id = ?`, version, change.Revision, string(o.Status), ms(o.ModifiedAt),
				string(doc), now, o.Shop.Channel, o.Shop.Shop, o.PlatformOrderID); err != nil {
				return err
			}
		}
		change.DeliveryID = DeliveryID(o.Shop, o.PlatformOrderID, change.Revision)
		_, err = tx.ExecContext(ctx, `INSERT INTO deliveries (id, event, channel, shop, platform_order_id, revision, doc, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, change.DeliveryID, string(change.Event), o.Shop.Channel, o.Shop.Shop,
			o.PlatformOrderID, change.Revision, string(doc), string(store.DeliveryPending), now)
		return err
	})
	return change, err
}

// GetOrder returns an indexed order.
func (d *DB) GetOrder(ctx context.Context, shop domain.ShopRef, platformOrderID string) (domain.SalesOrder, error) {
	var doc string
	err := d.db.QueryRowContext(ctx, `SELECT doc FROM orders WHERE channel = ? AND shop = ? AND platform_order_id = ?`,
		shop.Channel, shop.Shop, platformOrderID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
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
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `SELECT o.doc, o.version, o.revision, o.versions, o.first_seen, o.updated_at,
		COALESCE((SELECT MAX(revision) FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop
			AND d.platform_order_id = o.platform_order_id AND d.status = 'delivered'), 0),
		(SELECT COUNT(*) FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop AND d.platform_order_id = o.platform_order_id
			AND d.revision <= (SELECT COALESCE(MAX(revision), 0) FROM deliveries x WHERE x.channel = o.channel AND x.shop = o.shop
				AND x.platform_order_id = o.platform_order_id AND x.status = 'delivered')),
		(SELECT COUNT(*) FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop
			AND d.platform_order_id = o.platform_order_id AND d.status = 'pending'),
		COALESCE((SELECT last_error FROM deliveries d WHERE d.channel = o.channel AND d.shop = o.shop
			AND d.platform_order_id = o.platform_order_id AND d.status = 'pending' ORDER BY revision LIMIT 1), '')
		FROM orders o
		WHERE o.channel = ? AND o.shop = ? ORDER BY o.modified_at DESC, o.platform_order_id LIMIT ?`, shop.Channel, shop.Shop, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.OrderRecord
	for rows.Next() {
		var r store.OrderRecord
		var doc string
		var first, updated int64
		if err := rows.Scan(&doc, &r.Version, &r.Revision, &r.Versions, &first, &updated,
			&r.Delivery.DeliveredRevision, &r.Delivery.DeliveredVersion, &r.Delivery.Pending, &r.Delivery.LastError); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &r.Order); err != nil {
			return nil, internal("stored order: %v", err)
		}
		r.FirstSeen, r.UpdatedAt = fromMS(first), fromMS(updated)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RecordOrderRejections keeps rejected platform orders with their reason.
func (d *DB) RecordOrderRejections(ctx context.Context, shop domain.ShopRef, rejected []store.OrderRejection) error {
	if len(rejected) == 0 {
		return nil
	}
	now := ms(d.now())
	return d.tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rejected {
			if r.PlatformOrderID == "" {
				r.PlatformOrderID = "(no id)"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO order_rejections (channel, shop, platform_order_id, reason, first_seen, last_seen, seen)
				VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT (channel, shop, platform_order_id) DO UPDATE SET
				reason = excluded.reason, last_seen = excluded.last_seen, seen = seen + 1`,
				shop.Channel, shop.Shop, r.PlatformOrderID, r.Reason, now, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// OrderRejections lists a shop's unresolved rejections, newest first.
func (d *DB) OrderRejections(ctx context.Context, shop domain.ShopRef, limit int) ([]store.OrderRejection, error) {
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `SELECT platform_order_id, reason, first_seen, last_seen, seen FROM order_rejections
		WHERE channel = ? AND shop = ? ORDER BY last_seen DESC, platform_order_id LIMIT ?`, shop.Channel, shop.Shop, limit)
	return scanAll(rows, err, func(row *sql.Rows) (r store.OrderRejection, err error) {
		var first, last int64
		err = row.Scan(&r.PlatformOrderID, &r.Reason, &first, &last, &r.Seen)
		r.FirstSeen, r.LastSeen = fromMS(first), fromMS(last)
		return r, err
	})
}

// CountOrderRejections counts a shop's unresolved rejections.
func (d *DB) CountOrderRejections(ctx context.Context, shop domain.ShopRef) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM order_rejections WHERE channel = ? AND shop = ?`, shop.Channel, shop.Shop).Scan(&n)
	return n, err
}
