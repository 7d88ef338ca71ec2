package vipshop_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
	sbvip "github.com/syncctl/syncctl/sandbox/vipshop"
)

// A buyer's cancellation waiting for its audit is seen only through
// batchGetCancelInfo: the pull of the window it was made in delivers the
// order (which getOrders does not list) with its lines cancel_requested, a
// new version the ERP hears as order.updated; approved, the order is
// cancelled.
func TestCancelApplicationReachesThePull(t *testing.T) {
	ctx := context.Background()
	var offset atomic.Int64 // the sandbox's clock runs ahead by this much
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())).Truncate(time.Second) }
	e := open(t, func(c *sbvip.Config) {
		c.CancelDelay = time.Hour
		c.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	}, nil)
	e.listed(t)
	sold := now()
	ids, err := e.admin.SellOrders(ctx, 3, "")
	if err != nil {
		t.Fatal(err)
	}
	first, _ := walk(t, e, connectors.OrderQuery{From: sold.Add(-time.Minute), To: sold.Add(time.Minute)})
	before := first[ids[0]]
	if before.Status != domain.OrderPaid || before.Lines[0].RefundStatus != "" {
		t.Fatalf("before: %s %q", before.Status, before.Lines[0].RefundStatus)
	}

	offset.Store(int64(2 * time.Minute))
	if err := e.admin.CancelOrder(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	// The window of the application only: getOrders lists nothing there.
	got, _ := walk(t, e, connectors.OrderQuery{From: sold.Add(time.Minute), To: now().Add(time.Minute)})
	o, ok := got[ids[0]]
	if len(got) != 1 || !ok || o.Status != domain.OrderPaid || o.PlatformStatus != "10" || o.Lines[0].RefundStatus != vipmap.LineCancelRequested {
		t.Fatalf("the application's window: %d orders, %+v", len(got), o)
	}
	if o.Version() == before.Version() || o.ModifiedAt.Before(before.ModifiedAt) {
		t.Fatalf("no new version for the ERP: %s vs %s", o.Version(), before.Version())
	}
	// The orders' own window again: the same versions as the application's.
	again, _ := walk(t, e, connectors.OrderQuery{From: sold.Add(-time.Minute), To: now().Add(time.Minute)})
	if len(again) != 3 || again[ids[0]].Version() != o.Version() || again[ids[1]].Version() != first[ids[1]].Version() {
		t.Fatalf("re-pull: %d orders, %s vs %s", len(again), again[ids[0]].Version(), o.Version())
	}
	if g, err := e.ch.GetOrder(ctx, ids[0]); err != nil || g.Version() != o.Version() {
		t.Fatalf("GetOrder: %v %+v", err, g)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "YUNDA", TrackingNo: "4312345678901"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("shipping an order being cancelled: %v", err)
	}
	// Approved: cancelled, as getOrders now says too.
	e.sb.SetCancelDelay(0)
	if g, err := e.ch.GetOrder(ctx, ids[0]); err != nil || g.Status != domain.OrderCancelled || g.PlatformStatus != "97" {
		t.Fatalf("approved: %v %s %s", err, g.Status, g.PlatformStatus)
	}
}
