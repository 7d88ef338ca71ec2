package douyin_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

func errorsAs(err error, target **domain.Error) bool { return errors.As(err, target) }

// 5000 orders sold in one admin call are all read by ListOrders walking
// every page of the window; CPS orders carry promoter and commission at the
// pool's rate; one ships, one is cancelled; the product leaves the pool.
func TestOrdersAndPromotionPool(t *testing.T) {
	e := setup(t, "the-secret")
	ctx := context.Background()
	res, err := e.ch.UpsertProduct(ctx, push(6000))
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	pool, ok := e.ch.(connectors.PromotionPool)
	if !ok {
		t.Fatal("the channel is no PromotionPool")
	}
	if err := pool.JoinPromotionPool(ctx, res.IDs, 2000); err != nil {
		t.Fatal(err)
	}
	if err := pool.JoinPromotionPool(ctx, res.IDs, 1250); err != nil { // a rate change: already in the plan
		t.Fatal(err)
	}
	if bp, open := e.sb.Plan(res.IDs.ItemID); bp != 1250 || !open {
		t.Fatalf("plan %d %v", bp, open)
	}
	from := e.clk.Now()
	ids, err := e.admin.SellOrders(ctx, 5000, "YS-TS-001-WHT-M")
	if err != nil || len(ids) != 5000 {
		t.Fatalf("sold %d: %v", len(ids), err)
	}
	e.clk.Advance(time.Second)
	got := map[string]domain.SalesOrder{}
	promoters := map[string]bool{}
	var cpsIDs []string
	q := connectors.OrderQuery{From: from, To: e.clk.Now()}
	pages := 0
	for ; ; pages++ {
		if pages > 60 {
			t.Fatal("no end of pages")
		}
		page, err := e.ch.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rejected) > 0 {
			t.Fatalf("rejected %+v", page.Rejected[0])
		}
		for _, o := range page.Orders {
			got[o.PlatformOrderID] = o
			l := o.Lines[0]
			if o.Status != domain.OrderPaid || l.SKUCode != "YS-TS-001-WHT-M" || l.UnitPrice != 5990 || o.Amounts.Paid != 5990 || len(o.PlatformOrderID) != 19 {
				t.Fatalf("order %+v", o)
			}
			if o.CPS != nil {
				promoters[o.CPS.PromoterID] = true
				if o.CPS.CommissionRate != 1250 || o.CPS.Commission != 5990*1250/10000 || o.CPS.PromoterName == "" || l.CPS == nil ||
					o.CPS.Settlement != domain.SettlementPending || o.CPS.Estimated != 0 {
					t.Fatalf("cps %+v", o.CPS)
				}
				cpsIDs = append(cpsIDs, o.PlatformOrderID)
			}
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if len(got) != 5000 || pages < 49 {
		t.Fatalf("read %d of 5000 orders in %d pages", len(got), pages+1)
	}
	if len(promoters) < 15 {
		t.Fatalf("%d promoters", len(promoters))
	}
	o, err := e.ch.GetOrder(ctx, ids[0])
	if err != nil || o.PlatformOrderID != ids[0] {
		t.Fatalf("GetOrder %+v %v", o, err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1234567890"}); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1234567890"}); err != nil {
		t.Fatalf("the same shipment again: %v", err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "UPS", TrackingNo: "1Z"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("unknown carrier: %v", err)
	}
	if err := e.admin.CancelOrder(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "ZTO", TrackingNo: "7500000000001"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("ship a cancelled order: %v", err)
	}
	for id, want := range map[string]domain.OrderStatus{ids[0]: domain.OrderShipped, ids[1]: domain.OrderCancelled} {
		if o, err := e.ch.GetOrder(ctx, id); err != nil || o.Status != want {
			t.Fatalf("order %s: %s %v, want %s", id, o.Status, err, want)
		}
	}
	if err := e.admin.RefundOrder(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	if o, err := e.ch.GetOrder(ctx, ids[2]); err != nil || o.Status != domain.OrderCancelled || o.Lines[0].RefundStatus != "refunded" {
		t.Fatalf("refunded order %+v %v", o, err)
	}
	// 精选联盟 settlement: a completed order's commission settles (the
	// estimate kept beside it); a refunded one's is void.
	var settleID, voidID string
	for _, id := range cpsIDs {
		if id == ids[0] || id == ids[1] || id == ids[2] {
			continue
		}
		if settleID == "" {
			settleID = id
		} else if voidID == "" {
			voidID = id
		}
	}
	if err := e.sb.SettleOrder(settleID); err != nil {
		t.Fatal(err)
	}
	if err := e.admin.RefundOrder(ctx, voidID); err != nil {
		t.Fatal(err)
	}
	const est = 5990 * 1250 / 10000
	if o, err := e.ch.GetOrder(ctx, settleID); err != nil || o.CPS == nil || o.CPS.Settlement != domain.SettlementSettled ||
		o.CPS.Commission != est || o.CPS.Estimated != est || o.Lines[0].CPS.Settlement != domain.SettlementSettled {
		t.Fatalf("settled order %s: %+v %v", settleID, o.CPS, err)
	}
	if o, err := e.ch.GetOrder(ctx, voidID); err != nil || o.CPS == nil || o.CPS.Settlement != domain.SettlementCancelled || o.CPS.Commission != 0 {
		t.Fatalf("refunded order %s: %+v %v", voidID, o.CPS, err)
	}
	if _, err := e.ch.GetOrder(ctx, "6000000000000000001"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown order: %v", err)
	}
	if err := pool.LeavePromotionPool(ctx, res.IDs); err != nil {
		t.Fatal(err)
	}
	if _, open := e.sb.Plan(res.IDs.ItemID); open {
		t.Fatal("still in the pool")
	}
	if err := pool.JoinPromotionPool(ctx, res.IDs, 0); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("rate 0: %v", err)
	}
	if _, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: from.Add(-8 * 24 * time.Hour), To: from}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a window over 7 days: %v", err)
	}
}

// An order updated while a window is paged leaves it; no other order is
// skipped for it (pages are read last first).
func TestOrderLeavingTheWindowSkipsNone(t *testing.T) {
	e := setup(t, "the-secret")
	ctx := context.Background()
	if _, err := e.ch.UpsertProduct(ctx, push(50)); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(2 * time.Second)
	from := e.clk.Now()
	var ids []string
	for range 7 {
		got, err := e.admin.SellOrders(ctx, 1, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
		e.clk.Advance(time.Second)
	}
	q := connectors.OrderQuery{From: from, To: e.clk.Now(), PageSize: 2}
	e.clk.Advance(time.Minute)
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		page, err := e.ch.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			seen[o.PlatformOrderID] = true
		}
		if pages == 0 {
			if err := e.admin.CancelOrder(ctx, ids[0]); err != nil { // the oldest: first in update order
				t.Fatal(err)
			}
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	for _, id := range ids[1:] {
		if !seen[id] {
			t.Fatalf("order %s was skipped when %s left the window (read %v)", id, ids[0], seen)
		}
	}
}
