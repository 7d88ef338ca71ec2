package douyinmap_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	douyinmap "github.com/syncctl/syncctl/mapping/douyin"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
)

// FuzzOrder: whatever /order/searchList sends as an order and
// /alliance/getOrderList as its commissions, DecodeOrder never panics and
// either names the order and the field or maps an order that holds.
func FuzzOrder(f *testing.F) {
	const l1, l2 = "6919604381838792521", "6919604381838792522"
	commissions, err := json.Marshal([]douyinmap.Commission{
		allianceRecord(l1, douyinmap.FlowSettled, 2000, 11480, 2296, 2200),
		allianceRecord(l2, douyinmap.FlowRefunded, 1500, 3000, 450, 0),
	})
	if err != nil {
		f.Fatal(err)
	}
	orders := []string{cpsOrder, twoAuthors, refundedOrder, strings.Replace(cpsOrder, `"origin_amount": 11980`, `"origin_amount": 11981`, 1), `not json`}
	for _, s := range orders {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v), commissions)
		}
	}
	for _, v := range fuzzcheck.Variants(string(commissions)) {
		f.Add([]byte(twoAuthors), []byte(v))
	}
	f.Fuzz(func(t *testing.T, raw, alliance []byte) {
		var list []douyinmap.Commission
		_ = json.Unmarshal(alliance, &list) // alliance data that does not decode: none
		byLine := map[string]douyinmap.Commission{}
		for _, c := range list {
			byLine[string(c.OrderID)] = c
		}
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return douyinmap.DecodeOrder(shop, raw, byLine) })
		if o, err := douyinmap.DecodeOrder(shop, raw, byLine); err == nil {
			for _, l := range o.Lines {
				if l.CPS != nil && l.CPS.CommissionRate > 10000 {
					t.Fatalf("line %s: commission rate %d bp", l.PlatformLineID, l.CPS.CommissionRate)
				}
			}
		}
	})
}

// FuzzProduct: whatever /product/detail sends, ReviewStatus never panics
// and reads a known state; a rejection carries the reason it was given.
func FuzzProduct(f *testing.F) {
	for _, s := range []string{`{"product_id":3472490447010721067,"outer_product_id":"YS-TS-001","name":"纯棉圆领短袖T恤","status":0,"check_status":3,
		"spec_prices":[{"sku_id":1737645431620715,"outer_sku_id":"YS-TS-001-WHT-M","price":5990,"stock_num":10}]}`,
		`{"product_id":"3472490447010721067","status":1,"check_status":4}`, `{"status":2,"check_status":5}`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v), "主图含有违规信息")
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte, reason string) {
		var d douyinmap.Detail
		if json.Unmarshal(raw, &d) != nil {
			return
		}
		st, why := douyinmap.ReviewStatus(d, reason)
		if !slices.Contains([]domain.ListingStatus{domain.ListingInReview, domain.ListingRejected, domain.ListingPending,
			domain.ListingOnSale, domain.ListingRemoved, domain.ListingDelisted}, st) || st != domain.ListingRejected && why != "" ||
			st == domain.ListingRejected && reason != "" && why != reason {
			t.Fatalf("ReviewStatus(%d, %d, %q) = %s %q", d.CheckStatus, d.Status, reason, st, why)
		}
		for _, k := range d.SpecPrices {
			if got, ok := d.SKU(string(k.SKUID), ""); k.SKUID != "" && (!ok || got.SKUID != k.SKUID) {
				t.Fatalf("SKU(%s) = %+v %v", k.SKUID, got, ok)
			}
		}
	})
}
