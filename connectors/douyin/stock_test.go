package douyin_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/douyin"
)

func TestStockIdempotentID(t *testing.T) {
	id := douyin.StockIdempotentID("3472490447010721067", "1745123456789012", 5, "")
	if len(id) != 32 || id != douyin.StockIdempotentID("3472490447010721067", "1745123456789012", 5, "") {
		t.Fatalf("id %q is not stable 32 hex digits", id)
	}
	for _, other := range []string{
		douyin.StockIdempotentID("3472490447010721067", "1745123456789012", 6, ""),
		douyin.StockIdempotentID("3472490447010721067", "1745123456789013", 5, ""),
		douyin.StockIdempotentID("3472490447010721068", "1745123456789012", 5, ""),
		douyin.StockIdempotentID("3472490447010721067", "1745123456789012", 5, "3@1700000000000000000"),
	} {
		if other == id {
			t.Errorf("%s repeats for another target", other)
		}
	}
}

// loseFirst answers the first call of method 504 after the sandbox applied
// it: the platform did the work and the answer was lost on the way.
func loseFirst(method string, lost *atomic.Int32) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("method") == method && lost.CompareAndSwap(0, 1) {
				next.ServeHTTP(httptest.NewRecorder(), r)
				http.Error(w, "upstream timed out", http.StatusGatewayTimeout)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// The first answer of a syncStock is lost; httpx resends the same body,
// the platform knows its idempotent_id and the stock is written once. A
// later run of the same update (Temporal's retry) is written no more; the
// same target after a sale is sent again under a new id.
func TestStockRetryAppliesOnce(t *testing.T) {
	var lost atomic.Int32
	e := setupWith(t, "the-secret", loseFirst("sku.syncStock", &lost))
	ctx := context.Background()
	res, err := e.ch.UpsertProduct(ctx, push(7))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	sku := res.IDs.SKUIDs["YS-TS-001-WHT-M"]
	u := connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: res.IDs, Quantity: 4}
	if err := e.ch.UpdateStock(ctx, u); err != nil {
		t.Fatal(err)
	}
	stock := func() int {
		items, _ := e.admin.Items(ctx)
		for _, k := range items[0].SKUs {
			if k.SKUID == sku {
				return k.Stock
			}
		}
		return -1
	}
	if lost.Load() != 1 || stock() != 4 || e.sb.StockWrites(res.IDs.ItemID, sku) != 1 {
		t.Fatalf("lost %d, stock %d, writes %d", lost.Load(), stock(), e.sb.StockWrites(res.IDs.ItemID, sku))
	}
	if err := e.ch.UpdateStock(ctx, u); err != nil || e.sb.StockWrites(res.IDs.ItemID, sku) != 1 {
		t.Fatalf("rerun: %v, writes %d", err, e.sb.StockWrites(res.IDs.ItemID, sku))
	}
	// A sale takes the stock to 3; the same target 4 must land again.
	if _, err := e.admin.SellOrders(ctx, 1, "YS-TS-001-WHT-M"); err != nil {
		t.Fatal(err)
	}
	if stock() != 3 {
		t.Fatalf("after a sale: %d", stock())
	}
	if err := e.ch.UpdateStock(ctx, u); err != nil || stock() != 4 || e.sb.StockWrites(res.IDs.ItemID, sku) != 2 {
		t.Fatalf("same target after a sale: %v, stock %d, writes %d", err, stock(), e.sb.StockWrites(res.IDs.ItemID, sku))
	}
}
