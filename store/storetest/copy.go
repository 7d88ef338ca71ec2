package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// For store.Copy: Populate writes a little of everything a store keeps,
// and Snapshot reads it all back through the interface, so that a copy is
// checked by what any caller would see.

// populated are the shops Populate writes.
var (
	outlet   = domain.ShopRef{Channel: "tmall", Shop: "outlet"}
	populate = []domain.ShopRef{shop, outlet}
)

// Populate fills a store with catalog, listings and change sets (one SKU
// dropped, so a removal is pending), orders in several versions with
// deliveries in every state, a refund case, rejections, a cursor, tokens,
// a ban, a pause, a breaker, price holds, reservations, a write lease, ERP
// versions and a shipment.
func Populate(t *testing.T, s store.Store) {
	t.Helper()
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	a, b, c := Product("A", 3), Product("B", 2), Product("C", 1)
	_, err := s.ImportProducts(ctx, []domain.Product{a, b, c})
	must(t, err)
	for _, sh := range populate {
		_, err := s.ChangedProducts(ctx, sh, "", 10) // tracks the shop
		must(t, err)
		must(t, s.SaveListings(ctx, append(pushed(sh, a), pushed(sh, b)...)))
	}
	must(t, s.SetPoolRate(ctx, shop, "A", 1500))
	a.SKUs = a.SKUs[:2] // A-2 leaves: its listings are to be ended
	b.SKUs[0].Stock = 3 // B changes: back in the change sets
	_, err = s.ImportProducts(ctx, []domain.Product{a, b})
	must(t, err)

	var ids []string
	for i := range 4 {
		o := Order(fmt.Sprint(7100+i), domain.OrderPaid)
		o.ModifiedAt = at.Add(time.Duration(i) * time.Minute)
		ch, err := s.UpsertOrder(ctx, o)
		must(t, err)
		ids = append(ids, ch.DeliveryID)
		if i == 0 {
			o.Status, o.ModifiedAt = domain.OrderShipped, o.ModifiedAt.Add(time.Hour)
			_, err := s.UpsertOrder(ctx, o)
			must(t, err)
		}
	}
	must(t, s.RecordDeliveryAttempt(ctx, ids[0], true, 200, ""))
	must(t, s.RecordDeliveryAttempt(ctx, ids[1], false, 503, "erp answered HTTP 503"))
	must(t, s.MarkDispatched(ctx, ids[2:3], at))
	_, err = s.UpsertAfterSale(ctx, domain.AfterSale{Shop: shop, PlatformCaseID: "RF9", PlatformOrderID: "7101", Kind: "refund_only",
		Status: domain.AfterSaleRequested, RefundAmount: 990, CreatedAt: at, ModifiedAt: at.Add(2 * time.Hour)})
	must(t, err)
	must(t, s.RecordOrderRejections(ctx, shop, []store.OrderRejection{{PlatformOrderID: "7999", Reason: "field tid: missing"}}))
	must(t, s.SetOrderCursor(ctx, shop, at))

	if _, _, claimed := claim(t, s, shop, "w1"); !claimed {
		t.Fatal("populate: token lease refused")
	}
	_, err = s.SaveToken(ctx, shop, "w1", connectors.Token{Access: "access-x", Refresh: "refresh-x", Expires: at.Add(2 * time.Hour)})
	must(t, err)
	must(t, s.SaveBan(ctx, outlet, at.Add(time.Minute)))
	must(t, s.PauseShop(ctx, domain.ShopPause{Shop: outlet, Reason: "stock count", By: "ops", At: at}))
	must(t, s.SaveBreaker(ctx, domain.ShopBreaker{Shop: shop, State: domain.BreakerOpen, Failures: 4, OpenUntil: at.Add(time.Minute), LastError: "503", Since: at}))

	h := holdOf(4990)
	h.CreatedAt, h.ExpiresAt = at, at.Add(time.Hour)
	_, _, _, err = s.RecordHold(ctx, h)
	must(t, err)
	h2 := holdOf(4590)
	h2.CreatedAt, h2.ExpiresAt = at.Add(time.Minute), at.Add(time.Hour)
	_, _, _, err = s.RecordHold(ctx, h2) // supersedes the first
	must(t, err)
	_, err = s.AddReservation(ctx, domain.StockReservation{Shop: shop, SKUCode: "A-0", Units: 5, From: at.Add(-time.Hour), Until: time.Now().Add(24 * time.Hour), By: "ops"})
	must(t, err)
	ok, err := s.ClaimWrite(ctx, shop, "A", "worker-1", time.Hour)
	must(t, err)
	if !ok {
		t.Fatal("populate: write lease refused")
	}
	stock := 7
	_, err = s.ApplySKUChanges(ctx, "req-1", []store.SKUChange{{SKU: "C-0", Stock: &stock, Version: 5}})
	must(t, err)
	must(t, s.RecordShipment(ctx, domain.ShipmentRecord{Shipment: domain.Shipment{Shop: shop, PlatformOrderID: "7100", Carrier: "SF", TrackingNo: "SF100"},
		Status: domain.ShipmentSent, UpdatedAt: at}))
}

