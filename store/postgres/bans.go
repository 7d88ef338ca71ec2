package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
)

// Shop bans (shopgate.BanStore): one row per shop, written by one
// conditional upsert so that a later ban extends the stored one and an
// earlier one never shortens it, whichever worker writes first.

// SaveBan records that the shop is banned until the given time.
func (d *DB) SaveBan(ctx context.Context, shop domain.ShopRef, until time.Time) error {
	switch {
	case shop.Channel == "" || shop.Shop == "":
		return domain.Errorf(domain.EInvalid, "ban of shop %q: channel and shop name are required", shop.String())
	case until.IsZero():
		return domain.Errorf(domain.EInvalid, "ban of shop %s: an end time is required", shop)
	}
	_, err := d.exec(ctx, `INSERT INTO shop_bans (channel, shop, until, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (channel, shop) DO UPDATE SET until = excluded.until, updated_at = excluded.updated_at
		WHERE excluded.until > shop_bans.until`,
		shop.Channel, shop.Shop, until.UnixMilli(), ms(d.now()))
	return err
}

// LoadBan returns the end of the shop's stored ban (zero when none).
func (d *DB) LoadBan(ctx context.Context, shop domain.ShopRef) (time.Time, error) {
	var until int64
	err := d.pool.QueryRow(ctx, `SELECT until FROM shop_bans WHERE channel = $1 AND shop = $2`, shop.Channel, shop.Shop).Scan(&until)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, err
	}
	return fromMS(until), nil
}
