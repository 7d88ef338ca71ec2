package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// A product's listings are read through the product index, not by walking
// the shop's listings in SKU order: a push's cost must not grow with the
// catalog (bench: 94 % of a push at 60 000 SKUs went to that scan).
func TestListingsOfAProductUseTheProductIndex(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	rows, err := d.db.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT sku_code FROM listings
		WHERE channel = ? AND shop = ? AND product_code = ? ORDER BY sku_code`, "tmall", "flagship", "P1")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	if !strings.Contains(got, "listings_product") || strings.Contains(got, "TEMP B-TREE") {
		t.Fatalf("plan %q: want the product index, no sort", got)
	}
}
