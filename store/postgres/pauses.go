package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
)

// PauseShop records an operator's pause of a shop (a second pause replaces
// the reason).
func (d *DB) PauseShop(ctx context.Context, p domain.ShopPause) error {
	if p.Shop.Channel == "" || p.Shop.Shop == "" {
		return domain.Errorf(domain.EInvalid, "pause of shop %q: channel and shop name are required", p.Shop.String())
	}
	if p.Reason == "" {
		return domain.Errorf(domain.EInvalid, "pause of shop %s, field reason: required (it is shown to whoever wonders why nothing moves)", p.Shop)
	}
	_, err := d.exec(ctx, `INSERT INTO shop_pauses (channel, shop, reason, paused_by, paused_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (channel, shop) DO UPDATE SET reason = excluded.reason, paused_by = excluded.paused_by, paused_at = excluded.paused_at`,
		p.Shop.Channel, p.Shop.Shop, p.Reason, p.By, ms(p.At))
	return err
}

// ResumeShop ends a shop's pause; ENotFound when it was not paused.
func (d *DB) ResumeShop(ctx context.Context, shop domain.ShopRef) error {
	tag, err := d.exec(ctx, `DELETE FROM shop_pauses WHERE channel = $1 AND shop = $2`, shop.Channel, shop.Shop)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return domain.Errorf(domain.ENotFound, "shop %s is not paused", shop)
	}
	return nil
}

// LoadPause returns the shop's pause; ok is false when it is not paused.
func (d *DB) LoadPause(ctx context.Context, shop domain.ShopRef) (p domain.ShopPause, ok bool, _ error) {
	var at int64
	err := d.pool.QueryRow(ctx, `SELECT reason, paused_by, paused_at FROM shop_pauses WHERE channel = $1 AND shop = $2`,
		shop.Channel, shop.Shop).Scan(&p.Reason, &p.By, &at)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, err
	}
	p.Shop, p.At = shop, fromMS(at)
	return p, true, nil
}

// ListPauses lists every paused shop.
func (d *DB) ListPauses(ctx context.Context) ([]domain.ShopPause, error) {
	rows, _ := d.pool.Query(ctx, `SELECT channel, shop, reason, paused_by, paused_at FROM shop_pauses ORDER BY channel, shop`)
	return collect(rows, func(r pgx.CollectableRow) (p domain.ShopPause, err error) {
		var at int64
		err = r.Scan(&p.Shop.Channel, &p.Shop.Shop, &p.Reason, &p.By, &at)
		p.At = fromMS(at)
		return p, err
	})
}

// SaveBreaker records a shop's circuit breaker. A snapshot older than the
// stored one (two workers' changes crossing) is ignored.
func (d *DB) SaveBreaker(ctx context.Context, b domain.ShopBreaker) error {
	_, err := d.exec(ctx, `INSERT INTO shop_breakers (channel, shop, state, failures, open_until, last_error, since) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (channel, shop) DO UPDATE SET state = excluded.state, failures = excluded.failures, open_until = excluded.open_until,
			last_error = excluded.last_error, since = excluded.since WHERE excluded.since >= shop_breakers.since`,
		b.Shop.Channel, b.Shop.Shop, string(b.State), b.Failures, ms(b.OpenUntil), b.LastError, ms(b.Since))
	return err
}

// ListBreakers lists every shop's last breaker state.
func (d *DB) ListBreakers(ctx context.Context) ([]domain.ShopBreaker, error) {
	rows, _ := d.pool.Query(ctx, `SELECT channel, shop, state, failures, open_until, last_error, since FROM shop_breakers ORDER BY channel, shop`)
	return collect(rows, func(r pgx.CollectableRow) (b domain.ShopBreaker, err error) {
		var state string
		var until, since int64
		err = r.Scan(&b.Shop.Channel, &b.Shop.Shop, &state, &b.Failures, &until, &b.LastError, &since)
		b.State, b.OpenUntil, b.Since = domain.BreakerState(state), fromMS(until), fromMS(since)
		return b, err
	})
}
