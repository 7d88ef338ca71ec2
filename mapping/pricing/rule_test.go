package pricing_test

import (
	"math"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
)

// A white T-shirt in M: list price 59.90, cost 22.00.
var (
	tee = domain.Product{Code: "FZ-TS-001", Title: "纯棉圆领T恤", Brand: "三枪", Category: "服装/女装/T恤",
		SKUs: []domain.SKU{teeM, teeL}}
	teeM = domain.SKU{Code: "FZ-TS-001-WHT-M", Cost: 2200, ListPrice: 5990, Stock: 120}
	teeL = domain.SKU{Code: "FZ-TS-001-WHT-L", Cost: 2200, ListPrice: 5990, Stock: 80}
)

func cst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, pricing.ChinaTime())
	if err != nil {
		panic(err)
	}
	return t
}

// 双11: from the evening of 10 November until midnight of the 12th.
var double11 = pricing.Promotion{Name: "双11", Start: cst("2025-11-10 20:00"), End: cst("2025-11-12 00:00"), Off: pricing.Adjustment{BP: 2000}}

func TestRulePrice(t *testing.T) {
	before, during, after := cst("2025-11-01 10:00"), cst("2025-11-11 00:30"), cst("2025-11-12 00:00")
	round9 := pricing.Rounding{Ending: 90, Step: 100}
	for _, tc := range []struct {
		name string
		rule pricing.Rule
		sku  domain.SKU
		at   time.Time
		want domain.Money
	}{
		{"no rule: the list price", pricing.Rule{}, teeM, during, 5990},
		{"+10%", pricing.Rule{Adjust: pricing.Adjustment{BP: 1000}}, teeM, before, 6589},
		{"-5% rounds half up (56.905)", pricing.Rule{Adjust: pricing.Adjustment{BP: -500}}, teeM, before, 5691},
		{"-12.5% rounds half up (52.4125)", pricing.Rule{Adjust: pricing.Adjustment{BP: -1250}}, teeM, before, 5241},
		{"+3.00 yuan", pricing.Rule{Adjust: pricing.Adjustment{Amount: 300}}, teeM, before, 6290},
		{"+10% then 0.9", pricing.Rule{Adjust: pricing.Adjustment{BP: 1000}, Rounding: round9}, teeM, before, 6490},
		{"+10% then whole", pricing.Rule{Adjust: pricing.Adjustment{BP: 1000}, Rounding: pricing.Rounding{Step: 100}}, teeM, before, 6500},
		{"+10% then 9", pricing.Rule{Adjust: pricing.Adjustment{BP: 1000}, Rounding: pricing.Rounding{Ending: 900, Step: 1000}}, teeM, before, 5900},
		{"fixed price beats adjust and rounding", pricing.Rule{Adjust: pricing.Adjustment{BP: 1000}, Rounding: round9,
			Fixed: map[string]domain.Money{teeM.Code: 4990}}, teeM, before, 4990},
		{"fixed price of another SKU", pricing.Rule{Fixed: map[string]domain.Money{teeL.Code: 4990}}, teeM, before, 5990},
		{"双11 -20% on 64.90", pricing.Rule{Adjust: pricing.Adjustment{BP: 1000}, Rounding: round9,
			Promotions: []pricing.Promotion{double11}}, teeM, during, 5192},
		{"双11 -20% on 65.89 rounds half up (52.712), not to 0.9", pricing.Rule{Adjust: pricing.Adjustment{BP: 1000},
			Promotions: []pricing.Promotion{double11}}, teeM, during, 5271},
		{"promotion starts at its start", pricing.Rule{Promotions: []pricing.Promotion{double11}}, teeM, double11.Start, 4792},
		{"promotion over at its end", pricing.Rule{Promotions: []pricing.Promotion{double11}}, teeM, after, 5990},
		{"promotion not yet", pricing.Rule{Promotions: []pricing.Promotion{double11}}, teeM, before, 5990},
		{"promotion on a fixed price", pricing.Rule{Fixed: map[string]domain.Money{teeM.Code: 4990},
			Promotions: []pricing.Promotion{double11}}, teeM, during, 3992},
		{"fixed promotion price", pricing.Rule{Promotions: []pricing.Promotion{{Name: "清仓", Start: double11.Start, End: double11.End,
			Price: 3990}}}, teeM, during, 3990},
		{"10 yuan off", pricing.Rule{Promotions: []pricing.Promotion{{Name: "满减", Start: double11.Start, End: double11.End,
			Off: pricing.Adjustment{Amount: 1000}}}}, teeM, during, 4990},
		{"overlapping promotions: the lowest wins, no stacking", pricing.Rule{Promotions: []pricing.Promotion{
			{Name: "满减", Start: double11.Start, End: double11.End, Off: pricing.Adjustment{Amount: 1000}}, double11}}, teeM, during, 4792},
		{"a promotion above the regular price is not one", pricing.Rule{Promotions: []pricing.Promotion{{Name: "x",
			Start: double11.Start, End: double11.End, Price: 6990}}}, teeM, during, 5990},
		{"promotion for another SKU", pricing.Rule{Promotions: []pricing.Promotion{{Name: "L", Start: double11.Start, End: double11.End,
			Codes: []string{teeL.Code}, Price: 3990}}}, teeM, during, 5990},
		{"promotion for the whole product", pricing.Rule{Promotions: []pricing.Promotion{{Name: "SPU", Start: double11.Start, End: double11.End,
			Codes: []string{tee.Code}, Price: 3990}}}, teeM, during, 3990},
		{"more off than the price: 0, which the floor blocks", pricing.Rule{Promotions: []pricing.Promotion{{Name: "bug",
			Start: double11.Start, End: double11.End, Off: pricing.Adjustment{Amount: 10000}}}}, teeM, during, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, d := tc.rule.Price(tee, tc.sku, tc.at)
			if got != tc.want {
				t.Fatalf("price = %s, want %s (%s)", got.Yuan(), tc.want.Yuan(), d)
			}
			if last := d[len(d)-1].Price; last != got || d[0].Kind != pricing.StepList || d[0].Price != tc.sku.ListPrice {
				t.Fatalf("derivation %v does not start at the list price and end at %s", d, got.Yuan())
			}
		})
	}
}

