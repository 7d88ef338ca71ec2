package postgres

import (
	"context"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// RemoveProducts removes products with their SKUs in one transaction,
// their rows locked first. The triggers of push_removals put the SKUs' live
// listings into their shops' change sets in the same transaction.
func (d *DB) RemoveProducts(ctx context.Context, codes []string) (store.RemoveResult, error) {
	var res store.RemoveResult
	seen := map[string]bool{}
	var unique []string
	for _, c := range codes {
		if c == "" {
			return res, domain.Errorf(domain.EInvalid, "remove: a product code is empty")
		}
		if !seen[c] {
			seen[c] = true
			unique = append(unique, c)
		}
	}
	if len(unique) == 0 {
		return res, domain.Errorf(domain.EInvalid, "remove: no product codes given")
	}
	sorted := slices.Sorted(slices.Values(unique))
	err := d.tx(ctx, func(tx pgx.Tx) error {
		res = store.RemoveResult{}
		if _, err := keepChangeSets(ctx, tx); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT code FROM products WHERE code = ANY($1) ORDER BY code FOR UPDATE`, sorted)
		found, err := collect(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		var missing []string
		for _, c := range sorted {
			if !slices.Contains(found, c) {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			what := "product " + missing[0] + " is"
			if len(missing) > 1 {
				what = "products " + domain.List(missing) + " are"
			}
			return domain.Errorf(domain.ENotFound, "remove: %s not in the catalog; nothing was removed", what)
		}
		for _, c := range unique {
			tag, err := tx.Exec(ctx, `DELETE FROM skus WHERE product_code = $1`, c)
			if err != nil {
				return err
			}
			res.SKUs += int(tag.RowsAffected())
			if _, err := tx.Exec(ctx, `DELETE FROM products WHERE code = $1`, c); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM push_pending WHERE product_code = $1`, c); err != nil {
				return err
			}
			var ended int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM push_removals WHERE product_code = $1`, c).Scan(&ended); err != nil {
				return err
			}
			res.Listings += ended
			res.Products++
		}
		return nil
	})
	return res, err
}

// withRemovals adds to a page of changed product codes (after afterCode,
// in code order, at most limit) the products with listings to end on the
// shop, keeping the page sorted, unique and within limit.
func (d *DB) withRemovals(ctx context.Context, shop domain.ShopRef, afterCode string, limit int, changed []string) ([]string, error) {
	rows, _ := d.pool.Query(ctx, `SELECT DISTINCT product_code FROM push_removals
		WHERE channel = $1 AND shop = $2 AND product_code > $3 ORDER BY product_code LIMIT $4`,
		shop.Channel, shop.Shop, afterCode, limit)
	removed, err := collect(rows, pgx.RowTo[string])
	if err != nil || len(removed) == 0 {
		return changed, err
	}
	out := make([]string, 0, len(changed)+len(removed))
	for i, j := 0, 0; (i < len(changed) || j < len(removed)) && len(out) < limit; {
		switch {
		case j == len(removed) || (i < len(changed) && changed[i] < removed[j]):
			out = append(out, changed[i])
			i++
		case i == len(changed) || removed[j] < changed[i]:
			out = append(out, removed[j])
			j++
		default: // in both
			out = append(out, changed[i])
			i, j = i+1, j+1
		}
	}
	return out, nil
}

// countRemovalsOnly counts the products with listings to end on the shop
// that the changed-content query does not count already.
func (d *DB) countRemovalsOnly(ctx context.Context, shop domain.ShopRef) (int, error) {
	var n int
	err := d.pool.QueryRow(ctx, `SELECT COUNT(DISTINCT pr.product_code) FROM push_removals pr
		WHERE pr.channel = $1 AND pr.shop = $2 AND NOT EXISTS (
			SELECT 1 FROM push_pending pp JOIN products p ON p.code = pp.product_code
			WHERE pp.channel = pr.channel AND pp.shop = pr.shop AND pp.product_code = pr.product_code AND `+changedWhere("$1", "$2")+`)`,
		shop.Channel, shop.Shop).Scan(&n)
	return n, err
}
