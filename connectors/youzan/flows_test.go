package youzan_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
)

// walk reads every page of a window and returns the orders by tid.
func walk(t *testing.T, ch connectors.Channel, q connectors.OrderQuery) map[string]domain.SalesOrder {
	t.Helper()
	got := map[string]domain.SalesOrder{}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("no end of pages")
		}
		page, err := ch.ListOrders(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Rejected) > 0 {
			t.Fatalf("rejected: %+v", page.Rejected)
		}
		for _, o := range page.Orders {
			got[o.PlatformOrderID] = o
		}
		if page.NextPageToken == "" {
			return got
		}
		q.PageToken = page.NextPageToken
	}
}

func TestShip(t *testing.T) {
	e := setup(t, "csecret", nil)
	ctx := context.Background()
	if _, err := e.ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	ids, err := e.sb.SellSalesmanOrders(1, "YS-TS-001-WHT-M", false)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	from := e.clk.Now()
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1234567890"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	got := walk(t, e.ch, connectors.OrderQuery{From: from, To: e.clk.Now()})
	if o, ok := got[ids[0]]; !ok || o.Status != domain.OrderShipped || o.PlatformStatus != "WAIT_BUYER_CONFIRM_GOODS" {
		t.Fatalf("the next pull after shipping: %+v", got)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1234567890"}); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("shipped twice: %v", err)
	}

	// A split shipment, line by line.
	tid, err := e.sb.SellMulti(false, "YS-TS-001-WHT-M", "YS-TS-001-BLK-L")
	if err != nil {
		t.Fatal(err)
	}
	o, err := e.ch.GetOrder(ctx, tid)
	if err != nil || len(o.Lines) != 2 {
		t.Fatalf("order: %+v %v", o, err)
	}
	calls := e.sb.Calls("youzan.logistics.online.confirm")
	for _, bad := range []domain.Shipment{
		{PlatformOrderID: tid, Carrier: "JTSD", TrackingNo: "JT0001"},
		{PlatformOrderID: tid, Carrier: "ZTO", TrackingNo: "ZT1", Lines: []domain.ShipmentLine{{PlatformLineID: o.Lines[0].PlatformLineID, Quantity: 3}}},
		{PlatformOrderID: tid, Carrier: "ZTO", TrackingNo: "ZT1", Lines: []domain.ShipmentLine{{PlatformLineID: "1"}}},
	} {
		if err := e.ch.Ship(ctx, bad); err == nil {
			t.Errorf("%+v was shipped", bad)
		}
	}
	if n := e.sb.Calls("youzan.logistics.online.confirm"); n != calls {
		t.Fatalf("refused shipments reached the platform (%d calls)", n-calls)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: tid, Carrier: "ZTO", TrackingNo: "ZT1",
		Lines: []domain.ShipmentLine{{PlatformLineID: o.Lines[0].PlatformLineID, Quantity: 1}}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := e.ch.GetOrder(ctx, tid); o.Status != domain.OrderPaid {
		t.Fatalf("one of two lines shipped: %s", o.Status)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: tid, Carrier: "ZTO", TrackingNo: "ZT2",
		Lines: []domain.ShipmentLine{{PlatformLineID: o.Lines[1].PlatformLineID}}}); err != nil {
		t.Fatal(err)
	}
	if o, _ := e.ch.GetOrder(ctx, tid); o.Status != domain.OrderShipped {
		t.Fatalf("both lines shipped: %s", o.Status)
	}
}