func TestDerivationReadsAsTheSteps(t *testing.T) {
	r := pricing.Rule{Adjust: pricing.Adjustment{BP: 1000}, Rounding: pricing.Rounding{Ending: 90, Step: 100},
		Promotions: []pricing.Promotion{double11}}
	_, d := r.Price(tee, teeM, cst("2025-11-11 09:00"))
	want := "list price 59.90 → +10% 65.89 → rounding 0.9 64.90 → 双11 -20% until 2025-11-12 00:00 51.92"
	if d.String() != want {
		t.Fatalf("derivation\n got %s\nwant %s", d, want)
	}
	_, d = pricing.Rule{Fixed: map[string]domain.Money{teeM.Code: 4990}}.Price(tee, teeM, time.Time{})
	if d.String() != "list price 59.90 → fixed price for FZ-TS-001-WHT-M 49.90" {
		t.Fatalf("fixed: %s", d)
	}
}

func TestRounding(t *testing.T) {
	for _, tc := range []struct {
		rounding string
		in, want domain.Money
	}{
		{"none", 6589, 6589},
		{"", 6589, 6589},
		{"whole", 6589, 6500},
		{"whole", 6500, 6500},
		{"whole", 50, 50}, // below 1 yuan: kept
		{"0.9", 6589, 6490},
		{"0.9", 6595, 6590},
		{"0.9", 6590, 6590},
		{"0.9", 50, 50}, // no price ending in .90 at or below 0.50: kept
		{"0.99", 6589, 6499},
		{"9", 6589, 5900},
		{"9", 5900, 5900},
		{"9.9", 6589, 5990},
		{"99", 26500, 19900},
		{"0.09", 6589, 6509},
	} {
		r, err := pricing.ParseRounding(tc.rounding)
		if err != nil {
			t.Fatalf("%q: %v", tc.rounding, err)
		}
		if got := r.Apply(tc.in); got != tc.want {
			t.Errorf("%q: %s → %s, want %s", tc.rounding, tc.in.Yuan(), got.Yuan(), tc.want.Yuan())
		}
		if back, _ := pricing.ParseRounding(r.String()); back != r {
			t.Errorf("%q does not round-trip through %q", tc.rounding, r.String())
		}
	}
	for _, bad := range []string{"0", "-0.9", "0.999", "x.90", "up"} {
		if _, err := pricing.ParseRounding(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNextChangeIsTheNextPromotionEdge(t *testing.T) {
	clearance := pricing.Promotion{Name: "清仓", Start: cst("2025-11-11 10:00"), End: cst("2025-11-11 12:00"), Price: 3990}
	r := pricing.Rule{Promotions: []pricing.Promotion{double11, clearance}}
	for _, tc := range []struct {
		after, want time.Time
		ok          bool
	}{
		{cst("2025-11-01 00:00"), double11.Start, true},
		{double11.Start, clearance.Start, true}, // strictly after
		{cst("2025-11-11 11:00"), clearance.End, true},
		{clearance.End, double11.End, true},
		{double11.End, time.Time{}, false},
	} {
		got, ok := r.NextChange(tc.after)
		if !got.Equal(tc.want) || ok != tc.ok {
			t.Errorf("after %s: %s %v, want %s %v", tc.after, got, ok, tc.want, tc.ok)
		}
	}
	p := pricing.Policy{Rules: []pricing.Rule{{Promotions: []pricing.Promotion{clearance}}, {Promotions: []pricing.Promotion{double11}}}}
	if got, ok := p.NextChange(cst("2025-11-11 00:00")); !ok || !got.Equal(clearance.Start) {
		t.Errorf("policy next change %s %v", got, ok)
	}
}

func TestRuleForPicksTheMostSpecificPattern(t *testing.T) {
	pat := func(s string) []pricing.ShopPattern {
		p, err := pricing.ParseShopPattern(s)
		if err != nil {
			t.Fatal(err)
		}
		return []pricing.ShopPattern{p}
	}
	p := pricing.Policy{Rules: []pricing.Rule{
		{Name: "all", Shops: pat("*")},
		{Name: "outlets", Shops: pat("*/outlet")},
		{Name: "kuaishou", Shops: pat("kuaishou/*")},
		{Name: "flagship", Shops: pat("tmall/flagship")},
	}}
	for shop, want := range map[domain.ShopRef]string{
		{Channel: "tmall", Shop: "flagship"}:  "flagship",
		{Channel: "tmall", Shop: "outlet"}:    "outlets",
		{Channel: "kuaishou", Shop: "outlet"}: "kuaishou", // the channel beats the shop name
		{Channel: "kuaishou", Shop: "live"}:   "kuaishou",
		{Channel: "jd", Shop: "self"}:         "all",
	} {
		if got := p.RuleFor(shop).Name; got != want {
			t.Errorf("%s: rule %q, want %q", shop, got, want)
		}
	}
	if r := (pricing.Policy{}).RuleFor(domain.ShopRef{Channel: "jd", Shop: "self"}); r.Name != "" || len(r.Shops) != 0 {
		t.Errorf("no rule: %+v", r)
	}
}

func TestParsing(t *testing.T) {
	adj := map[string]pricing.Adjustment{
		"+10%": {BP: 1000}, "10%": {BP: 1000}, "-5.5%": {BP: -550}, "−5%": {BP: -500}, "0.25%": {BP: 25},
		"-500bp": {BP: -500}, "+3.00": {Amount: 300}, "-3": {Amount: -300}, "10": {Amount: 1000}, "0%": {},
	}
	for in, want := range adj {
		if got, err := pricing.ParseAdjustment(in); err != nil || got != want {
			t.Errorf("ParseAdjustment(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "10.005%", "ten%", "+-3", "3.001", "%", "1e3"} {
		if got, err := pricing.ParseAdjustment(bad); err == nil {
			t.Errorf("ParseAdjustment(%q) = %+v, want an error", bad, got)
		}
	}
	for _, a := range []pricing.Adjustment{{BP: 1000}, {BP: -550}, {Amount: 300}, {Amount: -300}} {
		if back, err := pricing.ParseAdjustment(a.String()); err != nil || back != a {
			t.Errorf("%+v → %q → %+v %v", a, a.String(), back, err)
		}
	}
	for in, want := range map[string]pricing.ShopPattern{
		"tmall/flagship": {Channel: "tmall", Shop: "flagship"}, "kuaishou/*": {Channel: "kuaishou", Shop: "*"},
		"*": pricing.AnyShop, "*/*": pricing.AnyShop, "*/outlet": {Channel: "*", Shop: "outlet"},
	} {
		if got, err := pricing.ParseShopPattern(in); err != nil || got != want {
			t.Errorf("ParseShopPattern(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "tmall", "tmall/", "/x", "tmall/a/b", "kuai*/x"} {
		if _, err := pricing.ParseShopPattern(bad); err == nil {
			t.Errorf("ParseShopPattern(%q) accepted", bad)
		}
	}
}

func TestPercentMathIsExactAndSaturates(t *testing.T) {
	for _, tc := range []struct {
		a       pricing.Adjustment
		in, out domain.Money
	}{
		{pricing.Adjustment{BP: 1000}, 5, 6},      // 0.055 → 0.06: half up
		{pricing.Adjustment{BP: 1000}, 4, 4},      // 0.044 → 0.04
		{pricing.Adjustment{BP: -10000}, 5990, 0}, // −100 %
		{pricing.Adjustment{BP: 1000}, math.MaxInt64, math.MaxInt64},
		{pricing.Adjustment{Amount: 1}, math.MaxInt64, math.MaxInt64},
		{pricing.Adjustment{BP: 1}, 999999999999, 1000099999999}, // 0.01 % of ten billion yuan, exact
	} {
		if got := tc.a.Apply(tc.in); got != tc.out {
			t.Errorf("%s on %d = %d, want %d", tc.a, tc.in, got, tc.out)
		}
	}
}
