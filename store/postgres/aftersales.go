package postgres

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// refundDoc is what a refund delivery stores: the case at its revision and
// the order as stored then (store/sqlite's shape: a copied store reads alike).
type refundDoc struct {
	Order  domain.SalesOrder `json:"order"`
	Refund domain.AfterSale  `json:"refund"`
}

// UpsertAfterSale implements store.Store. The versions of one case are
// recorded one at a time (an advisory lock on the case), so two workers
// pulling it never both enqueue its new version.
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
	err = d.tx(ctx, func(tx pgx.Tx) error {
		change = store.OrderChange{}
		c := c
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			"after_sales/"+c.Shop.Channel+"/"+c.Shop.Shop+"/"+c.PlatformCaseID); err != nil {
			return err
		}
		var oldVersion, oldDoc string
		var rev int
		var oldModified int64
		err := tx.QueryRow(ctx, `SELECT version, revision, modified_at, doc FROM after_sales WHERE channel = $1 AND shop = $2 AND case_id = $3`,
			c.Shop.Channel, c.Shop.Shop, c.PlatformCaseID).Scan(&oldVersion, &rev, &oldModified, &oldDoc)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
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
		if _, err := tx.Exec(ctx, `INSERT INTO after_sales (channel, shop, case_id, platform_order_id, version, revision, status, modified_at, doc, first_seen, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
			ON CONFLICT (channel, shop, case_id) DO UPDATE SET platform_order_id = excluded.platform_order_id, version = excluded.version,
			revision = excluded.revision, status = excluded.status, modified_at = excluded.modified_at, doc = excluded.doc, updated_at = excluded.updated_at`,
			c.Shop.Channel, c.Shop.Shop, c.PlatformCaseID, c.PlatformOrderID, version, change.Revision, string(c.Status), ms(c.ModifiedAt),
			string(doc), now); err != nil {
			return err
		}
		order := domain.SalesOrder{Shop: c.Shop, PlatformOrderID: c.PlatformOrderID}
		var orderDoc string
		switch err := tx.QueryRow(ctx, `SELECT doc FROM orders WHERE channel = $1 AND shop = $2 AND platform_order_id = $3`,
			c.Shop.Channel, c.Shop.Shop, c.PlatformOrderID).Scan(&orderDoc); {
		case errors.Is(err, pgx.ErrNoRows):
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
		change.DeliveryID = store.RefundDeliveryID(c.Shop, c.PlatformOrderID, c.PlatformCaseID, change.Revision)
		_, err = tx.Exec(ctx, `INSERT INTO deliveries (id, event, channel, shop, platform_order_id, case_id, revision, doc, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, change.DeliveryID, string(change.Event), c.Shop.Channel, c.Shop.Shop,
			c.PlatformOrderID, c.PlatformCaseID, change.Revision, string(ddoc), string(store.DeliveryPending), now)
		return err
	})
	return change, err
}

// AfterSales implements store.Store.
func (d *DB) AfterSales(ctx context.Context, shop domain.ShopRef, platformOrderID string) ([]domain.AfterSale, error) {
	rows, _ := d.pool.Query(ctx, `SELECT doc FROM after_sales WHERE channel = $1 AND shop = $2 AND platform_order_id = $3 ORDER BY first_seen, case_id`,
		shop.Channel, shop.Shop, platformOrderID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.AfterSale, error) {
		var doc string
		var c domain.AfterSale
		if err := r.Scan(&doc); err != nil {
			return c, err
		}
		if err := json.Unmarshal([]byte(doc), &c); err != nil {
			return c, internal("after-sale case of order %s: stored doc: %v", platformOrderID, err)
		}
		return c, nil
	})
	if out == nil && err == nil {
		out = []domain.AfterSale{}
	}
	return out, err
}