// TestMayExistFindsTheItem: a create that reached the platform (its
// answer lost) is found by item_no on the retry and updated, not created
// twice.
func TestMayExistFindsTheItem(t *testing.T) {
	e := setup(t, "csecret", nil)
	ctx := context.Background()
	first, err := e.ch.UpsertProduct(ctx, push()) // the worker died before recording this
	if err != nil {
		t.Fatal(err)
	}
	p := push()
	p.MayExist = true
	p.Prices["YS-TS-001-WHT-M"] = 6590
	res, err := e.ch.UpsertProduct(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	items := e.sb.AdminItems()
	if len(items) != 1 || res.IDs.ItemID != first.IDs.ItemID || res.IDs.SKUIDs["YS-TS-001-WHT-M"] != first.IDs.SKUIDs["YS-TS-001-WHT-M"] ||
		items[0].SKUs[0].PriceFen != 6590 {
		t.Fatalf("retry: %+v, items %+v", res.IDs, items)
	}
	if e.sb.Calls("youzan.items.custom.get") != 1 || e.sb.Calls("youzan.item.create") != 1 {
		t.Fatalf("lookups %d, creates %d", e.sb.Calls("youzan.items.custom.get"), e.sb.Calls("youzan.item.create"))
	}
	// A create that never reached the platform is made on the retry.
	other := push()
	other.MayExist = true
	other.Product.Code = "YS-TS-002"
	for i := range other.Product.SKUs {
		other.Product.SKUs[i].Code = "YS-TS-002-" + other.Product.SKUs[i].Code[10:]
	}
	other.Prices = map[string]domain.Money{"YS-TS-002-WHT-M": 100, "YS-TS-002-BLK-L": 200}
	if res, err := e.ch.UpsertProduct(ctx, other); err != nil || res.IDs.ItemID == first.IDs.ItemID || len(e.sb.AdminItems()) != 2 {
		t.Fatalf("not there yet: %+v %v", res.IDs, err)
	}
	// Two items with the item_no: a conflict to settle in the shop.
	p.MayExist = false
	if _, err := e.ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	p.MayExist = true
	if _, err := e.ch.UpsertProduct(ctx, p); domain.ErrorCode(err) != domain.EConflict {
		t.Fatalf("two items: %v", err)
	}
}

// TestSalesmanOrders: orders sold by a 分销员 carry the promoter and the
// commission; when a window holds too many records to page, each order is
// asked by order_no.
func TestSalesmanOrders(t *testing.T) {
	e := setup(t, "csecret", map[string]string{"order_page_size": "2"})
	ctx := context.Background()
	p := push()
	p.Stocks["YS-TS-001-WHT-M"] = 500
	if _, err := e.ch.UpsertProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	from := e.clk.Now()
	promoted, err := e.sb.SellSalesmanOrders(3, "YS-TS-001-BLK-L", true)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := e.sb.SellSalesmanOrders(2, "YS-TS-001-BLK-L", false)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Second)
	got := walk(t, e.ch, connectors.OrderQuery{From: from, To: e.clk.Now()})
	for _, id := range promoted {
		o := got[id]
		c := o.CPS
		if c == nil || c.PromoterID == "" || c.PromoterName == "" || c.PromoterName[3:7] != "****" || c.CommissionRate <= 0 ||
			c.Commission != o.Amounts.Paid*domain.Money(c.CommissionRate)/10000 || o.Lines[0].CPS == nil || *o.Lines[0].CPS != *c ||
			c.Settlement != domain.SettlementPending || c.Estimated != 0 {
			t.Fatalf("promoted order %s: %+v %+v", id, c, o)
		}
	}
	for _, id := range plain {
		if o := got[id]; o.CPS != nil || o.PlatformOrderID == "" {
			t.Fatalf("plain order %s: %+v", id, o)
		}
	}
	if o, err := e.ch.GetOrder(ctx, promoted[0]); err != nil || o.CPS == nil || *o.CPS != *got[promoted[0]].CPS {
		t.Fatalf("GetOrder: %+v %v", o.CPS, err)
	}
	// Two orders updated in one second but created far apart, with 400
	// promoted orders created between them: the page's window holds more
	// records than it is worth paging, so each order is asked by order_no.
	e.clk.Advance(time.Minute)
	a, _ := e.sb.SellSalesmanOrders(1, "YS-TS-001-WHT-M", true)
	e.clk.Advance(time.Second)
	if _, err := e.sb.SellSalesmanOrders(400, "YS-TS-001-WHT-M", true); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(10 * time.Second)
	b, _ := e.sb.SellSalesmanOrders(1, "YS-TS-001-WHT-M", false)
	e.clk.Advance(time.Minute)
	from = e.clk.Now()
	for _, id := range []string{a[0], b[0]} {
		if err := e.sb.CancelOrder(id); err != nil {
			t.Fatal(err)
		}
	}
	e.clk.Advance(time.Second)
	before := e.sb.Calls("youzan.salesman.trades.get")
	got = walk(t, e.ch, connectors.OrderQuery{From: from, To: e.clk.Now()})
	if len(got) != 2 || got[a[0]].CPS == nil || got[b[0]].CPS != nil || got[a[0]].Status != domain.OrderCancelled ||
		got[a[0]].CPS.Settlement != domain.SettlementCancelled {
		t.Fatalf("cancelled pair: %+v", got)
	}
	if calls := e.sb.Calls("youzan.salesman.trades.get") - before; calls != 3 {
		t.Fatalf("%d salesman calls: want the window's first page, then one per order", calls)
	}
}

// TestWindowOf10500: the admin client sells 10 500 orders in two calls;
// one window holds more than trades.sold.get pages (10 000), and the
// connector walks every order of it, with the platform's own limits.
func TestWindowOf10500(t *testing.T) {
	if testing.Short() {
		t.Skip("10 500 orders")
	}
	e := setup(t, "csecret", nil)
	e.clk.Advance(-time.Hour) // the window is read after it closed, as the order pull does
	ctx := context.Background()
	p := push()
	p.Stocks = map[string]int{"YS-TS-001-WHT-M": 6000, "YS-TS-001-BLK-L": 6000}
	if _, err := e.ch.UpsertProduct(ctx, p); err != nil {
		t.Fatal(err)
	}
	from := e.clk.Now()
	admin := kit.AdminClient{BaseURL: e.ts.URL}
	a, err := admin.SellOrders(ctx, kit.MaxAdminOrders, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := admin.SellOrders(ctx, 500, "")
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Minute)
	got := walk(t, e.ch, connectors.OrderQuery{From: from, To: e.clk.Now()})
	promoted := 0
	for _, id := range append(a, b...) {
		o, ok := got[id]
		if !ok {
			t.Fatalf("order %s was not read (%d of 10500)", id, len(got))
		}
		if o.CPS != nil {
			promoted++
		}
	}
	if len(got) != 10500 || promoted < 2000 || promoted > 3300 {
		t.Fatalf("%d orders read, %d by a 分销员", len(got), promoted)
	}
	if n := e.sb.Calls("youzan.trades.sold.get"); n < 106 || n > 300 {
		t.Fatalf("%d trades.sold.get calls for 10 500 orders", n)
	}
	if n := e.sb.Calls("youzan.salesman.trades.get"); n > 200 {
		t.Fatalf("%d salesman.trades.get calls: the windows' records were not reused", n)
	}
}
