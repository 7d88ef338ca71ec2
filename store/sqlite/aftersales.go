package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// refundDoc is what a refund delivery stores: the case at its revision and
// the order as stored then.
type refundDoc struct {
	Order  domain.SalesOrder `json:"order"`
	Refund domain.AfterSale  `json:"refund"`
}

// RefundDeliveryID is the stable idempotency key of one revision of a
// refund case (store.RefundDeliveryID, the same in every backend).
func RefundDeliveryID(shop domain.ShopRef, platformOrderID, caseID string, revision int) string {
	return store.RefundDeliveryID(shop, platformOrderID, caseID, revision)
}

// UpsertAfterSale implements store.Store.
func (d *DB) UpsertAfterSale(ctx context.Context, c domain.AfterSale) (store.OrderChange, error) {
	switch {
	case c.Shop.Channel == "" || c.Shop.Shop == "":
		return store.OrderChange{}, domain.Errorf(domain.EInvalid, "after-sale case %s, field shop: required", c.PlatformCaseID)
	case c.PlatformCaseID == "":
		return store.OrderChange{}, domain.Errorf(domain.EInvalid, "after-sale case of order %s, field platform_case_id: required", c.PlatformOrderID)
	case c.PlatformOrderID == "":
		return store.OrderChange{}, domain.Errorf(domain.EInvalid, "after-sale case %s, field platform_order_id: required", c.PlatformCaseID)
	}
	version, err := store.AfterSaleVersion(c)
	if err != nil {
		return store.OrderChange{}, internal("after-sale case %s: encode: %v", c.PlatformCaseID, err)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = c.ModifiedAt
	}
	var change store.OrderChange
	now := ms(d.now())
	err = d.tx(ctx, func(tx *sql.Tx) error {
		change = store.OrderChange{}
		var oldVersion, oldDoc string
		var rev int
		var oldModified int64
		err := tx.QueryRowContext(ctx, `SELECT version, revision, modified_at, doc FROM after_sales WHERE channel = ? AND shop = ? AND case_id = ?`,
			c.Shop.Channel, c.Shop.Shop, c.PlatformCaseID).Scan(&oldVersion, &rev, &oldModified, &oldDoc)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			change.Event, change.Revision = store.RefundCreated, store.OrderRevision(c.ModifiedAt, 0)
		case err != nil:
			return err
		case oldVersion == version || ms(c.ModifiedAt) < oldModified:
			change.Revision = rev
			return nil
		default:
			var old domain.AfterSale
			if err := json.Unmarshal([]byte(oldDoc), &old); err == nil && !old.CreatedAt.IsZero() {
				c.CreatedAt = old.CreatedAt // the first sight of the case stays its creation
			}
			change.Event, change.Revision = store.RefundUpdated, store.OrderRevision(c.ModifiedAt, rev)
		}
		doc, err := json.Marshal(c)
		if err != nil {
			return internal("after-sale case %s: encode: %v", c.PlatformCaseID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO after_sales (channel, shop, case_id, platform_order_id, version, revision, status, modified_at, doc, first_seen, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (channel, shop, case_id) DO UPDATE SET platform_order_id = excluded.platform_order_id, version = excluded.version,
			revision = excluded.revision, status = excluded.status, modified_at = excluded.modified_at, doc = excluded.doc, updated_at = excluded.updated_at`,
			c.Shop.Channel, c.Shop.Shop, c.PlatformCaseID, c.PlatformOrderID, version, change.Revision, string(c.Status), ms(c.ModifiedAt),
			string(doc), now, now); err != nil {
			return err
		}
		order := domain.SalesOrder{Shop: c.Shop, PlatformOrderID: c.PlatformOrderID}
		var orderDoc string
		switch err := tx.QueryRowContext(ctx, `SELECT doc FROM orders WHERE channel = ? AND shop = ? AND platform_order_id = ?`,
			c.Shop.Channel, c.Shop.Shop, c.PlatformOrderID).Scan(&orderDoc); {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return err
		default:
			if err := json.Unmarshal([]byte(orderDoc), &order); err != nil {
				return internal("order %s: stored doc: %v", c.PlatformOrderID, err)
			}
		}
		ddoc, err := json.Marshal(refundDoc{Order: order, Refund: c})
		if err != nil {
			return internal("after-sale case %s: encode: %v", c.PlatformCaseID, err)
		}
		change.DeliveryID = RefundDeliveryID(c.Shop, c.PlatformOrderID, c.PlatformCaseID, change.Revision)
		_, err = tx.ExecContext(ctx, `INSERT INTO deliveries (id, event, channel, shop, platform_order_id, case_id, revision, doc, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, change.DeliveryID, string(change.Event), c.Shop.Channel, c.Shop.Shop,
			c.PlatformOrderID, c.PlatformCaseID, change.Revision, string(ddoc), string(store.DeliveryPending), now)
		return err
	})
	return change, err
}

// AfterSales implements store.Store.
func (d *DB) AfterSales(ctx context.Context, shop domain.ShopRef, platformOrderID string) ([]domain.AfterSale, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT doc FROM after_sales WHERE channel = ? AND shop = ? AND platform_order_id = ? ORDER BY first_seen, case_id`,
		shop.Channel, shop.Shop, platformOrderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.AfterSale{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var c domain.AfterSale
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return nil, internal("after-sale case of order %s: stored doc: %v", platformOrderID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
