package stack

// The checks the demo runs on what each shop and the ERP show.

import (
	"context"
	"fmt"
	"sort"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
)

// checkPool checks every product on sale is in the shop's promotion pool at
// the rate its policy gives it, and nothing else is.
func (s *Stack) checkPool(ctx context.Context, d *demoShop, policy domain.CommissionPolicy) (*PoolSummary, error) {
	shop := d.sb.Shop
	rates, onSale := map[string]int{}, map[string]bool{}
	for after := ""; ; {
		page, err := s.Store.ListListings(ctx, shop, after, 500)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].SKUCode
		for _, l := range page {
			rates[l.ProductCode] = max(rates[l.ProductCode], l.PoolRate)
			onSale[l.ProductCode] = onSale[l.ProductCode] || l.Status == domain.ListingOnSale
		}
	}
	sum := &PoolSummary{MinRate: -1}
	codes := make([]string, 0, len(rates))
	for code := range rates {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		want := 0
		if onSale[code] {
			p, err := s.Store.GetProduct(ctx, code)
			if err != nil {
				return nil, err
			}
			want = policy.Rate(p)
		}
		if got := rates[code]; got != want {
			d.fail("pool %s %s: commission %s, want %s", shop, code, domain.FormatRate(got), domain.FormatRate(want))
		}
		if r := rates[code]; r > 0 {
			sum.InPool++
			sum.MaxRate = max(sum.MaxRate, r)
			if sum.MinRate < 0 || r < sum.MinRate {
				sum.MinRate = r
			}
		}
	}
	sum.MinRate = max(sum.MinRate, 0)
	return sum, nil
}

// promoted reports whether a promoter sold the order or one of its lines.
func promoted(o domain.SalesOrder) bool {
	if o.CPS != nil && o.CPS.PromoterID != "" {
		return true
	}
	for _, l := range o.Lines {
		if l.CPS != nil && l.CPS.PromoterID != "" {
			return true
		}
	}
	return false
}

// checkListing compares what the channel lists with the catalog: every SKU
// exactly once, one item per product, nothing the catalog does not have.
func checkListing(shop domain.ShopRef, spus, skus []string, items []kit.Item) []string {
	var out []string
	inCatalog := map[string]bool{}
	for _, c := range spus {
		inCatalog[c] = true
	}
	seen := map[string]int{}
	for _, it := range items {
		if !inCatalog[it.OuterID] {
			out = append(out, fmt.Sprintf("item %s (outer id %q) on %s is not a catalog product", it.ItemID, it.OuterID, shop))
		}
		for _, k := range it.SKUs {
			seen[k.OuterID]++
		}
	}
	if len(items) != len(spus) {
		out = append(out, fmt.Sprintf("%s lists %d items for %d catalog products (want one each)", shop, len(items), len(spus)))
	}
	known := map[string]bool{}
	for _, code := range skus {
		known[code] = true
		if n := seen[code]; n != 1 {
			out = append(out, fmt.Sprintf("sku %s is listed %d times on %s (want exactly 1)", code, n, shop))
		}
	}
	var extra []string
	for code := range seen {
		if !known[code] {
			extra = append(extra, code)
		}
	}
	sort.Strings(extra)
	for _, code := range extra {
		out = append(out, fmt.Sprintf("sku %q is listed on %s but is not in the catalog", code, shop))
	}
	return out
}

// checkReceiver compares what the built-in ERP received with the order
// index: every order this run sold arrived at its latest revision, each
// revision applied once; nothing arrived that syncctl did not pull.
func checkReceiver(s *Stack, all, ours []store.OrderRecord) []string {
	var out []string
	st := s.Receiver.Stats()
	if st.BadSignature > 0 || st.BadRequest > 0 {
		out = append(out, fmt.Sprintf("the ERP refused %d webhooks for their signature and %d as malformed", st.BadSignature, st.BadRequest))
	}
	indexed := map[string]int{}
	for _, r := range all {
		indexed[orderKey(r)] = r.Revision
	}
	got := map[string]erp.ReceivedOrder{}
	for _, o := range s.Receiver.Orders() {
		got[o.Key] = o
		if rev, ok := indexed[o.Key]; !ok {
			out = append(out, "the ERP received order "+o.Key+", which syncctl never pulled")
		} else if rev != o.Revision {
			out = append(out, fmt.Sprintf("order %s: the ERP has revision %d, syncctl has %d", o.Key, o.Revision, rev))
		}
	}
	for _, r := range ours {
		key := orderKey(r)
		o, ok := got[key]
		switch {
		case !ok:
			out = append(out, "order "+key+" never reached the ERP")
		case o.Deliveries != r.Versions:
			out = append(out, fmt.Sprintf("order %s: %d distinct deliveries applied for %d versions", key, o.Deliveries, r.Versions))
		}
	}
	return out
}

// checkOrders finds the orders this run sold among a shop's indexed ones.
func (d *demoShop) checkOrders(recs []store.OrderRecord) (ours []store.OrderRecord) {
	sold := map[string]bool{}
	for _, id := range d.sold {
		sold[id] = true
	}
	for _, r := range recs {
		if sold[r.Order.PlatformOrderID] {
			ours = append(ours, r)
			d.row.OrderUpdates += max(0, r.Versions-1)
			if promoted(r.Order) {
				d.row.CPSOrders++
			}
		}
	}
	d.row.OrdersPulled = len(ours)
	if d.row.OrdersPulled != d.row.OrdersSold {
		d.fail("%s: the sandbox sold %d orders but %d were pulled", d.sb.Shop, d.row.OrdersSold, d.row.OrdersPulled)
	}
	return ours
}

// checkRefunds: every refund case of the run's orders reached the ERP at
// the state syncctl holds.
func checkRefunds(s *Stack, cases map[string]domain.AfterSale) []string {
	var out []string
	got := map[string]erp.ReceivedRefund{}
	for _, c := range s.Receiver.Refunds() {
		got[c.Key] = c
	}
	for key, c := range cases {
		r, ok := got[key]
		switch {
		case !ok:
			out = append(out, "refund case "+key+" never reached the ERP")
		case r.Status != string(c.Status):
			out = append(out, fmt.Sprintf("refund case %s: the ERP has it %s, syncctl %s", key, r.Status, c.Status))
		}
	}
	return out
}
