package wechat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	sbwechat "github.com/syncctl/syncctl/sandbox/wechat"
)

// A split shipment sends parcels by line id or SKU code; the carrier is
// translated, and one the platform lacks is refused before any call.
func TestShipSplitAndCarriers(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	e.listed(t)
	id, err := e.sb.SellOrderOf(sbwechat.SKUCount{OutSKUID: "YS-TS-001-WHT-M", Count: 3}, sbwechat.SKUCount{OutSKUID: "YS-TS-001-BLK-M", Count: 1})
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.ch.GetOrder(ctx, id)
	if err != nil || len(o.Lines) != 2 {
		t.Fatalf("order %+v %v", o, err)
	}
	gets := e.sb.Calls("order/get")
	for carrier, want := range map[string]string{"YD": `unknown carrier "YD"`, "ZZ": `unknown carrier "ZZ"`} {
		err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: id, Carrier: carrier, TrackingNo: "1", Lines: []domain.ShipmentLine{{SKUCode: "YS-TS-001-BLK-M"}}})
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), want) {
			t.Errorf("carrier %s: %v", carrier, err)
		}
	}
	if e.sb.Calls("order/get") != gets || e.sb.Calls("order/delivery/send") != 0 {
		t.Error("a refused carrier reached the platform")
	}
	white := o.Lines[0].PlatformLineID
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: id, Carrier: "ZTO", TrackingNo: "75312345678901",
		Lines: []domain.ShipmentLine{{PlatformLineID: white, Quantity: 2}, {SKUCode: "YS-TS-001-BLK-M"}}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := e.ch.GetOrder(ctx, id); o.Status != domain.OrderPartShipped {
		t.Errorf("after the first parcel: %s", o.Status)
	}
	// The same parcel again (a retried activity) is done already.
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: id, Carrier: "ZTO", TrackingNo: "75312345678901",
		Lines: []domain.ShipmentLine{{PlatformLineID: white, Quantity: 2}, {SKUCode: "YS-TS-001-BLK-M"}}}); err != nil {
		t.Errorf("the same parcel again: %v", err)
	}
	err = e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: id, Carrier: "POSTB", TrackingNo: "9812345678901", Lines: []domain.ShipmentLine{{PlatformLineID: white, Quantity: 2}}})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "product_cnt") {
		t.Errorf("more than is left: %v", err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: id, Carrier: "POSTB", TrackingNo: "9812345678901",
		Lines: []domain.ShipmentLine{{PlatformLineID: white, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := e.ch.GetOrder(ctx, id); o.Status != domain.OrderShipped {
		t.Errorf("after the last parcel: %s", o.Status)
	}
}

func TestPromotionPool(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	pool := e.ch.(connectors.PromotionPool)
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	// In review: not listed yet, the platform refuses it.
	if err := pool.JoinPromotionPool(ctx, res.IDs, 2000); domain.ErrorCode(err) != domain.EConflict || !strings.Contains(err.Error(), "10023104") {
		t.Errorf("unlisted: %v", err)
	}
	if st, _, _ := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, res.IDs); st != domain.ListingOnSale {
		t.Fatalf("review: %s", st)
	}
	if err := pool.JoinPromotionPool(ctx, res.IDs, 1250); domain.ErrorCode(err) != domain.EInvalid || e.sb.Calls("league/item/get") != 1 {
		t.Errorf("12.5%%: %v", err)
	}
	if err := pool.JoinPromotionPool(ctx, res.IDs, 2000); err != nil || e.sb.Pool()[res.IDs.ItemID] != 20 {
		t.Fatalf("join: %v %v", err, e.sb.Pool())
	}
	adds := e.sb.Calls("league/item/batchadd")
	if err := pool.JoinPromotionPool(ctx, res.IDs, 2000); err != nil || e.sb.Calls("league/item/batchadd") != adds || e.sb.Calls("league/item/upd") != 0 {
		t.Errorf("joined again: %v (adds %d → %d)", err, adds, e.sb.Calls("league/item/batchadd"))
	}
	if err := pool.JoinPromotionPool(ctx, res.IDs, 3000); err != nil || e.sb.Pool()[res.IDs.ItemID] != 30 || e.sb.Calls("league/item/upd") != 1 {
		t.Errorf("new rate: %v %v", err, e.sb.Pool())
	}
	// Orders of the product now carry the 达人's commission: 30% of 5990.
	ids, err := e.sb.SellOrders(1, "YS-TS-001-WHT-M")
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.ch.GetOrder(ctx, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if o.CPS == nil || o.CPS.Commission != 1797 || o.CPS.CommissionRate != 3000 || o.CPS.PromoterID == "" || o.CPS.PromoterName == "" ||
		o.CPS.Settlement != domain.SettlementPending || o.Lines[0].CPS == nil || *o.Lines[0].CPS != *o.CPS {
		t.Errorf("order CPS %+v, line %+v", o.CPS, o.Lines[0].CPS)
	}
	if err := pool.LeavePromotionPool(ctx, res.IDs); err != nil || len(e.sb.Pool()) != 0 {
		t.Errorf("leave: %v %v", err, e.sb.Pool())
	}
	if err := pool.LeavePromotionPool(ctx, res.IDs); err != nil {
		t.Errorf("leave twice: %v", err)
	}
	if ids, _ := e.sb.SellOrders(1, "YS-TS-001-WHT-M"); len(ids) == 1 {
		if o, _ := e.ch.GetOrder(ctx, ids[0]); o.CPS != nil {
			t.Errorf("an order after leaving: %+v", o.CPS)
		}
	}
}

func TestRemoveSKU(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	rm := e.ch.(connectors.SKURemover)
	ids := e.listed(t)
	// Listed, not in review: auditfree takes it off at once.
	if err := rm.RemoveSKU(ctx, ids, "YS-TS-001-BLK-M"); err != nil {
		t.Fatal(err)
	}
	if it := e.sb.AdminItems()[0]; len(it.SKUs) != 1 || it.SKUs[0].OuterID != "YS-TS-001-WHT-M" || e.sb.Calls("product/auditfree") != 1 {
		t.Errorf("after removal: %+v", it)
	}
	if err := rm.RemoveSKU(ctx, ids, "YS-TS-001-BLK-M"); err != nil || e.sb.Calls("product/auditfree") != 1 {
		t.Errorf("removed again: %v", err)
	}
	// The last SKU stays with stock 0.
	if err := rm.RemoveSKU(ctx, ids, "YS-TS-001-WHT-M"); err != nil {
		t.Fatal(err)
	}
	if n, _ := e.sb.Stock("YS-TS-001-WHT-M"); n != 0 || len(e.sb.AdminItems()[0].SKUs) != 1 {
		t.Errorf("last sku: stock %d", n)
	}

	// A product in review: its draft goes again without the SKU.
	e = open(t, nil)
	e.sb.SetReviewGets(4)
	rm = e.ch.(connectors.SKURemover)
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	if err := rm.RemoveSKU(ctx, res.IDs, "YS-TS-001-BLK-M"); err != nil || e.sb.Calls("product/update") != 1 {
		t.Fatalf("in review: %v (updates %d)", err, e.sb.Calls("product/update"))
	}
	for range 3 {
		_, _, _ = e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, res.IDs)
	}
	if st, _, _ := e.ch.(connectors.ReviewTracker).ReviewStatus(ctx, res.IDs); st != domain.ListingOnSale {
		t.Fatalf("review: %s", st)
	}
	if it := e.sb.AdminItems()[0]; len(it.SKUs) != 1 || it.SKUs[0].OuterID != "YS-TS-001-WHT-M" || it.SKUs[0].PriceFen != 5990 || it.SKUs[0].Stock != 10 {
		t.Errorf("after the review: %+v", it)
	}
	if err := rm.RemoveSKU(ctx, connectors.ProductIDs{ItemID: "10000000000001"}, "X"); err != nil {
		t.Errorf("unknown product: %v", err)
	}
}

func TestListAfterSales(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil)
	e.listed(t)
	ids, err := e.sb.SellOrders(3, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.sb.RefundOrder(ids[0]); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.CancelOrder(ids[1]); err != nil {
		t.Fatal(err)
	}
	open1, err := e.sb.OpenAfterSale(ids[2], "RETURN")
	if err != nil {
		t.Fatal(err)
	}
	e.sb.SetAfterSalePage(1)
	// A 3-day window: spans of 24 h, the cases in the last one, one per page.
	now := time.Now()
	q := connectors.OrderQuery{From: now.Add(-72 * time.Hour), To: now.Add(time.Minute)}
	got := map[string]domain.AfterSale{}
	for pages := 0; ; pages++ {
		page, err := e.ch.(connectors.AfterSales).ListAfterSales(ctx, q)
		if err != nil || pages > 10 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, a := range page.Cases {
			got[a.PlatformCaseID] = a
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if len(got) != 3 {
		t.Fatalf("cases %+v", got)
	}
	a := got[open1]
	if a.PlatformOrderID != ids[2] || a.Kind != "return_refund" || a.Status != domain.AfterSaleRequested || a.RefundAmount <= 0 || len(a.Lines) != 1 {
		t.Errorf("open case %+v", a)
	}
	for id, a := range got {
		if id != open1 && (a.Status != domain.AfterSaleRefunded || a.Kind != "refund_only") {
			t.Errorf("refunded case %+v", a)
		}
	}
	_, err = e.ch.(connectors.AfterSales).ListAfterSales(ctx, connectors.OrderQuery{From: now.Add(-8 * 24 * time.Hour), To: now})
	if domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("8 days: %v", err)
	}
	_, err = e.ch.(connectors.AfterSales).ListAfterSales(ctx, connectors.OrderQuery{From: now.Add(-time.Hour), To: now, PageToken: "1:x"})
	if domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("foreign token: %v", err)
	}
}

// The sandbox's review delay and rejection rate reach the connector as
// in_review, then rejected with the platform's reason.
func TestReviewDelayAndRejection(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	e := openWith(t, sbwechat.Config{ReviewDelay: time.Minute, RejectRate: 1, Seed: 3, Now: func() time.Time { return now }}, nil)
	res, err := e.ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	rt := e.ch.(connectors.ReviewTracker)
	for range 3 {
		if st, _, err := rt.ReviewStatus(ctx, res.IDs); err != nil || st != domain.ListingInReview {
			t.Fatalf("within the delay: %s %v", st, err)
		}
	}
	now = now.Add(time.Minute)
	st, reason, err := rt.ReviewStatus(ctx, res.IDs)
	if err != nil || st != domain.ListingRejected || reason == "" {
		t.Errorf("after the delay: %s %q %v", st, reason, err)
	}
}
