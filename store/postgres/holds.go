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

const holdColumns = `id, channel, shop, sku_code, product_code, old_price, price, violations, status, created_at, expires_at, decided_by, decided_at, note`

func scanHold(r pgx.Row) (domain.PriceHold, error) {
	var h domain.PriceHold
	var viol, status string
	var old, price, created, expires, decided int64
	if err := r.Scan(&h.ID, &h.Shop.Channel, &h.Shop.Shop, &h.SKUCode, &h.ProductCode, &old, &price, &viol, &status,
		&created, &expires, &h.DecidedBy, &decided, &h.Note); err != nil {
		return h, err
	}
	if err := json.Unmarshal([]byte(viol), &h.Violations); err != nil {
		return h, internal("stored hold %d: violations: %v", h.ID, err)
	}
	h.Old, h.Price = domain.Money(old), domain.Money(price)
	h.Status, h.CreatedAt, h.ExpiresAt, h.DecidedAt = domain.HoldStatus(status), fromMS(created), fromMS(expires), fromMS(decided)
	return h, nil
}

// RecordHold keeps a held price write. The same write (shop, SKU, price)
// held before is that hold, returned as stored with created false: a
// rejected or expired write stays refused, an approved one released. A new
// hold supersedes the shop's pending holds of the SKU at other prices (the
// catalog or the rules moved on), whose ids it returns. Holds of one SKU on
// one shop are recorded one at a time (an advisory lock on the pair).
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
	err = d.tx(ctx, func(tx pgx.Tx) error {
		created, superseded = false, nil
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			"price_holds/"+h.Shop.Channel+"/"+h.Shop.Shop+"/"+h.SKUCode); err != nil {
			return err
		}
		out, err = scanHold(tx.QueryRow(ctx, `SELECT `+holdColumns+` FROM price_holds
			WHERE channel = $1 AND shop = $2 AND sku_code = $3 AND price = $4 AND status <> 'superseded'`, h.Shop.Channel, h.Shop.Shop, h.SKUCode, int64(h.Price)))
		if err == nil {
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		rows, _ := tx.Query(ctx, `UPDATE price_holds SET status = 'superseded', decided_at = $1, note = 'another price is due instead'
			WHERE channel = $2 AND shop = $3 AND sku_code = $4 AND status = 'awaiting-approval' RETURNING id`,
			ms(h.CreatedAt), h.Shop.Channel, h.Shop.Shop, h.SKUCode)
		ids, err := collect(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO price_holds (channel, shop, sku_code, product_code, old_price, price, violations, status, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, h.Shop.Channel, h.Shop.Shop, h.SKUCode, h.ProductCode, int64(h.Old), int64(h.Price), string(viol),
			string(h.Status), ms(h.CreatedAt), ms(h.ExpiresAt)).Scan(&h.ID); err != nil {
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
	rows, err := d.pool.Query(ctx, `UPDATE price_holds SET status = 'superseded', note = 'the price went out at ' || $1::text
		WHERE channel = $2 AND shop = $3 AND sku_code = $4 AND status = 'awaiting-approval' RETURNING id`,
		at.Yuan(), shop.Channel, shop.Shop, sku)
	if err != nil {
		return nil, d.explain(err)
	}
	ids, err := collect(rows, pgx.RowTo[int64])
	return ids, d.explain(err)
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
	err := d.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE price_holds SET status = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5 AND status = 'awaiting-approval'`,
			string(status), by, ms(at), note, id)
		if err != nil {
			return err
		}
		out, err = getHold(ctx, tx, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return domain.Errorf(domain.EConflict, "hold #%d is %s already (%s %s)", id, out.Status, out.DecidedBy, out.Note)
		}
		return nil
	})
	return out, err
}

func getHold(ctx context.Context, q querier, id int64) (domain.PriceHold, error) {
	h, err := scanHold(q.QueryRow(ctx, `SELECT `+holdColumns+` FROM price_holds WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return h, domain.Errorf(domain.ENotFound, "no price hold #%d", id)
	}
	return h, err
}

// GetHold returns one hold, or ENotFound.
func (d *DB) GetHold(ctx context.Context, id int64) (domain.PriceHold, error) {
	return getHold(ctx, d.pool, id)
}

// ListHolds lists holds newest first, filtered as asked.
func (d *DB) ListHolds(ctx context.Context, f store.HoldFilter) ([]domain.PriceHold, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q := `SELECT ` + holdColumns + ` FROM price_holds WHERE true`
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + itoa(len(args))
	}
	if f.Shop != nil {
		q += ` AND channel = ` + arg(f.Shop.Channel) + ` AND shop = ` + arg(f.Shop.Shop)
	}
	if len(f.Status) > 0 {
		statuses := make([]string, len(f.Status))
		for i, s := range f.Status {
			statuses[i] = string(s)
		}
		q += ` AND status = ANY(` + arg(statuses) + `)`
	}
	if f.SKU != "" {
		q += ` AND sku_code = ` + arg(f.SKU)
	}
	q += ` ORDER BY id DESC LIMIT ` + arg(f.Limit)
	rows, _ := d.pool.Query(ctx, q, args...)
	return collect(rows, func(r pgx.CollectableRow) (domain.PriceHold, error) { return scanHold(r) })
}

// LivePrices returns the price every shop shows for a SKU where it is on
// sale: what the parity guard compares a write with.
func (d *DB) LivePrices(ctx context.Context, sku string) (map[domain.ShopRef]domain.Money, error) {
	rows, _ := d.pool.Query(ctx, `SELECT channel, shop, price FROM listings WHERE sku_code = $1 AND status = $2 AND price > 0`,
		sku, string(domain.ListingOnSale))
	out := map[domain.ShopRef]domain.Money{}
	var s domain.ShopRef
	var m int64
	_, err := pgx.ForEachRow(rows, []any{&s.Channel, &s.Shop, &m}, func() error {
		out[s] = domain.Money(m)
		return nil
	})
	return out, err
}
