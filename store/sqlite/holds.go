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

const holdColumns = `id, channel, shop, sku_code, product_code, old_price, price, violations, status, created_at, expires_at, decided_by, decided_at, note`

func scanID(r *sql.Rows) (id int64, err error) { return id, r.Scan(&id) }

func scanHold(r interface{ Scan(...any) error }) (domain.PriceHold, error) {
	var h domain.PriceHold
	var viol, status string
	var created, expires, decided int64
	if err := r.Scan(&h.ID, &h.Shop.Channel, &h.Shop.Shop, &h.SKUCode, &h.ProductCode, &h.Old, &h.Price, &viol, &status,
		&created, &expires, &h.DecidedBy, &decided, &h.Note); err != nil {
		return h, err
	}
	if err := json.Unmarshal([]byte(viol), &h.Violations); err != nil {
		return h, internal("stored hold %d: violations: %v", h.ID, err)
	}
	h.Status, h.CreatedAt, h.ExpiresAt, h.DecidedAt = domain.HoldStatus(status), fromMS(created), fromMS(expires), fromMS(decided)
	return h, nil
}

// RecordHold keeps a held price write. The same write (shop, SKU, price)
// held before is that hold, returned as stored with created false: a
// rejected or expired write stays refused, an approved one released. A new
// hold supersedes the shop's pending holds of the SKU at other prices (the
// catalog or the rules moved on), whose ids it returns.
func (d *DB) RecordHold(ctx context.Context, h domain.PriceHold) (out domain.PriceHold, created bool, superseded []int64, err error) {
	if h.Shop.Channel == "" || h.Shop.Shop == "" || h.SKUCode == "" {
		return out, false, nil, domain.Errorf(domain.EInvalid, "price hold: shop and SKU are required")
	}
	if h.Status != domain.HoldPending && h.Status != domain.HoldBlocked {
		return out, false, nil, domain.Errorf(domain.EInvalid, "price hold of %s on %s, field status: a new hold is %s or %s, not %q", h.SKUCode, h.Shop, domain.HoldPending, domain.HoldBlocked, h.Status)
	}
	viol, err := json.Marshal(h.Violations)
	if err != nil {
		return out, false, nil, err
	}
	err = d.tx(ctx, func(tx *sql.Tx) error {
		created, superseded = false, nil
		row := tx.QueryRowContext(ctx, `SELECT `+holdColumns+` FROM price_holds
			WHERE channel = ? AND shop = ? AND sku_code = ? AND price = ? AND status <> 'superseded'`, h.Shop.Channel, h.Shop.Shop, h.SKUCode, h.Price)
		out, err = scanHold(row)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		rows, err := tx.QueryContext(ctx, `UPDATE price_holds SET status = 'superseded', decided_at = ?, note = 'another price is due instead'
			WHERE channel = ? AND shop = ? AND sku_code = ? AND status = 'awaiting-approval' RETURNING id`,
			ms(h.CreatedAt), h.Shop.Channel, h.Shop.Shop, h.SKUCode)
		ids, err := scanAll(rows, err, scanID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO price_holds (channel, shop, sku_code, product_code, old_price, price, violations, status, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, h.Shop.Channel, h.Shop.Shop, h.SKUCode, h.ProductCode, h.Old, h.Price, string(viol),
			string(h.Status), ms(h.CreatedAt), ms(h.ExpiresAt))
		if err != nil {
			return err
		}
		if h.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		out, created, superseded = h, true, ids
		return nil
	})
	return out, created, superseded, err
}

// SupersedeHolds ends the shop's pending holds of a SKU: its price went out
// (or is no longer to change) without them. It returns their ids.
func (d *DB) SupersedeHolds(ctx context.Context, shop domain.ShopRef, sku string, at domain.Money) ([]int64, error) {
	// Almost always there is none: a read (which waits for no writer) says
	// so before a write transaction is begun. Holds of a SKU on a shop are
	// made under the product's write lease, which the caller holds.
	var pending bool
	if err := d.queryRow(ctx, nil, `SELECT EXISTS (SELECT 1 FROM price_holds
		WHERE channel = ? AND shop = ? AND sku_code = ? AND status = 'awaiting-approval')`,
		shop.Channel, shop.Shop, sku).Scan(&pending); err != nil || !pending {
		return nil, err
	}
	var ids []int64
	err := d.tx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `UPDATE price_holds SET status = 'superseded', note = 'the price went out at ' || ?
			WHERE channel = ? AND shop = ? AND sku_code = ? AND status = 'awaiting-approval' RETURNING id`,
			at.Yuan(), shop.Channel, shop.Shop, sku)
		ids, err = scanAll(rows, err, scanID)
		return err
	})
	return ids, err
}

