// Package storetest is the backend-independent suite every store.Store
// implementation runs (SQLite now, PostgreSQL next).
package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// Run runs the suite; open returns a fresh, empty store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := map[string]func(*testing.T, store.Store){
		"ImportCountsAndReplaces":       testImport,
		"ImportConflictWritesNothing":   testImportConflict,
		"ChangedProducts":               testChanged,
		"OrderCursorNeverGoesBack":      testCursor,
		"UpsertOrderDedupesAndVersions": testUpsertOrder,
		"DeliveriesLifecycle":           testDeliveries,
		"ConcurrentUpsertCreatesOnce":   testConcurrentUpsert,
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) { f(t, open(t)) })
	}
}

var (
	ctx  = context.Background()
	shop = domain.ShopRef{Channel: "tmall", Shop: "flagship"}
)

// Product builds a product with n SKUs for tests.
func Product(code string, n int) domain.Product {
	p := domain.Product{Code: code, Title: "商品 " + code, Category: "服装/T恤"}
	for i := 0; i < n; i++ {
		p.SKUs = append(p.SKUs, domain.SKU{Code: fmt.Sprintf("%s-%d", code, i),
			Specs: []domain.SpecValue{{Name: "尺码", Value: fmt.Sprint("S", i)}}, ListPrice: 5990, Cost: 2000, Stock: 10 + i})
	}
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testImport(t *testing.T, s store.Store) {
	res, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2), Product("B", 3)})
	must(t, err)
	if res.Created != 2 || res.SKUs != 5 {
		t.Fatalf("first import = %+v", res)
	}
	b := Product("B", 1) // B loses two SKUs
	b.Title = "新标题"
	res, err = s.ImportProducts(ctx, []domain.Product{Product("A", 2), b})
	must(t, err)
	if res.Unchanged != 1 || res.Updated != 1 || res.Created != 0 {
		t.Fatalf("second import = %+v", res)
	}
	got, err := s.GetProduct(ctx, "B")
	must(t, err)
	if got.Title != "新标题" || len(got.SKUs) != 1 {
		t.Fatalf("B = %+v", got)
	}
	spus, skus, err := s.CatalogStats(ctx)
	must(t, err)
	if spus != 2 || skus != 3 {
		t.Fatalf("stats = %d/%d, want 2/3", spus, skus)
	}
	if _, err := s.GetProduct(ctx, "Z"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("GetProduct(missing) = %v", err)
	}
	page, err := s.ListProducts(ctx, "A", 10)
	must(t, err)
	if len(page) != 1 || page[0].Code != "B" {
		t.Fatalf("ListProducts after A = %+v", page)
	}
}

func testImportConflict(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("A", 2)})
	must(t, err)
	thief := Product("C", 1)
	thief.SKUs[0].Code = "A-1" // owned by A
	_, err = s.ImportProducts(ctx, []domain.Product{Product("D", 1), thief})
	if domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("import of a SKU owned by another product = %v, want conflict", err)
	}
	if _, err := s.GetProduct(ctx, "D"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatal("a failed import wrote part of its products")
	}
}

// pushed returns listings matching the product exactly.
func pushed(sh domain.ShopRef, p domain.Product) []domain.ChannelListing {
	var out []domain.ChannelListing
	for _, k := range p.SKUs {
		out = append(out, domain.ChannelListing{Shop: sh, SKUCode: k.Code, ProductCode: p.Code, ItemID: "1" + p.Code,
			PlatformSKUID: "9" + k.Code, ContentHash: p.ContentHash(), Price: k.ListPrice, Stock: k.Stock, Status: domain.ListingOnSale})
	}
	return out
}

func testChanged(t *testing.T, s store.Store) {
	a, b, c := Product("A", 2), Product("B", 2), Product("C", 1)
	_, err := s.ImportProducts(ctx, []domain.Product{a, b, c})
	must(t, err)
	codes, err := s.ChangedProducts(ctx, shop, "", 10)
	must(t, err)
	if fmt.Sprint(codes) != "[A B C]" {
		t.Fatalf("fresh catalog changed = %v", codes)
	}
	for _, p := range []domain.Product{a, b, c} {
		must(t, s.SaveListings(ctx, pushed(shop, p)))
	}
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); len(codes) != 0 {
		t.Fatalf("after a full push changed = %v", codes)
	}
	other := domain.ShopRef{Channel: "tmall", Shop: "outlet"}
	if n, _ := s.CountChangedProducts(ctx, other); n != 3 {
		t.Fatalf("another shop's changed count = %d, want 3", n)
	}
	a.Title = "改标题"
	b.SKUs[1].ListPrice = 4990
	c.SKUs[0].Stock = 0
	_, err = s.ImportProducts(ctx, []domain.Product{a, b, c})
	must(t, err)
	codes, err = s.ChangedProducts(ctx, shop, "", 10)
	must(t, err)
	if fmt.Sprint(codes) != "[A B C]" {
		t.Fatalf("after title/price/stock changes changed = %v", codes)
	}
	codes, _ = s.ChangedProducts(ctx, shop, "A", 1)
	if fmt.Sprint(codes) != "[B]" {
		t.Fatalf("paging after A limit 1 = %v", codes)
	}
	must(t, s.SaveListings(ctx, pushed(shop, a)))
	must(t, s.SaveListings(ctx, pushed(shop, b)))
	failed := pushed(shop, c)
	failed[0].ContentHash, failed[0].ItemID, failed[0].Status = "", "", domain.ListingFailed
	must(t, s.SaveListings(ctx, failed))
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[C]" {
		t.Fatalf("with C failed changed = %v", codes)
	}
	if n, _ := s.CountChangedProducts(ctx, shop); n != 1 {
		t.Fatalf("count = %d", n)
	}
	ls, err := s.Listings(ctx, shop, "B")
	must(t, err)
	if len(ls) != 2 || ls[1].Price != 4990 || ls[0].ItemID != "1B" {
		t.Fatalf("listings of B = %+v", ls)
	}
}

