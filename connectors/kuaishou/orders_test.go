package kuaishou

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	sandbox "github.com/syncctl/syncctl/sandbox/kuaishou"
)

// TestOrdersWalkEveryPage: 5000 orders sold through the admin client (a
// mix of normal, CPS from ~20 promoters, cancelled and refunding), then
// ListOrders walks every page of the window until "nomore".
func TestOrdersWalkEveryPage(t *testing.T) {
	e := setup(t, nil)
	e.sb.SetMix(sandbox.DefaultMix)
	ch := e.channel(t, nil)
	ctx := context.Background()
	p := push()
	p.Stocks = map[string]int{"YS-TS-001-WHT-M": 4000, "YS-TS-001-BLK-L": 4000}
	res, err := ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if err := ch.JoinPromotionPool(ctx, res.IDs, 2000); err != nil {
		t.Fatal(err)
	}
	from := e.clk.Now()
	ids, err := kit.AdminClient{BaseURL: e.ts.URL}.SellOrders(ctx, 5000, "")
	if err != nil || len(ids) != 5000 {
		t.Fatalf("sold %d: %v", len(ids), err)
	}
	e.clk.Advance(time.Minute)
	q := connectors.OrderQuery{From: from, To: e.clk.Now()}
	got := map[string]domain.SalesOrder{}
	promoters := map[string]bool{}
	var cancelled, refunding, pages int
	for ; ; pages++ {
		if pages > 200 {
			t.Fatal("no end of pages")
		}
		page, err := ch.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rejected) > 0 {
			t.Fatalf("rejected %+v", page.Rejected[0])
		}
		for _, o := range page.Orders {
			if _, dup := got[o.PlatformOrderID]; dup {
				t.Fatalf("order %s twice", o.PlatformOrderID)
			}
			got[o.PlatformOrderID] = o
			switch {
			case o.Status == domain.OrderCancelled:
				cancelled++
			case o.Lines[0].RefundStatus == "refunding":
				refunding++
			}
			if o.CPS != nil {
				promoters[o.CPS.PromoterID] = true
				if o.CPS.CommissionRate != 2000 || o.CPS.Commission != o.Lines[0].Paid*20/100 || o.CPS.PromoterName == "" {
					t.Fatalf("cps %+v of %+v", o.CPS, o.Lines[0])
				}
			}
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if len(got) != 5000 || pages+1 != 100 {
		t.Fatalf("read %d of 5000 orders in %d pages", len(got), pages+1)
	}
	if cancelled == 0 || refunding == 0 || len(promoters) < 15 {
		t.Fatalf("mix: %d cancelled, %d refunding, %d promoters", cancelled, refunding, len(promoters))
	}
	o, err := ch.GetOrder(ctx, ids[0])
	if err != nil || o.PlatformOrderID != ids[0] || o.Lines[0].SKUCode == "" {
		t.Fatalf("GetOrder %+v %v", o, err)
	}
	if _, err := ch.GetOrder(ctx, "2118200000000000001"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown order: %v", err)
	}
}

func TestOrderWindows(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, nil)
	ctx := context.Background()
	now := e.clk.Now()
	for _, q := range []connectors.OrderQuery{
		{From: now, To: now},
		{From: now.Add(-OrderWindowMax - time.Second), To: now},
		{From: now.Add(-OrderLookback - time.Hour), To: now.Add(-OrderLookback + time.Hour)},
		{From: now.Add(-time.Hour), To: now, PageToken: "v1|1|2|"},
	} {
		if _, err := ch.ListOrders(ctx, q); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%v → %v", q, err)
		}
	}
	if calls := e.sb.Calls("open.order.cursor.list"); calls != 0 {
		t.Fatalf("%d calls for windows the platform refuses", calls)
	}
	if c := ch.Capabilities(); c.OrderWindowMax != 7*24*time.Hour || c.OrderLookback != 90*24*time.Hour {
		t.Fatalf("capabilities %+v", c)
	}
}

func TestShip(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, nil)
	ctx := context.Background()
	if _, err := ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	ids, err := e.sb.SellOrders(2, "YS-TS-001-BLK-L")
	if err != nil {
		t.Fatal(err)
	}
	s := domain.Shipment{PlatformOrderID: ids[0], Carrier: "ZTO", TrackingNo: "ZT7300012345678",
		Lines: []domain.ShipmentLine{{PlatformLineID: ids[0], Quantity: 1}}}
	if err := ch.Ship(ctx, s); err != nil {
		t.Fatal(err)
	}
	if no, code, status := e.sb.Shipment(ids[0]); no != "ZT7300012345678" || code != 9 || status != sandbox.StatusShipped {
		t.Fatalf("shipped as %s %d %d", no, code, status)
	}
	// A retried ship of the same parcel is done; another parcel is a conflict.
	if err := ch.Ship(ctx, s); err != nil {
		t.Fatalf("retried ship: %v", err)
	}
	s.TrackingNo = "ZT000"
	if err := ch.Ship(ctx, s); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("ship again with another parcel: %v", err)
	}
	bad := []domain.Shipment{
		{PlatformOrderID: ids[1], Carrier: "UPS", TrackingNo: "1Z"},
		{PlatformOrderID: ids[1], Carrier: "SF", TrackingNo: ""},
		{PlatformOrderID: ids[1], Carrier: "SF", TrackingNo: "SF1", Lines: []domain.ShipmentLine{{PlatformLineID: ids[1], Quantity: 2}}},
	}
	for _, b := range bad {
		if err := ch.Ship(ctx, b); domain.ErrorCode(err) != domain.EInvalid {
			t.Errorf("%+v: %v", b, err)
		}
	}
	if err := ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "SF", TrackingNo: "SF1", Lines: []domain.ShipmentLine{{PlatformLineID: "1"}}}); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("foreign line: %v", err)
	}
}

