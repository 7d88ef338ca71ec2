package pricing_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
)

var (
	flagship  = domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	ksLive    = domain.ShopRef{Channel: "kuaishou", Shop: "live"}
	dyMain    = domain.ShopRef{Channel: "douyin", Shop: "main"}
	wxShop    = domain.ShopRef{Channel: "wechat_shop", Shop: "mini"}
	jdSelf    = domain.ShopRef{Channel: "jd", Shop: "self"}
	pattern   = func(s string) pricing.ShopPattern { p, _ := pricing.ParseShopPattern(s); return p }
	minPrice  = func(s string) pricing.Minimum { m, _ := pricing.ParseMinimum(s); return m }
	adjust    = func(s string) *pricing.Adjustment { a, _ := pricing.ParseAdjustment(s); return &a }
	teeFloor  = pricing.Floor{Margin: 1500} // cost 22.00 × 1.15 = 25.30
	teeNoCost = domain.SKU{Code: "FZ-TS-001-GIFT", ListPrice: 990}
)

func TestFloor(t *testing.T) {
	withMAP := pricing.Floor{Margin: 1500, SKUs: map[string]pricing.Minimum{teeM.Code: minPrice("45.00")}}
	withBrand := pricing.Floor{Margin: 1500, Brands: map[string]pricing.Minimum{"三枪": minPrice("85%")}}
	for _, tc := range []struct {
		name   string
		floor  pricing.Floor
		sku    domain.SKU
		price  domain.Money
		action pricing.Action
		limit  domain.Money
		reason string
	}{
		{"at the margin floor", teeFloor, teeM, 2530, pricing.Pass, 0, ""},
		{"a fen below the margin floor", teeFloor, teeM, 2529, pricing.Block, 2530, "floor.margin: 25.29 is below 25.30 = cost 22.00 +15%"},
		{"margin rounds up: 22.01 × 1.125 = 24.76125", pricing.Floor{Margin: 1250}, domain.SKU{Code: "X", Cost: 2201, ListPrice: 5990}, 2476, pricing.Block, 2477, "floor.margin"},
		{"the SKU's minimum advertised price binds", withMAP, teeM, 3990, pricing.Block, 4500, "floor.skus.FZ-TS-001-WHT-M: 39.90 is below the minimum advertised price 45.00"},
		{"only for its SKU", withMAP, teeL, 3990, pricing.Pass, 0, ""},
		{"brand at 85% of list: 50.915 → 50.92", withBrand, teeM, 5091, pricing.Block, 5092, "floor.brands.三枪: 50.91 is below the brand's minimum advertised price 50.92 (85% of list price)"},
		{"an override turns the block into an approval", pricing.Floor{Margin: 1500, AllowOverride: true}, teeM, 1990, pricing.NeedsApproval, 2530, "floor.margin"},
		{"no cost, no margin floor", teeFloor, teeNoCost, 1, pricing.Pass, 0, ""},
		{"zero is no price, even with an override", pricing.Floor{AllowOverride: true}, teeNoCost, 0, pricing.Block, 1, "must be more than 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.floor.Check(tee, tc.sku, ksLive, tc.price)
			if tc.action == pricing.Pass {
				if v != nil {
					t.Fatalf("violation %v", v)
				}
				return
			}
			if v == nil || v.Action != tc.action || v.Limit != tc.limit || v.Guard != pricing.GuardFloor ||
				v.Shop != ksLive || v.SKU != tc.sku.Code || v.Price != tc.price || !strings.Contains(v.Reason, tc.reason) {
				t.Fatalf("violation %+v", v)
			}
		})
	}
}

