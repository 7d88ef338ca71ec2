package tmall_test

import (
	"context"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

func skuIDs() connectors.ProductIDs {
	return connectors.ProductIDs{ItemID: "612345678901", SKUIDs: map[string]string{"YS-TS-001-WHT-M": "5123456789013"}}
}

func priceGateway(t *testing.T, seller string) *gateway {
	return &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.item.seller.get":       func(map[string]string) string { return seller },
		"taobao.item.sku.price.update": func(map[string]string) string { return `{"item_sku_price_update_response":{"sku":{}}}` },
		"taobao.item.update":           func(map[string]string) string { return `{"item_update_response":{"item":{"num_iid":612345678901}}}` },
		"taobao.item.quantity.update":  func(map[string]string) string { return `{"item_quantity_update_response":{"item":{}}}` },
	}}
}

// The SKU is addressed by the properties read back, and item_price keeps
// the item price (the lowest SKU price) inside the SKU range after the change.
func TestUpdatePriceSendsPropertiesAndItemPrice(t *testing.T) {
	g := priceGateway(t, sellerGetTwoSKUs) // BLK 69.90, WHT 59.90
	ch := open(t, g)
	ctx := context.Background()
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: skuIDs(), Price: 7500}); err != nil {
		t.Fatal(err)
	}
	up := g.last("taobao.item.sku.price.update")
	if up["properties"] != "1627207:-12;20509:-13" || up["price"] != "75.00" || up["item_price"] != "69.90" || up["num_iid"] != "612345678901" {
		t.Fatalf("sku.price.update = %v; want WHT's properties, 75.00 and item_price 69.90 (BLK is now the lowest)", up)
	}
	// The cache remembers the new price: lowering BLK below it makes BLK the item price.
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: skuIDs(), Price: 8000}); err != nil {
		t.Fatal(err)
	}
	if up := g.last("taobao.item.sku.price.update"); up["item_price"] != "75.00" || up["properties"] != "1627207:-11;20509:-13" {
		t.Fatalf("second update = %v, want item_price 75.00", up)
	}
	if n := strings.Count(strings.Join(g.methods(), ","), "taobao.item.seller.get"); n != 1 {
		t.Fatalf("seller.get called %d times; the SKUs are read once and cached", n)
	}
	// An unknown SKU is not found after one fresh read; a bad price never leaves.
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "NOPE", IDs: skuIDs(), Price: 100}); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown sku = %v", err)
	}
	calls := len(g.methods())
	for _, bad := range []domain.Money{0, -1, -9223372036854775808, 100000000*100 + 1} {
		err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: skuIDs(), Price: bad})
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "sku YS-TS-001-WHT-M, field price") {
			t.Fatalf("price %d = %v", bad, err)
		}
	}
	if len(g.methods()) != calls {
		t.Fatal("an invalid price reached the gateway")
	}
}

const sellerGetNoSKUs = `{"item_seller_get_response":{"item":{"num_iid":612345678901,"approve_status":"onsale","num":5,"skus":{}}}}`

func TestUpdatePriceOfAnItemWithoutSKUs(t *testing.T) {
	g := priceGateway(t, sellerGetNoSKUs)
	err := open(t, g).UpdatePrice(context.Background(), connectors.PriceUpdate{SKUCode: "MUG-1",
		IDs: connectors.ProductIDs{ItemID: "612345678901", SKUIDs: map[string]string{}}, Price: 3900})
	if err != nil {
		t.Fatal(err)
	}
	if up := g.last("taobao.item.update"); up["price"] != "39.00" || up["num_iid"] != "612345678901" || len(g.methods()) != 2 {
		t.Fatalf("calls %v, item.update = %v", g.methods(), up)
	}
}

// Without a sku_id a SKU is addressed by its outer id; only an item without
// SKUs takes item-level stock.
func TestUpdateStockAddressesTheSKU(t *testing.T) {
	ctx := context.Background()
	g := priceGateway(t, sellerGetTwoSKUs)
	ch := open(t, g)
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-WHT-M", IDs: skuIDs(), Quantity: 12}); err != nil {
		t.Fatal(err)
	}
	q := g.last("taobao.item.quantity.update")
	if q["sku_id"] != "5123456789013" || q["quantity"] != "12" || q["type"] != "1" || q["outer_id"] != "" {
		t.Fatalf("with sku id: %v", q)
	}
	if err := ch.UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-BLK-M", IDs: skuIDs(), Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	q = g.last("taobao.item.quantity.update")
	if q["sku_id"] != "" || q["outer_id"] != "YS-TS-001-BLK-M" || q["quantity"] != "4" {
		t.Fatalf("without sku id on a multi-SKU item: %v (item-level stock would overwrite every SKU)", q)
	}

	g = priceGateway(t, sellerGetNoSKUs)
	if err := open(t, g).UpdateStock(ctx, connectors.StockUpdate{SKUCode: "MUG-1", IDs: connectors.ProductIDs{ItemID: "612345678901"}, Quantity: 9}); err != nil {
		t.Fatal(err)
	}
	if q := g.last("taobao.item.quantity.update"); q["sku_id"] != "" || q["outer_id"] != "" || q["quantity"] != "9" {
		t.Fatalf("item without SKUs: %v", q)
	}
	if err := open(t, g).UpdateStock(ctx, connectors.StockUpdate{SKUCode: "MUG-1", IDs: connectors.ProductIDs{ItemID: "1"}, Quantity: -1}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("negative stock = %v", err)
	}
}

func TestSetListedReadsNumThenLists(t *testing.T) {
	g := priceGateway(t, sellerGetTwoSKUs)
	g.handlers["taobao.item.update.listing"] = func(map[string]string) string { return `{"item_update_listing_response":{"item":{}}}` }
	g.handlers["taobao.item.update.delisting"] = func(map[string]string) string { return `{"item_update_delisting_response":{"item":{}}}` }
	ch := open(t, g)
	if err := ch.SetListed(context.Background(), connectors.ProductIDs{ItemID: "612345678901"}, true); err != nil {
		t.Fatal(err)
	}
	if l := g.last("taobao.item.update.listing"); l["num"] != "10" || l["num_iid"] != "612345678901" {
		t.Fatalf("listing = %v", l)
	}
	if err := ch.SetListed(context.Background(), connectors.ProductIDs{ItemID: "612345678901"}, false); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.methods(), ","); got != "taobao.item.seller.get,taobao.item.update.listing,taobao.item.update.delisting" {
		t.Fatalf("calls = %s", got)
	}
}
