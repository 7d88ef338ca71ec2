package mapping_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

// tee3 is tee with a third SKU, listed as item 600000000001.
func tee3() domain.Product {
	p := tee()
	p.SKUs = append(p.SKUs, domain.SKU{Code: "YS-TS-001-WHT-XL", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "XL"}}, ListPrice: 6990, Stock: 4})
	return p
}

func listed3() []domain.ChannelListing {
	plan := mapping.PlanProductPush(shop, tee3(), nil, at)
	return plan.Pushed(connectors.ProductResult{Status: domain.ListingOnSale, IDs: connectors.ProductIDs{ItemID: "600000000001",
		SKUIDs: map[string]string{"YS-TS-001-WHT-M": "5001", "YS-TS-001-WHT-L": "5002", "YS-TS-001-WHT-XL": "5003"}}})
}

func statuses(ls []domain.ChannelListing) string {
	out := ""
	for _, l := range ls {
		out += fmt.Sprintf("%s:%s/%d ", l.SKUCode, l.Status, l.Stock)
	}
	return out
}

func TestPlanRemovals(t *testing.T) {
	removed := func(ls []domain.ChannelListing, codes ...string) []domain.ChannelListing {
		out := append([]domain.ChannelListing(nil), ls...)
		for i := range out {
			for _, c := range codes {
				if out[i].SKUCode == c {
					out[i].Status, out[i].Stock, out[i].ContentHash = domain.ListingRemoved, 0, ""
				}
			}
		}
		return out
	}
	unpushed := mapping.PlanProductPush(shop, tee3(), nil, at).Failed(errors.New("title too long"), connectors.ProductIDs{})
	cases := []struct {
		name     string
		product  domain.Product
		listings []domain.ChannelListing
		delist   string // item ids, comma-joined
		removals string // SKU codes
		unlisted string // SKU codes ended without a call
		upsert   bool
		relist   bool
	}{
		{name: "one SKU gone: removed, then the content (SKU set) updated", product: tee(), listings: listed3(),
			removals: "[YS-TS-001-WHT-XL]", upsert: true},
		{name: "every SKU gone (product removed): the item delisted", product: domain.Product{Code: "YS-TS-001"}, listings: listed3(),
			delist: "600000000001"},
		{name: "SKUs replaced by new ones: the old removed, the item updated", product: domain.Product{Code: "YS-TS-001", Title: "T恤",
			SKUs: []domain.SKU{{Code: "YS-TS-001-BLK-M", ListPrice: 5990, Stock: 1}}}, listings: listed3(),
			removals: "[YS-TS-001-WHT-L YS-TS-001-WHT-M YS-TS-001-WHT-XL]", upsert: true},
		{name: "already ended: nothing to do", product: tee(), listings: append(listed(tee()), removed(listed3(), "YS-TS-001-WHT-XL")[2])},
		{name: "removed product already delisted: nothing to do", product: domain.Product{Code: "YS-TS-001"},
			listings: removed(listed3(), "YS-TS-001-WHT-M", "YS-TS-001-WHT-L", "YS-TS-001-WHT-XL")},
		{name: "never on the platform: ended without a call", product: domain.Product{Code: "YS-TS-001"}, listings: unpushed,
			unlisted: "[YS-TS-001-WHT-L YS-TS-001-WHT-M YS-TS-001-WHT-XL]"},
		{name: "a removed SKU comes back: the item updated", product: tee3(), listings: removed(listed3(), "YS-TS-001-WHT-XL"), upsert: true},
		{name: "a delisted product comes back: updated and relisted", product: tee3(),
			listings: removed(listed3(), "YS-TS-001-WHT-M", "YS-TS-001-WHT-L", "YS-TS-001-WHT-XL"), upsert: true, relist: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan := mapping.PlanProductPush(shop, c.product, c.listings, at)
			if up := c.upsert || c.delist+c.removals+c.unlisted != ""; plan.UpToDate() == up {
				t.Fatalf("UpToDate = %v", plan.UpToDate())
			}
			var delist, removals []string
			for _, ids := range plan.Delist {
				delist = append(delist, ids.ItemID)
			}
			for _, r := range plan.Removals {
				removals = append(removals, r.SKUCode)
				if r.IDs.ItemID != "600000000001" || r.IDs.SKUIDs[r.SKUCode] == "" {
					t.Fatalf("removal %+v: want the item and the SKU's platform id", r)
				}
			}
			var unlisted []string
			for _, l := range plan.Unlisted() { // records them as ended
				unlisted = append(unlisted, l.SKUCode)
			}
			got := fmt.Sprintf("delist %v removals %v unlisted %v upsert %v relist %v", delist, removals, unlisted, plan.Upsert != nil, plan.Relist)
			want := fmt.Sprintf("delist %v removals %v unlisted %v upsert %v relist %v", sliceOf(c.delist), sliceOf(c.removals), sliceOf(c.unlisted), c.upsert, c.relist)
			if got != want {
				t.Fatalf("plan: %s\nwant: %s", got, want)
			}
			if plan.Upsert != nil && plan.Upsert.Known != nil {
				for code := range plan.Upsert.Known.SKUIDs {
					if l := listingOf(c.listings, code); l.Status == domain.ListingRemoved || !hasSKU(c.product, code) {
						t.Fatalf("known SKU ids carry %s, which is gone or was removed", code)
					}
				}
			}
		})
	}
}

