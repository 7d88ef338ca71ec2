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

const deliveryCols = `id, event, channel, shop, platform_order_id, case_id, revision, doc, status, attempts, last_http_status, last_error, created_at, delivered_at`

type scanner interface{ Scan(dest ...any) error }

func scanDelivery(s scanner) (store.Delivery, error) {
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
	if limit <= 0 {
		limit = -1
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, platform_order_id FROM deliveries WHERE channel = ? AND shop = ? AND status = ?
		AND dispatched_at < ? ORDER BY created_at, rowid LIMIT ?`, shop.Channel, shop.Shop, string(store.DeliveryPending),
		max(ms(notDispatchedSince), 1), limit)
	return scanAll(rows, err, func(row *sql.Rows) (r store.DeliveryRef, err error) {
		return r, row.Scan(&r.ID, &r.PlatformOrderID)
	})
}

// MarkDispatched records when the deliveries' workflows were started.
func (d *DB) MarkDispatched(ctx context.Context, ids []string, at time.Time) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE deliveries SET dispatched_at = ? WHERE id = ?`, ms(at), id); err != nil {
				return err
			}
		}
		return nil
	})
}

// CountPendingDeliveries counts one shop's pending deliveries.
func (d *DB) CountPendingDeliveries(ctx context.Context, shop domain.ShopRef) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deliveries WHERE channel = ? AND shop = ? AND status = ?`,
		shop.Channel, shop.Shop, string(store.DeliveryPending)).Scan(&n)
	return n, err
}

// GetDelivery returns one delivery.
func (d *DB) GetDelivery(ctx context.Context, id string) (store.Delivery, error) {
	dl, err := scanDelivery(d.db.QueryRowContext(ctx, `SELECT `+deliveryCols+` FROM deliveries WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return dl, domain.Errorf(domain.ENotFound, "delivery %s does not exist", id)
	}
	return dl, err
}

// RecordDeliveryAttempt logs one attempt; accepted marks it delivered.
func (d *DB) RecordDeliveryAttempt(ctx context.Context, id string, accepted bool, httpStatus int, errText string) error {
	return d.tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE deliveries SET attempts = attempts + 1, last_http_status = ?, last_error = ? WHERE id = ?`
		args := []any{httpStatus, errText, id}
		if accepted {
			q = `UPDATE deliveries SET attempts = attempts + 1, last_http_status = ?, last_error = '', status = ?, delivered_at = ? WHERE id = ?`
			args = []any{httpStatus, string(store.DeliveryDelivered), ms(d.now()), id}
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.Errorf(domain.ENotFound, "delivery %s does not exist", id)
		}
		return nil
	})
}

// RequeueDeliveries marks a shop's (or one order's) deliveries pending again.
func (d *DB) RequeueDeliveries(ctx context.Context, shop domain.ShopRef, platformOrderID string) (int, error) {
	q := `UPDATE deliveries SET status = ?, delivered_at = 0, dispatched_at = 0 WHERE channel = ? AND shop = ?`
	args := []any{string(store.DeliveryPending), shop.Channel, shop.Shop}
	if platformOrderID != "" {
		q += ` AND platform_order_id = ?`
		args = append(args, platformOrderID)
	}
	var n int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, q, args...)
		if err == nil {
			n, _ = res.RowsAffected()
		}
		return err
	})
	return int(n), err
}

// DeliveryStats counts deliveries by status.
func (d *DB) DeliveryStats(ctx context.Context) (map[store.DeliveryStatus]int, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT status, COUNT(*) FROM deliveries GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[store.DeliveryStatus]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[store.DeliveryStatus(s)] = n
	}
	return out, rows.Err()
}

// OldPendingDeliveries returns the deliveries the ERP has not accepted
// that were created before a time (all pending ones for the zero time),
// oldest first, one shop's when shop is set.
func (d *DB) OldPendingDeliveries(ctx context.Context, shop *domain.ShopRef, before time.Time, limit int) ([]store.Delivery, error) {
	if limit <= 0 {
		limit = -1
	}
	q := `SELECT ` + deliveryCols + ` FROM deliveries WHERE status = ?`
	args := []any{string(store.DeliveryPending)}
	if !before.IsZero() {
		q += ` AND created_at < ?`
		args = append(args, ms(before))
	}
	if shop != nil {
		q += ` AND channel = ? AND shop = ?`
		args = append(args, shop.Channel, shop.Shop)
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY created_at, rowid LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		dl, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, dl)
	}
	return out, rows.Err()
}

// OlderPending returns a pending delivery of the same order with a lower
// revision than the given one ("" when none): a version waits for the
// ones before it, so the ERP gets an order's versions in order. Refund
// cases are the order's too: a case's version waits for the order
// versions and cases before it, and at an equal revision for the order
// version (a refund derived from the order comes after the order).
func (d *DB) OlderPending(ctx context.Context, deliveryID string) (string, error) {
	var id string
	err := d.db.QueryRowContext(ctx, `SELECT o.id FROM deliveries x JOIN deliveries o ON o.channel = x.channel AND o.shop = x.shop
		AND o.platform_order_id = x.platform_order_id AND o.status = ?
		AND (o.revision < x.revision OR (o.revision = x.revision AND o.case_id = '' AND x.case_id <> ''))
		WHERE x.id = ? ORDER BY o.revision LIMIT 1`, string(store.DeliveryPending), deliveryID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return id, err
}
