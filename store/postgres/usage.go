package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// SaveShopUsage implements store.Store: one conditional upsert, so a
// process's older count never replaces its newer one.
func (d *DB) SaveShopUsage(ctx context.Context, shop domain.ShopRef, process string, calls int, at time.Time) error {
	_, err := d.exec(ctx, `INSERT INTO shop_usage (channel, shop, process, calls, at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (channel, shop, process) DO UPDATE SET calls = excluded.calls, at = excluded.at WHERE excluded.at >= shop_usage.at`,
		shop.Channel, shop.Shop, process, calls, ms(at))
	return err
}

// ShopUsages implements store.Store.
func (d *DB) ShopUsages(ctx context.Context, since time.Time) ([]store.ShopUsage, error) {
	rows, _ := d.pool.Query(ctx, `SELECT channel, shop, SUM(calls), COUNT(*), MAX(at) FROM shop_usage WHERE at >= $1
		GROUP BY channel, shop ORDER BY channel, shop`, ms(since))
	return collect(rows, func(r pgx.CollectableRow) (u store.ShopUsage, err error) {
		var at int64
		err = r.Scan(&u.Shop.Channel, &u.Shop.Shop, &u.CallsPerMinute, &u.Processes, &at)
		u.At = fromMS(at)
		return u, err
	})
}
