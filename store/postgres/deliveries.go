package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

const deliveryCols = `id, event, channel, shop, platform_order_id, case_id, revision, doc, status, attempts, last_http_status, last_error, created_at, delivered_at`

func scanDelivery(s pgx.Row) (store.Delivery, error) {
	var d store.Delivery
	var doc, event, status string
	var created, delivered int64
	if err := s.Scan(&d.ID, &event, &d.Shop.Channel, &d.Shop.Shop, &d.PlatformOrderID, &d.CaseID, &d.Revision, &doc, &status,
		&d.Attempts, &d.LastHTTPStatus, &d.LastError, &created, &delivered); err != nil {
		return d, err
	}
	d.Event, d.Status, d.CreatedAt = store.OrderEvent(event), store.DeliveryStatus(status), fromMS(created)
	if delivered != 0 {
		t := fromMS(delivered)
		d.DeliveredAt = &t
	}
	if d.Event.IsRefund() {
		var rd refundDoc
		if err := json.Unmarshal([]byte(doc), &rd); err != nil {
			return d, internal("delivery %s: stored refund: %v", d.ID, err)
		}
		d.Order, d.Refund = rd.Order, &rd.Refund
		return d, nil
	}
	if err := json.Unmarshal([]byte(doc), &d.Order); err != nil {
		return d, internal("delivery %s: stored order: %v", d.ID, err)
	}
	return d, nil
}

// PendingDeliveries returns deliveries not yet accepted, oldest first; limit ≤ 0 means all.
func (d *DB) PendingDeliveries(ctx context.Context, limit int) ([]store.Delivery, error) {
	return d.OldPendingDeliveries(ctx, nil, time.Time{}, limit)
}

// PendingDeliveryRefs returns one shop's pending deliveries, oldest first; limit ≤ 0 means all.
func (d *DB) PendingDeliveryRefs(ctx context.Context, shop domain.ShopRef, notDispatchedSince time.Time, limit int) ([]store.DeliveryRef, error) {
	rows, _ := d.pool.Query(ctx, `SELECT id, platform_order_id FROM deliveries WHERE channel = $1 AND shop = $2 AND status = $3
		AND dispatched_at < $4 ORDER BY created_at, seq LIMIT $5`, shop.Channel, shop.Shop, string(store.DeliveryPending),
		max(ms(notDispatchedSince), 1), limitOrAll(limit))
	return collect(rows, func(row pgx.CollectableRow) (r store.DeliveryRef, err error) {
		return r, row.Scan(&r.ID, &r.PlatformOrderID)
	})
}

// MarkDispatched records when the deliveries' workflows were started.
func (d *DB) MarkDispatched(ctx context.Context, ids []string, at time.Time) error {
	_, err := d.exec(ctx, `UPDATE deliveries SET dispatched_at = $1 WHERE id = ANY($2)`, ms(at), ids)
	return err
}

// CountPendingDeliveries counts one shop's pending deliveries.
func (d *DB) CountPendingDeliveries(ctx context.Context, shop domain.ShopRef) (int, error) {
	var n int
	err := d.pool.QueryRow(ctx, `SELECT COUNT(*) FROM deliveries WHERE channel = $1 AND shop = $2 AND status = $3`,
		shop.Channel, shop.Shop, string(store.DeliveryPending)).Scan(&n)
	return n, err
}

// GetDelivery returns one delivery.
func (d *DB) GetDelivery(ctx context.Context, id string) (store.Delivery, error) {
	dl, err := scanDelivery(d.pool.QueryRow(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return dl, domain.Errorf(domain.ENotFound, "delivery %s does not exist", id)
	}
	return dl, err
}

// RecordDeliveryAttempt logs one attempt; accepted marks it delivered.
func (d *DB) RecordDeliveryAttempt(ctx context.Context, id string, accepted bool, httpStatus int, errText string) error {
	q := `UPDATE deliveries SET attempts = attempts + 1, last_http_status = $1, last_error = $2 WHERE id = $3`
	args := []any{httpStatus, errText, id}
	if accepted {
		q = `UPDATE deliveries SET attempts = attempts + 1, last_http_status = $1, last_error = '', status = $2, delivered_at = $3 WHERE id = $4`
		args = []any{httpStatus, string(store.DeliveryDelivered), ms(d.now()), id}
	}
	tag, err := d.exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENotFound, "delivery %s does not exist", id)
	}
	return nil
}

// RequeueDeliveries marks a shop's (or one order's) deliveries pending again.
func (d *DB) RequeueDeliveries(ctx context.Context, shop domain.ShopRef, platformOrderID string) (int, error) {
	q := `UPDATE deliveries SET status = $1, delivered_at = 0, dispatched_at = 0 WHERE channel = $2 AND shop = $3`
	args := []any{string(store.DeliveryPending), shop.Channel, shop.Shop}
	if platformOrderID != "" {
		q += ` AND platform_order_id = $4`
		args = append(args, platformOrderID)
	}
	tag, err := d.exec(ctx, q, args...)
	return int(tag.RowsAffected()), err
}

// DeliveryStats counts deliveries by status.
func (d *DB) DeliveryStats(ctx context.Context) (map[store.DeliveryStatus]int, error) {
	rows, _ := d.pool.Query(ctx, `SELECT status, COUNT(*) FROM deliveries GROUP BY status`)
	out := map[store.DeliveryStatus]int{}
	var s string
	var n int
	_, err := pgx.ForEachRow(rows, []any{&s, &n}, func() error {
		out[store.DeliveryStatus(s)] = n
		return nil
	})
	return out, err
}

// OldPendingDeliveries returns the deliveries the ERP has not accepted
// that were created before a time (all pending ones for the zero time),
// oldest first, one shop's when shop is set.
func (d *DB) OldPendingDeliveries(ctx context.Context, shop *domain.ShopRef, before time.Time, limit int) ([]store.Delivery, error) {
	q := `SELECT ` + deliveryCols + ` FROM deliveries WHERE status = $1`
	args := []any{string(store.DeliveryPending)}
	if !before.IsZero() {
		args = append(args, ms(before))
		q += ` AND created_at < $2`
	}
	if shop != nil {
		args = append(args, shop.Channel, shop.Shop)
		q += ` AND channel = $` + itoa(len(args)-1) + ` AND shop = $` + itoa(len(args))
	}
	args = append(args, limitOrAll(limit))
	rows, _ := d.pool.Query(ctx, q+` ORDER BY created_at, seq LIMIT $`+itoa(len(args)), args...)
	return collect(rows, func(r pgx.CollectableRow) (store.Delivery, error) { return scanDelivery(r) })
}

// OlderPending returns a pending delivery of the same order with a lower
// revision than the given one ("" when none): a version waits for the
// ones before it, so the ERP gets an order's versions in order. Refund
// cases are the order's too: a case's version waits for the order
// versions and cases before it, and at an equal revision for the order
// version (a refund derived from the order comes after the order).
func (d *DB) OlderPending(ctx context.Context, deliveryID string) (string, error) {
	var id string
	err := d.pool.QueryRow(ctx, `SELECT o.id FROM deliveries x JOIN deliveries o ON o.channel = x.channel AND o.shop = x.shop
		AND o.platform_order_id = x.platform_order_id AND o.status = $1
		AND (o.revision < x.revision OR (o.revision = x.revision AND o.case_id = '' AND x.case_id <> ''))
		WHERE x.id = $2 ORDER BY o.revision LIMIT 1`, string(store.DeliveryPending), deliveryID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, err
}