func TestChangeLimit(t *testing.T) {
	c := pricing.ChangeLimit{Name: "pricing.changes[0]", Down: 3000, Up: 5000}
	for _, tc := range []struct {
		old, price, limit domain.Money
		flagged           bool
	}{
		{5990, 4193, 0, false},   // exactly 30 % down
		{5990, 4192, 4193, true}, // a fen more
		{5990, 8985, 0, false},   // exactly 50 % up
		{5990, 8986, 8985, true},
		{5999, 4199, 4200, true}, // 41.993 rounds up to 42.00: 41.99 is more than 30 % down
		{0, 100, 0, false},       // first price
		{5990, 5990, 0, false},
	} {
		v := c.Check(teeM.Code, wxShop, tc.old, tc.price)
		if (v != nil) != tc.flagged {
			t.Fatalf("%s → %s: %+v", tc.old.Yuan(), tc.price.Yuan(), v)
		}
		if v != nil && (v.Action != pricing.NeedsApproval || v.Limit != tc.limit || v.ReferencePrice != tc.old ||
			!strings.HasPrefix(v.Reason, "pricing.changes[0]: ")) {
			t.Fatalf("%s → %s: %+v", tc.old.Yuan(), tc.price.Yuan(), v)
		}
	}
	if v := (pricing.ChangeLimit{}).Check(teeM.Code, wxShop, 5990, 1); v != nil {
		t.Fatalf("the zero limit held a write: %+v", v)
	}
}

func TestVerdict(t *testing.T) {
	approve := pricing.Violation{Action: pricing.NeedsApproval}
	block := pricing.Violation{Action: pricing.Block}
	for _, tc := range []struct {
		vs   []pricing.Violation
		want pricing.Action
	}{
		{nil, pricing.Pass},
		{[]pricing.Violation{approve}, pricing.NeedsApproval},
		{[]pricing.Violation{approve, block, approve}, pricing.Block},
	} {
		if got := pricing.Verdict(tc.vs); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.vs, got, tc.want)
		}
	}
}

// The three parity rules of the issue, around a Tmall flagship price.
var parityRules = []pricing.ParityRule{
	{Name: "pricing.parity[0]", Shops: []pricing.ShopPattern{pattern("kuaishou/*"), pattern("douyin/*")}, Reference: flagship,
		Band: pricing.Band{Lower: adjust("0%")}},
	{Name: "pricing.parity[1]", Shops: []pricing.ShopPattern{pattern("wechat_shop/*")}, Reference: flagship,
		Band: pricing.Band{Lower: adjust("-5%"), Upper: adjust("+10%")}},
	{Name: "pricing.parity[2]", Shops: []pricing.ShopPattern{pricing.AnyShop}, Reference: flagship,
		Band: pricing.Band{Lower: adjust("-3.00")}},
}

func TestCheckParity(t *testing.T) {
	type want struct {
		shop   domain.ShopRef
		rule   string
		limit  domain.Money
		reason string
	}
	for _, tc := range []struct {
		name string
		live map[domain.ShopRef]domain.Money
		want []want
	}{
		{"all in band", map[domain.ShopRef]domain.Money{flagship: 5990, ksLive: 5990, dyMain: 6290, wxShop: 5691, jdSelf: 5690}, nil},
		{"a CPS shop below Tmall", map[domain.ShopRef]domain.Money{flagship: 5990, ksLive: 5890}, []want{
			{ksLive, "pricing.parity[0]", 5990, "pricing.parity[0] (kuaishou/*, douyin/* within 0%.. of tmall/flagship): kuaishou/live 58.90 is below 59.90 (tmall/flagship 59.90 0%)"}}},
		{"WeChat below −5% (56.905 rounds up)", map[domain.ShopRef]domain.Money{flagship: 5990, wxShop: 5690}, []want{
			{wxShop, "pricing.parity[1]", 5691, "is below 56.91"}}},
		{"WeChat above +10%", map[domain.ShopRef]domain.Money{flagship: 5990, wxShop: 6590}, []want{
			{wxShop, "pricing.parity[1]", 6589, "wechat_shop/mini 65.90 is above 65.89 (tmall/flagship 59.90 +10%)"}}},
		{"JD more than 3 yuan below, a shop in two rules", map[domain.ShopRef]domain.Money{flagship: 5990, jdSelf: 5689, dyMain: 5600}, []want{
			{dyMain, "pricing.parity[0]", 5990, ""}, {dyMain, "pricing.parity[2]", 5690, ""}, {jdSelf, "pricing.parity[2]", 5690, ""}}},
		{"no reference price, nothing to compare", map[domain.ShopRef]domain.Money{ksLive: 100, wxShop: 100}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := pricing.CheckParity(parityRules, teeM.Code, tc.live)
			if len(got) != len(tc.want) {
				t.Fatalf("violations %+v, want %d", got, len(tc.want))
			}
			for i, w := range tc.want {
				v := got[i]
				if v.Shop != w.shop || v.Limit != w.limit || !strings.HasPrefix(v.Reason, w.rule) || !strings.Contains(v.Reason, w.reason) ||
					v.Guard != pricing.GuardParity || v.Action != pricing.NeedsApproval || v.Reference != flagship ||
					v.ReferencePrice != tc.live[flagship] || v.SKU != teeM.Code || v.Price != tc.live[w.shop] {
					t.Errorf("violation %d: %+v, want %+v", i, v, w)
				}
			}
		})
	}
}

