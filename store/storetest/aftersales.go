package storetest

import (
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// testAfterSales: a refund case is versioned like an order (its times do
// not make a version), its deliveries carry the case and the order as
// stored, and they wait for the order's earlier versions.
func testAfterSales(t *testing.T, s store.Store) {
	o := Order("3000000000000000007", domain.OrderShipped)
	oc, err := s.UpsertOrder(ctx, o)
	must(t, err)
	c := domain.AfterSale{Shop: shop, PlatformCaseID: "RF1", PlatformOrderID: o.PlatformOrderID, Kind: "refund",
		Status: domain.AfterSaleRequested, RefundAmount: 1990, CreatedAt: o.ModifiedAt, ModifiedAt: o.ModifiedAt,
		Lines: []domain.AfterSaleLine{{PlatformLineID: "1", Quantity: 1, RefundAmount: 1990}}}
	c1, err := s.UpsertAfterSale(ctx, c)
	must(t, err)
	if c1.Event != store.RefundCreated || c1.Revision != int(c.ModifiedAt.UnixMilli()) || c1.DeliveryID == "" {
		t.Fatalf("first upsert = %+v, want refund.created at the case's modification ms", c1)
	}
	d1, err := s.GetDelivery(ctx, c1.DeliveryID)
	must(t, err)
	if d1.Event != store.RefundCreated || d1.Refund == nil || d1.Refund.PlatformCaseID != "RF1" || d1.CaseID != "RF1" ||
		d1.Order.PlatformOrderID != o.PlatformOrderID || d1.Order.Status != domain.OrderShipped {
		t.Fatalf("refund delivery = %+v, want the case and the order as stored", d1)
	}
	// The order's version at the same revision goes first.
	if older, err := s.OlderPending(ctx, c1.DeliveryID); err != nil || older != oc.DeliveryID {
		t.Fatalf("OlderPending(refund) = %q, %v; want the order's delivery %s", older, err, oc.DeliveryID)
	}
	if older, err := s.OlderPending(ctx, oc.DeliveryID); err != nil || older != "" {
		t.Fatalf("OlderPending(order) = %q, %v; the refund must not hold its order", older, err)
	}

	restamped := c
	restamped.ModifiedAt = c.ModifiedAt.Add(time.Minute) // a later order version re-derives the same case
	again, err := s.UpsertAfterSale(ctx, restamped)
	must(t, err)
	if again.Event != "" || again.DeliveryID != "" {
		t.Fatalf("same case, later time only = %+v, want nothing", again)
	}

	done := c
	done.Status, done.ModifiedAt, done.CreatedAt = domain.AfterSaleRefunded, c.ModifiedAt.Add(2*time.Minute), c.ModifiedAt.Add(2*time.Minute)
	c2, err := s.UpsertAfterSale(ctx, done)
	must(t, err)
	if c2.Event != store.RefundUpdated || c2.Revision <= c1.Revision || c2.DeliveryID == c1.DeliveryID {
		t.Fatalf("refunded = %+v, want refund.updated at a higher revision", c2)
	}
	d2, err := s.GetDelivery(ctx, c2.DeliveryID)
	must(t, err)
	if !d2.Refund.CreatedAt.Equal(c.CreatedAt) || d2.Refund.Status != domain.AfterSaleRefunded {
		t.Fatalf("updated case %+v: want status refunded and the first CreatedAt kept", d2.Refund)
	}
	stale := c
	stale.Status, stale.ModifiedAt = domain.AfterSaleRejected, c.ModifiedAt.Add(-time.Hour)
	if ch, err := s.UpsertAfterSale(ctx, stale); err != nil || ch.Event != "" {
		t.Fatalf("an older snapshot = %+v, %v; want nothing", ch, err)
	}
	cases, err := s.AfterSales(ctx, shop, o.PlatformOrderID)
	must(t, err)
	if len(cases) != 1 || cases[0].Status != domain.AfterSaleRefunded {
		t.Fatalf("AfterSales = %+v, want the one case, refunded", cases)
	}
	if _, err := s.UpsertAfterSale(ctx, domain.AfterSale{Shop: shop, PlatformOrderID: "x"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a case without an id: %v, want invalid", err)
	}
}