func testCursor(t *testing.T, s store.Store) {
	if _, ok, err := s.OrderCursor(ctx, shop); ok || err != nil {
		t.Fatalf("fresh cursor ok=%v err=%v", ok, err)
	}
	t1 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	must(t, s.SetOrderCursor(ctx, shop, t1))
	must(t, s.SetOrderCursor(ctx, shop, t1.Add(-time.Hour)))
	got, ok, err := s.OrderCursor(ctx, shop)
	if !ok || err != nil || !got.Equal(t1) {
		t.Fatalf("cursor = %v %v %v, want %v (never backwards)", got, ok, err, t1)
	}
}

// Order builds a test order.
func Order(id string, status domain.OrderStatus) domain.SalesOrder {
	return domain.SalesOrder{Shop: shop, PlatformOrderID: id, Status: status, Currency: "CNY",
		CreatedAt: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC), ModifiedAt: time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC),
		Amounts: domain.Amounts{Paid: 5990}, Lines: []domain.OrderLine{{PlatformLineID: id + "1", SKUCode: "A-0", Quantity: 1, UnitPrice: 5990, Paid: 5990}}}
}

func testUpsertOrder(t *testing.T, s store.Store) {
	o := Order("3000000000000000001", domain.OrderPaid)
	c1, err := s.UpsertOrder(ctx, o)
	must(t, err)
	if c1.Event != store.OrderCreated || c1.Revision != 1 || c1.DeliveryID == "" {
		t.Fatalf("first upsert = %+v", c1)
	}
	again, err := s.UpsertOrder(ctx, o)
	must(t, err)
	if again.Event != "" || again.DeliveryID != "" {
		t.Fatalf("same version again = %+v, want nothing", again)
	}
	o.Status, o.ModifiedAt = domain.OrderCancelled, o.ModifiedAt.Add(time.Minute)
	c2, err := s.UpsertOrder(ctx, o)
	must(t, err)
	if c2.Event != store.OrderUpdated || c2.Revision != 2 || c2.DeliveryID == c1.DeliveryID {
		t.Fatalf("changed order = %+v", c2)
	}
	d1, err := s.GetDelivery(ctx, c1.DeliveryID)
	must(t, err)
	if d1.Order.Status != domain.OrderPaid || d1.Revision != 1 || d1.Event != store.OrderCreated {
		t.Fatalf("revision 1 delivery = %+v: must keep its snapshot", d1)
	}
	got, err := s.GetOrder(ctx, shop, o.PlatformOrderID)
	must(t, err)
	if got.Status != domain.OrderCancelled {
		t.Fatalf("GetOrder = %+v", got)
	}
	recs, err := s.ListOrders(ctx, shop, 0)
	must(t, err)
	if len(recs) != 1 || recs[0].Revision != 2 {
		t.Fatalf("ListOrders = %+v", recs)
	}
	if _, err := s.UpsertOrder(ctx, domain.SalesOrder{Shop: shop}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("order without id = %v, want invalid", err)
	}
}

func testDeliveries(t *testing.T, s store.Store) {
	var ids []string
	for i := 0; i < 3; i++ {
		c, err := s.UpsertOrder(ctx, Order(fmt.Sprint(4000+i), domain.OrderPaid))
		must(t, err)
		ids = append(ids, c.DeliveryID)
	}
	pending, err := s.PendingDeliveries(ctx, 0)
	must(t, err)
	if len(pending) != 3 {
		t.Fatalf("pending = %d", len(pending))
	}
	must(t, s.RecordDeliveryAttempt(ctx, ids[0], false, 503, "erp answered HTTP 503"))
	d, _ := s.GetDelivery(ctx, ids[0])
	if d.Status != store.DeliveryPending || d.Attempts != 1 || d.LastHTTPStatus != 503 {
		t.Fatalf("after a failed attempt = %+v", d)
	}
	must(t, s.RecordDeliveryAttempt(ctx, ids[0], true, 204, ""))
	d, _ = s.GetDelivery(ctx, ids[0])
	if d.Status != store.DeliveryDelivered || d.Attempts != 2 || d.DeliveredAt == nil || d.LastError != "" {
		t.Fatalf("after acceptance = %+v", d)
	}
	pending, _ = s.PendingDeliveries(ctx, 0)
	if len(pending) != 2 {
		t.Fatalf("pending after one delivered = %d", len(pending))
	}
	stats, err := s.DeliveryStats(ctx)
	must(t, err)
	if stats[store.DeliveryDelivered] != 1 || stats[store.DeliveryPending] != 2 {
		t.Fatalf("stats = %v", stats)
	}
	n, err := s.RequeueDeliveries(ctx, shop, "4000")
	must(t, err)
	if n != 1 {
		t.Fatalf("requeued %d", n)
	}
	if err := s.RecordDeliveryAttempt(ctx, "dlv_missing", true, 200, ""); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("attempt on a missing delivery = %v", err)
	}
}

func testConcurrentUpsert(t *testing.T, s store.Store) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, errs := 0, 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := s.UpsertOrder(ctx, Order("5000", domain.OrderPaid))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
			}
			if c.Event == store.OrderCreated {
				created++
			}
		}()
	}
	wg.Wait()
	if created != 1 {
		t.Fatalf("8 concurrent upserts created %d times (errors %d), want exactly 1", created, errs)
	}
	pending, _ := s.PendingDeliveries(ctx, 0)
	if len(pending) != 1 {
		t.Fatalf("pending deliveries = %d, want 1", len(pending))
	}
}
