// Package storetest is the backend-independent suite every store.Store
// implementation runs (store/sqlite, store/postgres).
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
		"ImportCountsAndReplaces":           testImport,
		"ImportConflictWritesNothing":       testImportConflict,
		"ChangedProducts":                   testChanged,
		"OrderCursorNeverGoesBack":          testCursor,
		"UpsertOrderDedupesAndVersions":     testUpsertOrder,
		"DeliveriesLifecycle":               testDeliveries,
		"ConcurrentUpsertCreatesOnce":       testConcurrentUpsert,
		"ImportMergeKeepsOtherSKUs":         testImportMerge,
		"ChangeSetFollowsWrites":            testChangeSetFollowsWrites,
		"ListingsPagingAndStatus":           testListingsPaging,
		"StaleOrderSnapshotIgnored":         testStaleOrder,
		"OrderRejectionsKeptUntilMapped":    testRejections,
		"PendingDeliveriesPerShop":          testPendingPerShop,
		"TokensClaimSaveRelease":            testTokensClaimSaveRelease,
		"TwoWorkersRefreshOnce":             testTwoWorkersRefreshOnce,
		"BansOnlyExtend":                    testBansOnlyExtend,
		"ImportBatchesCommitAtOnce":         testImportBatchesCommitAtOnce,
		"ImportRollbackWritesNothing":       testImportRollbackWritesNothing,
		"ImportSKUOwners":                   testImportSKUOwners,
		"ImportPartsPruneOrMerge":           testImportPartsPruneOrMerge,
		"ImportKeepsChangeSets":             testImportKeepsChangeSets,
		"RemovalsInChangeSet":               testRemovalsInChangeSet,
		"RemoveUnknownWritesNothing":        testRemoveUnknownWritesNothing,
		"PoolRateOutlivesPushes":            testPoolRate,
		"PriceHolds":                        testHolds,
		"ReservationsConsumedByOrders":      testReservations,
		"BreakersNeverGoBack":               testBreakers,
		"OneWriterPerProductAndShop":        testWriteLeases,
		"RevisionsSurviveARebuild":          testRevisionsSurviveARebuild,
		"AfterSalesVersionedWithTheirOrder": testAfterSales,
		"ShopUsageSumsTheProcesses":         testShopUsage,
		"StockDeltasStayWithinTheCatalog":   testStockDeltasStayWithinTheCatalog,
		"ImportTakesItsRequestID":           testImportTakesItsRequestID,
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
	if n, err := s.CountProductsAfter(ctx, "A"); err != nil || n != 1 {
		t.Fatalf("CountProductsAfter(A) = %d, %v; want 1", n, err)
	}
	if n, _ := s.CountProductsAfter(ctx, ""); n != 2 {
		t.Fatalf("CountProductsAfter(\"\") = %d, want 2", n)
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
	if c1.Event != store.OrderCreated || c1.Revision != int(o.ModifiedAt.UnixMilli()) || c1.DeliveryID == "" {
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
	if c2.Event != store.OrderUpdated || c2.Revision != int(o.ModifiedAt.UnixMilli()) || c2.Revision <= c1.Revision || c2.DeliveryID == c1.DeliveryID {
		t.Fatalf("changed order = %+v", c2)
	}
	d1, err := s.GetDelivery(ctx, c1.DeliveryID)
	must(t, err)
	if d1.Order.Status != domain.OrderPaid || d1.Revision != c1.Revision || d1.Event != store.OrderCreated {
		t.Fatalf("first version's delivery = %+v: must keep its snapshot", d1)
	}
	got, err := s.GetOrder(ctx, shop, o.PlatformOrderID)
	must(t, err)
	if got.Status != domain.OrderCancelled {
		t.Fatalf("GetOrder = %+v", got)
	}
	recs, err := s.ListOrders(ctx, shop, 0)
	must(t, err)
	if len(recs) != 1 || recs[0].Revision != c2.Revision || recs[0].Versions != 2 {
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
	// The order index says where each order's webhooks stand.
	must(t, s.RecordDeliveryAttempt(ctx, ids[1], false, 500, "erp answered HTTP 500"))
	recs, err := s.ListOrders(ctx, shop, 0)
	must(t, err)
	states := map[string]store.OrderDelivery{}
	for _, r := range recs {
		states[r.Order.PlatformOrderID] = r.Delivery
	}
	if d := states["4000"]; d.DeliveredVersion != 1 || d.DeliveredRevision <= 0 || d.Pending != 0 || d.State() != "delivered" {
		t.Fatalf("order 4000 delivery = %+v", d)
	}
	if d := states["4001"]; d.Pending != 1 || d.LastError != "erp answered HTTP 500" || d.State() != "failing" {
		t.Fatalf("order 4001 delivery = %+v", d)
	}
	if d := states["4002"]; d.Pending != 1 || d.DeliveredRevision != 0 || d.State() != "pending" {
		t.Fatalf("order 4002 delivery = %+v", d)
	}
	n, err := s.RequeueDeliveries(ctx, shop, "4000")
	must(t, err)
	if n != 1 {
		t.Fatalf("requeued %d", n)
	}
	d, _ = s.GetDelivery(ctx, ids[0])
	if d.ID != ids[0] || d.Status != store.DeliveryPending || d.DeliveredAt != nil || d.Attempts != 2 {
		t.Fatalf("requeued delivery = %+v: must be pending again under the same id, attempts kept", d)
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
	if created != 1 || errs != 0 {
		t.Fatalf("8 concurrent upserts created %d times with %d errors, want exactly 1 and none", created, errs)
	}
	pending, _ := s.PendingDeliveries(ctx, 0)
	if len(pending) != 1 {
		t.Fatalf("pending deliveries = %d, want 1", len(pending))
	}
}

func testImportMerge(t *testing.T, s store.Store) {
	_, err := s.ImportProducts(ctx, []domain.Product{Product("M", 3), Product("R", 3)})
	must(t, err)
	m, r := Product("M", 3), Product("R", 3)
	m.SKUs = m.SKUs[:1] // the file's rows for M-1 and M-2 were rejected
	m.SKUs[0].ListPrice = 4990
	r.SKUs = r.SKUs[:1] // R really lost two SKUs
	res, err := s.ImportProducts(ctx, []domain.Product{m, r}, store.MergeSKUs("M"))
	must(t, err)
	if res.Updated != 2 {
		t.Fatalf("import = %+v", res)
	}
	got, err := s.GetProduct(ctx, "M")
	must(t, err)
	if len(got.SKUs) != 3 || got.SKUs[0].Code != "M-0" || got.SKUs[0].ListPrice != 4990 || got.SKUs[2].Code != "M-2" || got.SKUs[2].ListPrice != 5990 {
		t.Fatalf("merged M = %+v: the accepted row updates, the others stay", got.SKUs)
	}
	if got, _ := s.GetProduct(ctx, "R"); len(got.SKUs) != 1 {
		t.Fatalf("R without merge kept %d SKUs, want 1", len(got.SKUs))
	}
	if _, skus, _ := s.CatalogStats(ctx); skus != 4 {
		t.Fatalf("catalog SKUs = %d, want 4", skus)
	}
}

// The change set a shop's pushes read is kept by imports and listing saves
// alike, and matches what a full comparison would say.
func testChangeSetFollowsWrites(t *testing.T, s store.Store) {
	var ps []domain.Product
	for i := 0; i < 5; i++ {
		ps = append(ps, Product(fmt.Sprintf("S%d", i), 2))
	}
	_, err := s.ImportProducts(ctx, ps)
	must(t, err)
	if n, _ := s.CountChangedProducts(ctx, shop); n != 5 {
		t.Fatalf("first count = %d, want 5", n)
	}
	for _, p := range ps {
		must(t, s.SaveListings(ctx, pushed(shop, p)))
	}
	if n, _ := s.CountChangedProducts(ctx, shop); n != 0 {
		t.Fatalf("after the push = %d", n)
	}
	// An import that changes nothing adds nothing; one that changes S3 adds S3.
	_, err = s.ImportProducts(ctx, ps)
	must(t, err)
	if n, _ := s.CountChangedProducts(ctx, shop); n != 0 {
		t.Fatalf("after an unchanged import = %d", n)
	}
	ps[3].SKUs[1].Stock = 99
	ps = append(ps, Product("S9", 1))
	_, err = s.ImportProducts(ctx, ps)
	must(t, err)
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[S3 S9]" {
		t.Fatalf("after changing S3 and adding S9 = %v", codes)
	}
	// A change reverted before the push leaves nothing to push.
	ps[3].SKUs[1].Stock = Product("S3", 2).SKUs[1].Stock
	_, err = s.ImportProducts(ctx, ps)
	must(t, err)
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[S9]" {
		t.Fatalf("after reverting S3 = %v", codes)
	}
	// A listing changed behind the catalog's back (a failed push) puts it back.
	l := pushed(shop, ps[0])
	l[0].Status, l[0].ItemID, l[0].LastError = domain.ListingFailed, "", "tmall invalid: title"
	must(t, s.SaveListings(ctx, l))
	if codes, _ := s.ChangedProducts(ctx, shop, "", 10); fmt.Sprint(codes) != "[S0 S9]" {
		t.Fatalf("after S0 failed = %v", codes)
	}
	// A shop pushed for the first time later sees the whole catalog.
	late := domain.ShopRef{Channel: "tmall", Shop: "late"}
	if n, _ := s.CountChangedProducts(ctx, late); n != 6 {
		t.Fatalf("new shop count = %d, want 6", n)
	}
}

func testListingsPaging(t *testing.T, s store.Store) {
	p := Product("L", 5)
	_, err := s.ImportProducts(ctx, []domain.Product{p})
	must(t, err)
	ls := pushed(shop, p)
	ls[1].Status, ls[3].Status = domain.ListingInReview, domain.ListingInReview
	must(t, s.SaveListings(ctx, ls))
	var all []string
	for after := ""; ; {
		page, err := s.ListListings(ctx, shop, after, 2)
		must(t, err)
		if len(page) == 0 {
			break
		}
		for _, l := range page {
			all = append(all, l.SKUCode)
		}
		after = page[len(page)-1].SKUCode
	}
	if fmt.Sprint(all) != "[L-0 L-1 L-2 L-3 L-4]" {
		t.Fatalf("paged listings = %v", all)
	}
	review, err := s.ListingsInStatus(ctx, shop, domain.ListingInReview, "", 10)
	must(t, err)
	if len(review) != 2 || review[0].SKUCode != "L-1" || review[1].SKUCode != "L-3" {
		t.Fatalf("in review = %+v", review)
	}
	if page, _ := s.ListingsInStatus(ctx, shop, domain.ListingInReview, "L-1", 10); len(page) != 1 || page[0].SKUCode != "L-3" {
		t.Fatalf("in review after L-1 = %+v", page)
	}
}

// The pool rate is set per product, on every SKU's listing, and a push
// that saves the listings again keeps it.
func testPoolRate(t *testing.T, s store.Store) {
	p, other := Product("P", 2), Product("Q", 1)
	_, err := s.ImportProducts(ctx, []domain.Product{p, other})
	must(t, err)
	must(t, s.SaveListings(ctx, append(pushed(shop, p), pushed(shop, other)...)))
	must(t, s.SetPoolRate(ctx, shop, "P", 1250))
	must(t, s.SaveListings(ctx, pushed(shop, p))) // the next push
	rates := func() map[string]int {
		out := map[string]int{}
		for _, code := range []string{"P", "Q"} {
			ls, err := s.Listings(ctx, shop, code)
			must(t, err)
			for _, l := range ls {
				out[l.SKUCode] = l.PoolRate
			}
		}
		return out
	}
	if got := fmt.Sprint(rates()); got != "map[P-0:1250 P-1:1250 Q-0:0]" {
		t.Fatalf("after a push: %s", got)
	}
	must(t, s.SetPoolRate(ctx, shop, "P", 0))
	if got := fmt.Sprint(rates()); got != "map[P-0:0 P-1:0 Q-0:0]" {
		t.Fatalf("after leaving: %s", got)
	}
}

func testStaleOrder(t *testing.T, s store.Store) {
	newer := Order("6000", domain.OrderShipped)
	newer.ModifiedAt = newer.ModifiedAt.Add(time.Hour)
	first, err := s.UpsertOrder(ctx, newer)
	must(t, err)
	older := Order("6000", domain.OrderPaid) // a lagging replica answers with the paid state
	c, err := s.UpsertOrder(ctx, older)
	must(t, err)
	if c.Event != "" || c.Revision != first.Revision {
		t.Fatalf("older snapshot = %+v, want ignored", c)
	}
	if got, _ := s.GetOrder(ctx, shop, "6000"); got.Status != domain.OrderShipped {
		t.Fatalf("stored status = %s, want shipped", got.Status)
	}
	sameTime := newer
	sameTime.BuyerMessage = "请尽快发货" // same modification time, new content: a new version
	if c, _ := s.UpsertOrder(ctx, sameTime); c.Event != store.OrderUpdated || c.Revision != first.Revision+1 {
		t.Fatalf("same-time change = %+v", c)
	}
}

func testRejections(t *testing.T, s store.Store) {
	bad := []store.OrderRejection{{PlatformOrderID: "7001", Reason: "field orders.order[0].price: not a yuan amount"}, {PlatformOrderID: "7002", Reason: "field tid: missing"}}
	must(t, s.RecordOrderRejections(ctx, shop, bad))
	must(t, s.RecordOrderRejections(ctx, shop, bad[:1])) // the overlap re-reads it
	got, err := s.OrderRejections(ctx, shop, 0)
	must(t, err)
	if len(got) != 2 {
		t.Fatalf("rejections = %+v", got)
	}
	byID := map[string]store.OrderRejection{}
	for _, r := range got {
		byID[r.PlatformOrderID] = r
	}
	if byID["7001"].Seen != 2 || byID["7002"].Seen != 1 || byID["7001"].Reason != bad[0].Reason || byID["7001"].FirstSeen.IsZero() {
		t.Fatalf("rejections = %+v", got)
	}
	if n, _ := s.CountOrderRejections(ctx, shop); n != 2 {
		t.Fatalf("count = %d, want 2", n)
	}
	if other, _ := s.OrderRejections(ctx, domain.ShopRef{Channel: "tmall", Shop: "outlet"}, 0); len(other) != 0 {
		t.Fatalf("another shop sees %d rejections", len(other))
	}
	_, err = s.UpsertOrder(ctx, Order("7001", domain.OrderPaid)) // mapped after a fix
	must(t, err)
	if got, _ := s.OrderRejections(ctx, shop, 0); len(got) != 1 || got[0].PlatformOrderID != "7002" {
		t.Fatalf("after 7001 mapped = %+v", got)
	}
}

func testPendingPerShop(t *testing.T, s store.Store) {
	outlet := domain.ShopRef{Channel: "tmall", Shop: "outlet"}
	var want []string
	for i := 0; i < 4; i++ {
		o := Order(fmt.Sprint(8000+i), domain.OrderPaid)
		if i%2 == 1 {
			o.Shop = outlet
		}
		c, err := s.UpsertOrder(ctx, o)
		must(t, err)
		if i%2 == 0 {
			want = append(want, c.DeliveryID)
		}
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	refs, err := s.PendingDeliveryRefs(ctx, shop, now, 0)
	must(t, err)
	if len(refs) != 2 || refs[0].ID != want[0] || refs[1].ID != want[1] || refs[0].PlatformOrderID != "8000" {
		t.Fatalf("shop refs = %+v, want %v", refs, want)
	}
	if refs, _ := s.PendingDeliveryRefs(ctx, shop, now, 1); len(refs) != 1 || refs[0].ID != want[0] {
		t.Fatalf("limit 1 = %+v", refs)
	}
	// Dispatched ones are not handed out again until their dispatch is stale.
	must(t, s.MarkDispatched(ctx, want[:1], now))
	if refs, _ := s.PendingDeliveryRefs(ctx, shop, now.Add(-time.Hour), 0); len(refs) != 1 || refs[0].ID != want[1] {
		t.Fatalf("after dispatching the first = %+v", refs)
	}
	if refs, _ := s.PendingDeliveryRefs(ctx, shop, now.Add(time.Minute), 0); len(refs) != 2 {
		t.Fatalf("with the dispatch stale = %+v", refs)
	}
	if n, _ := s.CountPendingDeliveries(ctx, shop); n != 2 {
		t.Fatalf("dispatched deliveries still count as pending: %d", n)
	}
	_, err = s.RequeueDeliveries(ctx, shop, "8000")
	must(t, err)
	if refs, _ := s.PendingDeliveryRefs(ctx, shop, now.Add(-time.Hour), 0); len(refs) != 2 {
		t.Fatalf("a requeue must clear the dispatch: %+v", refs)
	}
	must(t, s.RecordDeliveryAttempt(ctx, want[0], true, 200, ""))
	if n, _ := s.CountPendingDeliveries(ctx, shop); n != 1 {
		t.Fatalf("shop pending = %d, want 1", n)
	}
	if n, _ := s.CountPendingDeliveries(ctx, outlet); n != 2 {
		t.Fatalf("outlet pending = %d, want 2", n)
	}
}
