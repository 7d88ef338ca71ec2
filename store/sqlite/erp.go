package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// ApplySKUChanges applies the ERP's stock and price changes in one
// transaction, with the request id that carried them (a request id taken
// already is EConflict and nothing is applied). A change whose version is
// not newer than the last one applied to that SKU's field is stale: it is
// skipped and reported. An unknown SKU is ENotFound naming it and the
// change's index, and nothing is applied. A delta never takes stock below
// 0. The changed products enter every tracked shop's change set.
func (d *DB) ApplySKUChanges(ctx context.Context, requestID string, changes []store.SKUChange) (store.SKUChangeResult, error) {
	var res store.SKUChangeResult
	err := d.tx(ctx, func(tx *sql.Tx) error {
		res = store.SKUChangeResult{}
		now := d.now()
		if requestID != "" {
			if err := takeRequest(ctx, tx, requestID, now); err != nil {
				return err
			}
		}
		products := map[string]domain.Product{}
		for i, c := range changes {
			var code string
			err := tx.QueryRowContext(ctx, `SELECT product_code FROM skus WHERE code = ?`, c.SKU).Scan(&code)
			if errors.Is(err, sql.ErrNoRows) {
				return domain.Errorf(domain.ENotFound, "items[%d].sku: no SKU %q in the catalog", i, c.SKU)
			}
			if err != nil {
				return err
			}
			field := "stock"
			if c.Stock == nil && c.Delta == nil {
				field = "price"
			}
			var last int64
			err = tx.QueryRowContext(ctx, `SELECT version FROM erp_versions WHERE sku_code = ? AND field = ?`, c.SKU, field).Scan(&last)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			if c.Version <= last {
				res.Stale = append(res.Stale, store.StaleChange{Index: i, SKU: c.SKU, Version: c.Version, Applied: last})
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO erp_versions (sku_code, field, version) VALUES (?, ?, ?)
				ON CONFLICT (sku_code, field) DO UPDATE SET version = excluded.version`, c.SKU, field, c.Version); err != nil {
				return err
			}
			p, ok := products[code]
			if !ok {
				if p, err = d.getProduct(ctx, tx, code); err != nil {
					return err
				}
			}
			for j := range p.SKUs {
				s := &p.SKUs[j]
				if s.Code != c.SKU {
					continue
				}
				if s.Stock, err = c.StockAfter(i, s.Stock); err != nil {
					return err
				}
				if c.ListPrice != nil {
					s.ListPrice = *c.ListPrice
				}
				if c.Cost != nil {
					s.Cost = *c.Cost
				}
				res.Applied = append(res.Applied, store.AppliedChange{Index: i, SKU: c.SKU, Stock: s.Stock, ListPrice: s.ListPrice})
			}
			products[code] = p
		}
		shops, err := trackedShops(ctx, tx)
		if err != nil {
			return err
		}
		for code, p := range products {
			if err := writeProduct(ctx, tx, p, now); err != nil {
				return err
			}
			for _, shop := range shops {
				if err := d.refreshPending(ctx, tx, shop, code); err != nil {
					return err
				}
			}
			res.Products = append(res.Products, code)
		}
		sort.Strings(res.Products)
		return nil
	})
	return res, err
}

// TakeRequest records a request id; one taken already is EConflict.
func (d *DB) TakeRequest(ctx context.Context, id string) error {
	return d.tx(ctx, func(tx *sql.Tx) error { return takeRequest(ctx, tx, id, d.now()) })
}

// requestMemory is how long request ids are kept: far beyond the signature
// tolerance, so a signed request can never be replayed.
const requestMemory = 24 * time.Hour

func takeRequest(ctx context.Context, tx *sql.Tx, id string, now time.Time) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM inbound_requests WHERE received_at < ?`, ms(now.Add(-requestMemory))); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO inbound_requests (id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, ms(now))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return &domain.Error{Code: domain.EConflict, Err: store.ErrReplayed,
			Message: fmt.Sprintf("request id %q was taken already: a replayed request is refused", id)}
	}
	return nil
}
