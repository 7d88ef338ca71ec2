package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/syncctl/syncctl/domain"
)

const reservationColumns = `id, channel, shop, sku_code, units, consumed, from_at, until_at, status, reserved_by, created_at, released_at`

func scanReservation(r interface{ Scan(...any) error }) (domain.StockReservation, error) {
	var v domain.StockReservation
	var from, until, created, released int64
	var status string
	err := r.Scan(&v.ID, &v.Shop.Channel, &v.Shop.Shop, &v.SKUCode, &v.Units, &v.Consumed, &from, &until, &status, &v.By, &created, &released)
	v.From, v.Until, v.CreatedAt, v.ReleasedAt, v.Status = fromMS(from), fromMS(until), fromMS(created), fromMS(released), domain.ReservationStatus(status)
	return v, err
}

// AddReservation records a reservation of a catalog SKU. Errors name the
// field: an unknown SKU, units ≤ 0, a window that ends before it starts
// or has ended already.
func (d *DB) AddReservation(ctx context.Context, r domain.StockReservation) (domain.StockReservation, error) {
	what := "reservation of " + r.SKUCode + " for " + r.Shop.String()
	switch {
	case r.Shop.Channel == "" || r.Shop.Shop == "":
		return r, domain.Errorf(domain.EInvalid, "%s, field shop: channel and shop name are required", what)
	case r.Units <= 0:
		return r, domain.Errorf(domain.EInvalid, "%s, field units: must be more than 0, not %d", what, r.Units)
	case !r.Until.After(r.From):
		return r, domain.Errorf(domain.EInvalid, "%s, field until: %s is not after from %s", what, r.Until.Format(time.RFC3339), r.From.Format(time.RFC3339))
	case !r.Until.After(d.now()):
		return r, domain.Errorf(domain.EInvalid, "%s, field until: %s has passed", what, r.Until.Format(time.RFC3339))
	}
	err := d.tx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM skus WHERE code = ?`, r.SKUCode).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return domain.Errorf(domain.ENotFound, "%s, field sku: no SKU %q in the catalog", what, r.SKUCode)
		}
		r.Status, r.Consumed, r.CreatedAt = domain.ReservationOpen, 0, d.now()
		res, err := tx.ExecContext(ctx, `INSERT INTO reservations (channel, shop, sku_code, units, from_at, until_at, status, reserved_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Shop.Channel, r.Shop.Shop, r.SKUCode, r.Units, ms(r.From), ms(r.Until), string(r.Status), r.By, ms(r.CreatedAt))
		if err != nil {
			return err
		}
		r.ID, err = res.LastInsertId()
		return err
	})
	return r, err
}

// GetReservation returns one reservation, or ENotFound.
func (d *DB) GetReservation(ctx context.Context, id int64) (domain.StockReservation, error) {
	r, err := scanReservation(d.db.QueryRowContext(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, domain.Errorf(domain.ENotFound, "no reservation #%d", id)
	}
	return r, err
}

// OpenReservations returns the open reservations of the SKUs (all SKUs'
// when none are named), by id.
func (d *DB) OpenReservations(ctx context.Context, skus ...string) ([]domain.StockReservation, error) {
	q := `SELECT ` + reservationColumns + ` FROM reservations WHERE status = 'open'`
	var args []any
	if len(skus) > 0 {
		q += ` AND sku_code IN (?` + repeat(",?", len(skus)-1) + `)`
		for _, s := range skus {
			args = append(args, s)
		}
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	return scanAll(rows, err, func(r *sql.Rows) (domain.StockReservation, error) { return scanReservation(r) })
}

// ListReservations lists reservations newest first (open ones only unless all).
func (d *DB) ListReservations(ctx context.Context, all bool, limit int) ([]domain.StockReservation, error) {
	q := `SELECT ` + reservationColumns + ` FROM reservations`
	if !all {
		q += ` WHERE status = 'open'`
	}
	rows, err := d.db.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, max(limit, 1))
	return scanAll(rows, err, func(r *sql.Rows) (domain.StockReservation, error) { return scanReservation(r) })
}

// ReleaseReservation ends an open reservation: what it still holds goes
// back to every shop. Releasing one released already is EConflict, with
// the reservation as it stands.
func (d *DB) ReleaseReservation(ctx context.Context, id int64, at time.Time) (domain.StockReservation, error) {
	var out domain.StockReservation
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'released', released_at = ? WHERE id = ? AND status = 'open'`, ms(at), id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		out, err = scanReservation(tx.QueryRowContext(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.ENotFound, "no reservation #%d", id)
		}
		if err == nil && n == 0 {
			return domain.Errorf(domain.EConflict, "reservation #%d is %s already", id, out.Status)
		}
		return err
	})
	return out, err
}

// consumeReservations takes a new order's units out of its shop's open
// reservations whose window holds the order's creation, the earliest
// first, in the order's own transaction: each order consumes once.
func consumeReservations(ctx context.Context, tx *sql.Tx, o domain.SalesOrder) error {
	if o.Status == domain.OrderCancelled {
		return nil
	}
	for _, l := range o.Lines {
		if l.SKUCode == "" || l.Quantity <= 0 {
			continue
		}
		left := l.Quantity
		for left > 0 {
			var id int64
			var free int
			err := tx.QueryRowContext(ctx, `SELECT id, units - consumed FROM reservations WHERE channel = ? AND shop = ? AND sku_code = ? AND status = 'open'
				AND from_at <= ? AND until_at > ? AND consumed < units ORDER BY from_at, id LIMIT 1`,
				o.Shop.Channel, o.Shop.Shop, l.SKUCode, ms(o.CreatedAt), ms(o.CreatedAt)).Scan(&id, &free)
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			if err != nil {
				return err
			}
			take := min(free, left)
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET consumed = consumed + ? WHERE id = ?`, take, id); err != nil {
				return err
			}
			left -= take
		}
	}
	return nil
}

// ClaimWrite takes the lease on writing a product to a shop for ttl: true
// when this holder has it (a lease of its own is renewed), false while
// another holder's has not expired.
func (d *DB) ClaimWrite(ctx context.Context, shop domain.ShopRef, product, holder string, ttl time.Duration) (bool, error) {
	now := d.now()
	res, err := d.exec(ctx, nil, `INSERT INTO write_leases (channel, shop, product_code, holder, until) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (channel, shop, product_code) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE write_leases.until <= ? OR write_leases.holder = excluded.holder`,
		shop.Channel, shop.Shop, product, holder, ms(now.Add(ttl)), ms(now))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseWrite gives the lease back (only the holder's own).
func (d *DB) ReleaseWrite(ctx context.Context, shop domain.ShopRef, product, holder string) error {
	_, err := d.exec(ctx, nil, `DELETE FROM write_leases WHERE channel = ? AND shop = ? AND product_code = ? AND holder = ?`,
		shop.Channel, shop.Shop, product, holder)
	return err
}