// DecideHold records the answer to a pending hold: approved, rejected or
// expired, by whom, when and why. A hold decided already is EConflict, and
// returned as it stands.
func (d *DB) DecideHold(ctx context.Context, id int64, status domain.HoldStatus, by, note string, at time.Time) (domain.PriceHold, error) {
	switch status {
	case domain.HoldApproved, domain.HoldRejected, domain.HoldExpired:
	default:
		return domain.PriceHold{}, domain.Errorf(domain.EInvalid, "hold %d: a decision is approved, rejected or expired, not %q", id, status)
	}
	var out domain.PriceHold
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE price_holds SET status = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND status = 'awaiting-approval'`,
			string(status), by, ms(at), note, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		out, err = getHold(ctx, tx, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return domain.Errorf(domain.EConflict, "hold #%d is %s already (%s %s)", id, out.Status, out.DecidedBy, out.Note)
		}
		return nil
	})
	return out, err
}

func getHold(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, id int64) (domain.PriceHold, error) {
	h, err := scanHold(q.QueryRowContext(ctx, `SELECT `+holdColumns+` FROM price_holds WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, domain.Errorf(domain.ENotFound, "no price hold #%d", id)
	}
	return h, err
}

// GetHold returns one hold, or ENotFound.
func (d *DB) GetHold(ctx context.Context, id int64) (domain.PriceHold, error) {
	return getHold(ctx, d.db, id)
}

// ListHolds lists holds newest first, filtered as asked.
func (d *DB) ListHolds(ctx context.Context, f store.HoldFilter) ([]domain.PriceHold, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + holdColumns + ` FROM price_holds WHERE 1 = 1`
	var args []any
	if f.Shop != nil {
		q += ` AND channel = ? AND shop = ?`
		args = append(args, f.Shop.Channel, f.Shop.Shop)
	}
	if len(f.Status) > 0 {
		q += ` AND status IN (?` + repeat(",?", len(f.Status)-1) + `)`
		for _, s := range f.Status {
			args = append(args, string(s))
		}
	}
	if f.SKU != "" {
		q += ` AND sku_code = ?`
		args = append(args, f.SKU)
	}
	q += ` ORDER BY id DESC LIMIT ?`
	args = append(args, f.Limit)
	rows, err := d.db.QueryContext(ctx, q, args...)
	return scanAll(rows, err, func(r *sql.Rows) (domain.PriceHold, error) { return scanHold(r) })
}

func repeat(s string, n int) string {
	out := ""
	for i := 0; i < n; i++ {
		out += s
	}
	return out
}

// LivePrices returns the price every shop shows for a SKU where it is on
// sale: what the parity guard compares a write with.
func (d *DB) LivePrices(ctx context.Context, sku string) (map[domain.ShopRef]domain.Money, error) {
	rows, err := d.query(ctx, nil, `SELECT channel, shop, price FROM listings WHERE sku_code = ? AND status = ? AND price > 0`,
		sku, string(domain.ListingOnSale))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[domain.ShopRef]domain.Money{}
	for rows.Next() {
		var s domain.ShopRef
		var m domain.Money
		if err := rows.Scan(&s.Channel, &s.Shop, &m); err != nil {
			return nil, err
		}
		out[s] = m
	}
	return out, rows.Err()
}

// ProductOfSKU returns the product a SKU belongs to, or ENotFound naming
// the SKU.
func (d *DB) ProductOfSKU(ctx context.Context, sku string) (domain.Product, error) {
	var code string
	err := d.db.QueryRowContext(ctx, `SELECT product_code FROM skus WHERE code = ?`, sku).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Product{}, domain.Errorf(domain.ENotFound, "no SKU %q in the catalog", sku)
	}
	if err != nil {
		return domain.Product{}, err
	}
	return d.GetProduct(ctx, code)
}