// sliceOf reads "[a b c]" (a slice as fmt prints it) or "a"; "" is nil.
func sliceOf(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Fields(strings.Trim(v, "[]"))
}

func listingOf(ls []domain.ChannelListing, code string) domain.ChannelListing {
	for _, l := range ls {
		if l.SKUCode == code {
			return l
		}
	}
	return domain.ChannelListing{}
}

func hasSKU(p domain.Product, code string) bool {
	for _, s := range p.SKUs {
		if s.Code == code {
			return true
		}
	}
	return false
}

// What a removal records: the ended listing says removed at stock 0 with no
// content hash, so a SKU that comes back is pushed in full; a failure keeps
// the gone listings live with the reason, so the next push ends them.
func TestPlanRemovalRecords(t *testing.T) {
	plan := mapping.PlanProductPush(shop, tee(), listed3(), at)
	failed := plan.Failed(errors.New("tmall unavailable: gateway down"), connectors.ProductIDs{})
	if s := statuses(failed); s != "YS-TS-001-WHT-L:on_sale/0 YS-TS-001-WHT-M:on_sale/10 YS-TS-001-WHT-XL:on_sale/4 " {
		t.Fatalf("failed = %s", s)
	}
	for _, l := range failed {
		if l.LastError == "" {
			t.Fatalf("%s has no reason", l.SKUCode)
		}
	}
	ended := plan.SKURemoved(plan.Removals[0])
	if len(ended) != 1 || ended[0].Status != domain.ListingRemoved || ended[0].Stock != 0 || ended[0].ContentHash != "" ||
		ended[0].LastError != "" || ended[0].ItemID != "600000000001" || ended[0].Price != 6990 || !ended[0].PushedAt.Equal(at) {
		t.Fatalf("ended = %+v", ended)
	}
	// Once ended, a later failure of the same plan leaves it alone.
	if s := statuses(plan.Failed(errors.New("boom"), connectors.ProductIDs{})); s != "YS-TS-001-WHT-L:on_sale/0 YS-TS-001-WHT-M:on_sale/10 " {
		t.Fatalf("failed after the removal = %s", s)
	}

	gone := mapping.PlanProductPush(shop, domain.Product{Code: "YS-TS-001"}, listed3(), at)
	if gone.Upsert != nil || len(gone.Prices)+len(gone.Stocks)+len(gone.Removals) != 0 || len(gone.Delist) != 1 {
		t.Fatalf("plan of a removed product = %+v", gone)
	}
	if ids := gone.Delist[0]; ids.SKUIDs["YS-TS-001-WHT-XL"] != "5003" {
		t.Fatalf("delist ids = %+v", ids)
	}
	if s := statuses(gone.Delisted(gone.Delist[0])); s != "YS-TS-001-WHT-L:removed/0 YS-TS-001-WHT-M:removed/0 YS-TS-001-WHT-XL:removed/0 " {
		t.Fatalf("delisted = %s", s)
	}
	if !gone.UpToDate() {
		t.Fatal("a delisted removed product is up to date")
	}
}