func TestPromotionPool(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, nil)
	ctx := context.Background()
	res, err := ch.UpsertProduct(ctx, push())
	if err != nil {
		t.Fatal(err)
	}
	item, _ := strconv.ParseInt(res.IDs.ItemID, 10, 64)
	plan := func() sandbox.PlanView { return e.sb.Plans()[item] }
	if err := ch.JoinPromotionPool(ctx, res.IDs, 2000); err != nil || plan().RatePct != 20 || !plan().Open {
		t.Fatalf("join: %+v %v", plan(), err)
	}
	if err := ch.JoinPromotionPool(ctx, res.IDs, 1250); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("12.5 %%: %v", err)
	}
	writes := func() int {
		return e.sb.Calls("open.distribution.plan.create") + e.sb.Calls("open.distribution.plan.update")
	}
	before := writes()
	if err := ch.JoinPromotionPool(ctx, res.IDs, 2000); err != nil || writes() != before {
		t.Fatalf("joining again at the same rate wrote: %v", err)
	}
	if err := ch.JoinPromotionPool(ctx, res.IDs, 3000); err != nil || plan().RatePct != 30 {
		t.Fatalf("new rate: %+v %v", plan(), err)
	}
	if err := ch.LeavePromotionPool(ctx, res.IDs); err != nil || plan().Open {
		t.Fatalf("leave: %+v %v", plan(), err)
	}
	before = writes()
	if err := ch.LeavePromotionPool(ctx, res.IDs); err != nil || writes() != before {
		t.Fatalf("leaving again wrote: %v", err)
	}
	if err := ch.JoinPromotionPool(ctx, res.IDs, 3000); err != nil || !plan().Open || plan().RatePct != 30 {
		t.Fatalf("rejoin: %+v %v", plan(), err)
	}
}

// TestThrottles: the platform's throttle texts become ERateLimited with a
// wait: a pause for QPS; for a daily quota the rest of the GMT+8 day, and
// an API whose own quota ([1017]) ran out is not called again while the
// others go on.
func TestThrottles(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, nil)
	ctx := context.Background()
	admin := kit.AdminClient{BaseURL: e.ts.URL}
	if err := admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, SubCode: sandbox.ThrottleQPS, Method: "open.order.cursor.list", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err := ch.ListOrders(ctx, e.window())
	if de, ok := err.(*domain.Error); !ok || de.Code != domain.ERateLimited || de.RetryAfter != qpsWait {
		t.Fatalf("qps: %v", err)
	}
	if err := admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, SubCode: sandbox.ThrottleAPIQuota, Method: "open.order.detail", Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = ch.GetOrder(ctx, "2118200000000000001")
	if de, ok := err.(*domain.Error); !ok || de.Code != domain.ERateLimited || de.RetryAfter < time.Second || de.RetryAfter > 24*time.Hour {
		t.Fatalf("[1017]: %v", err)
	}
	calls := e.sb.Calls("open.order.detail")
	if _, err := ch.GetOrder(ctx, "2118200000000000001"); domain.ErrorCode(err) != domain.ERateLimited || e.sb.Calls("open.order.detail") != calls {
		t.Fatalf("an exhausted API was called again: %v", err)
	}
	if _, err := ch.ListOrders(ctx, e.window()); err != nil {
		t.Fatalf("another API after [1017]: %v", err)
	}
	if err := admin.AddFault(ctx, kit.Fault{Kind: kit.FaultRateLimit, SubCode: sandbox.ThrottleQuota, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = ch.ListOrders(ctx, e.window())
	want := untilTomorrow(e.clk.Now())
	if de, ok := err.(*domain.Error); !ok || de.Code != domain.ERateLimited || de.RetryAfter > want || de.RetryAfter < want-time.Minute {
		t.Fatalf("daily quota: %v", err)
	}
	// The shop is held until the quota resets: no call reaches the platform.
	served := e.sb.Calls("open.order.cursor.list")
	if _, err := ch.ListOrders(ctx, e.window()); domain.ErrorCode(err) != domain.ERateLimited || e.sb.Calls("open.order.cursor.list") != served {
		t.Fatalf("called inside the quota ban: %v", err)
	}
}

// TestOrderUpdatedWhilePagingIsRead: an order not read yet that is updated
// while the window is paged moves behind the cursor and is still read;
// none of the others is skipped.
func TestOrderUpdatedWhilePagingIsRead(t *testing.T) {
	e := setup(t, nil)
	ch := e.channel(t, map[string]string{"order_page_size": "2"})
	ctx := context.Background()
	if _, err := ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	from := e.clk.Now()
	var ids []string
	for range 6 {
		got, err := e.sb.SellOrders(1, "YS-TS-001-BLK-L")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
		e.clk.Advance(time.Second)
	}
	q := connectors.OrderQuery{From: from, To: from.Add(time.Hour)}
	seen := map[string]domain.OrderStatus{}
	for pages := 0; ; pages++ {
		page, err := ch.ListOrders(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			seen[o.PlatformOrderID] = o.Status
		}
		if pages == 0 {
			e.clk.Advance(time.Second)
			if err := e.sb.CancelOrder(ids[3]); err != nil {
				t.Fatal(err)
			}
		}
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	for _, id := range ids {
		if _, ok := seen[id]; !ok {
			t.Fatalf("order %s skipped (read %v)", id, seen)
		}
	}
	if seen[ids[3]] != domain.OrderCancelled {
		t.Fatalf("the updated order was read before its update: %v", seen[ids[3]])
	}
}