// Snapshot reads back, through the interface, everything Populate wrote.
func Snapshot(t *testing.T, s store.Store) string {
	t.Helper()
	var b strings.Builder
	put := func(what string, v any, err error) {
		t.Helper()
		must(t, err)
		j, err := json.Marshal(v)
		must(t, err)
		fmt.Fprintf(&b, "%s: %s\n", what, j)
	}
	products, err := store.ListAllProducts(ctx, s, "", 0)
	put("products", products, err)
	spus, skus, err := s.CatalogStats(ctx)
	put("stats", []int{spus, skus}, err)
	for _, sh := range populate {
		codes, err := s.ChangedProducts(ctx, sh, "", 100)
		put(sh.String()+" changed", codes, err)
		ls, err := s.ListListings(ctx, sh, "", 100)
		put(sh.String()+" listings", ls, err)
		orders, err := s.ListOrders(ctx, sh, 0)
		put(sh.String()+" orders", orders, err)
		n, err := s.CountPendingDeliveries(ctx, sh)
		put(sh.String()+" pending", n, err)
		cur, ok, err := s.OrderCursor(ctx, sh)
		put(sh.String()+" cursor", []any{cur, ok}, err)
		tok, ok, err := s.LoadToken(ctx, sh)
		put(sh.String()+" token", []any{tok.Access.Reveal(), tok.Refresh.Reveal(), tok.Expires, tok.Version, ok}, err)
		ban, err := s.LoadBan(ctx, sh)
		put(sh.String()+" ban", ban, err)
		rej, err := s.OrderRejections(ctx, sh, 0)
		put(sh.String()+" rejections", rej, err)
	}
	pending, err := s.PendingDeliveries(ctx, 0)
	put("pending deliveries", pending, err)
	stats, err := s.DeliveryStats(ctx)
	put("delivery stats", stats, err)
	cases, err := s.AfterSales(ctx, shop, "7101")
	put("after-sales", cases, err)
	pauses, err := s.ListPauses(ctx)
	put("pauses", pauses, err)
	breakers, err := s.ListBreakers(ctx)
	put("breakers", breakers, err)
	holds, err := s.ListHolds(ctx, store.HoldFilter{})
	put("holds", holds, err)
	res, err := s.ListReservations(ctx, true, 100)
	put("reservations", res, err)
	ships, err := s.Shipments(ctx, shop, "7100")
	put("shipments", ships, err)
	live, err := s.LivePrices(ctx, "A-0")
	put("live prices", fmt.Sprint(live), err)
	return b.String()
}

// Diff lists the lines of two snapshots that differ ("" when none).
func Diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "want %s\n got %s\n", wl, gl)
		}
	}
	return b.String()
}
