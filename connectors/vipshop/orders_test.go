package vipshop_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// walk reads every page of a window.
func walk(t *testing.T, e *env, q connectors.OrderQuery) (map[string]domain.SalesOrder, int) {
	t.Helper()
	got, pages := map[string]domain.SalesOrder{}, 0
	for {
		page, err := e.ch.ListOrders(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Rejected) > 0 {
			t.Fatalf("rejected %+v", page.Rejected)
		}
		for _, o := range page.Orders {
			got[o.PlatformOrderID] = o
		}
		if page.NextPageToken == "" {
			return got, pages
		}
		q.PageToken = page.NextPageToken
	}
}

func TestOrders(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	e.listed(t)
	ids, err := e.admin.SellOrders(ctx, 7, "")
	if err != nil || len(ids) != 7 {
		t.Fatalf("sell %v %v", ids, err)
	}
	if err := e.admin.CancelOrder(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	q := connectors.OrderQuery{From: now.Add(-time.Hour), To: now.Add(time.Minute), PageSize: 3}
	got, pages := walk(t, e, q)
	if len(got) != 7 || pages != 3 {
		t.Fatalf("%d orders in %d pages, want 7 in 3", len(got), pages)
	}
	for _, id := range ids {
		o, ok := got[id]
		if !ok {
			t.Fatalf("order %s missing", id)
		}
		l := o.Lines[0]
		if len(o.Lines) != 1 || !strings.HasPrefix(l.SKUCode, "YS-TS-001-") || l.Quantity != 1 || o.Amounts.Goods != l.Paid ||
			o.Amounts.Paid != o.Amounts.Goods+o.Amounts.Freight-o.Amounts.Discount || !strings.Contains(o.Receiver.Phone, "*") || o.Currency != "CNY" {
			t.Errorf("order %+v", o)
		}
	}
	if o := got[ids[0]]; o.Status != domain.OrderCancelled || o.PlatformStatus != "97" {
		t.Errorf("cancelled: %s %s", o.Status, o.PlatformStatus)
	}
	if o := got[ids[1]]; o.Status != domain.OrderPaid || o.PlatformStatus != "10" {
		t.Errorf("to ship: %s", o.Status)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "YUNDA", TrackingNo: "4312345678901"}); err != nil {
		t.Fatal(err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[1], Carrier: "YUNDA", TrackingNo: "4312345678901"}); err != nil {
		t.Errorf("the same shipment again: %v", err)
	}
	if o, err := e.ch.GetOrder(ctx, ids[1]); err != nil || o.Status != domain.OrderShipped {
		t.Errorf("shipped: %s %v", o.Status, err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1"}); domain.ErrorCode(err) != domain.EConflict {
		t.Errorf("shipping a cancelled order: %v", err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[2], Carrier: "UPS", TrackingNo: "1Z"}); domain.ErrorCode(err) != domain.EInvalid ||
		!strings.Contains(err.Error(), "carrier") {
		t.Errorf("unknown carrier: %v", err)
	}
	if err := e.ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[2], Carrier: "ZTO", TrackingNo: "7800",
		Lines: []domain.ShipmentLine{{PlatformLineID: "999"}}}); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("unknown line: %v", err)
	}
	if _, err := e.ch.GetOrder(ctx, "24999999999999999"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("unknown order: %v", err)
	}
	if _, err := e.ch.ListOrders(ctx, connectors.OrderQuery{From: now.Add(-25 * time.Hour), To: now}); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("25-hour window: %v", err)
	}
	c := e.ch.Capabilities()
	if !c.Review || c.OrderWindowMax != 24*time.Hour || c.OrderLookback > 90*24*time.Hour {
		t.Errorf("capabilities %+v", c)
	}
}

// An order already read that is modified while the window is paged leaves
// it and moves the later orders up a place; read last page first, that
// skips none of them.
func TestOrdersModifiedWhilePaging(t *testing.T) {
	ctx := context.Background()
	e := open(t, nil, nil)
	e.listed(t)
	ids, err := e.admin.SellOrders(ctx, 6, "")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	now := time.Now()
	q := connectors.OrderQuery{From: now.Add(-time.Hour), To: now, PageSize: 2}
	first, err := e.ch.ListOrders(ctx, q)
	if err != nil || first.NextPageToken == "" || len(first.Orders) != 2 {
		t.Fatalf("first page %+v %v", first, err)
	}
	seen := map[string]bool{}
	for _, o := range first.Orders {
		seen[o.PlatformOrderID] = true
	}
	time.Sleep(1100 * time.Millisecond) // the cancellation falls after the window
	if err := e.admin.CancelOrder(ctx, first.Orders[0].PlatformOrderID); err != nil {
		t.Fatal(err)
	}
	q.PageToken = first.NextPageToken
	got, _ := walk(t, e, q)
	for id := range got {
		seen[id] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("order %s skipped", id)
		}
	}
}