// A rise on the reference shop that leaves another shop below its band is
// the reference write's violation: the same check on the post-write map.
func TestARiseOnTheReferenceIsHeld(t *testing.T) {
	p := pricing.Policy{Floor: teeFloor, Parity: parityRules}
	live := map[domain.ShopRef]domain.Money{flagship: 5990, ksLive: 6290, wxShop: 5990}
	if vs := p.CheckWrite(tee, teeM, flagship, 5990, 5990, live); len(vs) != 0 {
		t.Fatalf("before the rise: %+v", vs)
	}
	vs := p.CheckWrite(tee, teeM, flagship, 5990, 6490, live)
	if len(vs) != 3 || pricing.Verdict(vs) != pricing.NeedsApproval {
		t.Fatalf("after the rise: %+v", vs)
	}
	// Kuaishou 62.90 < 64.90; WeChat 59.90 < 64.90 −5 % = 61.655 → 61.66,
	// and < 64.90 − 3.00.
	if vs[0].Shop != ksLive || vs[0].Limit != 6490 || vs[1].Shop != wxShop || vs[1].Limit != 6166 || vs[2].Limit != 6190 {
		t.Fatalf("after the rise: %+v", vs)
	}
	if live[flagship] != 5990 {
		t.Fatal("CheckWrite changed the caller's map")
	}
}

func TestCheckWrite(t *testing.T) {
	p := pricing.Policy{Floor: teeFloor, Parity: parityRules,
		Changes: []pricing.ChangeLimit{{Name: "pricing.changes[0]", Shops: []pricing.ShopPattern{pricing.AnyShop}, Down: 3000, Up: 5000}}}
	live := map[domain.ShopRef]domain.Money{flagship: 5990, ksLive: 5990, jdSelf: 5000} // JD is already out of band
	vs := p.CheckWrite(tee, teeM, ksLive, 5990, 2490, live)
	var guards []string
	for _, v := range vs {
		guards = append(guards, string(v.Guard)+"/"+v.Shop.String())
	}
	if strings.Join(guards, " ") != "floor/kuaishou/live parity/kuaishou/live parity/kuaishou/live change_size/kuaishou/live" {
		t.Fatalf("violations %v", guards)
	}
	if pricing.Verdict(vs) != pricing.Block {
		t.Fatalf("verdict %q", pricing.Verdict(vs))
	}
	// JD's standing violation does not hold a Kuaishou write; it holds
	// JD's own writes while JD stays below its band.
	if vs := p.CheckWrite(tee, teeM, ksLive, 5990, 6290, live); len(vs) != 0 {
		t.Fatalf("an unrelated shop's violation held the write: %+v", vs)
	}
	if vs := p.CheckWrite(tee, teeM, jdSelf, 5000, 5500, live); len(vs) != 1 || vs[0].Shop != jdSelf {
		t.Fatalf("JD still below its band: %+v", vs)
	}
}

func TestParseBand(t *testing.T) {
	for in, want := range map[string]string{"0%..": "0%..", "-5%..+10%": "-5%..+10%", "-3.00..": "-3.00..", "..+10%": "..+10%", "-3..+5%": "-3.00..+5%"} {
		b, err := pricing.ParseBand(in)
		if err != nil || b.String() != want {
			t.Errorf("ParseBand(%q) = %s, %v; want %s", in, b, err, want)
		}
	}
	for _, bad := range []string{"", "..", "5%", "+10%..-5%", "x..", "+3.00..-3.00"} {
		if _, err := pricing.ParseBand(bad); err == nil {
			t.Errorf("ParseBand(%q) accepted", bad)
		}
	}
}
