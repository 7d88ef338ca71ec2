package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
)

// The shops the worked pricing example (testdata/pricing.yaml, also the
// README's pricing section) is written for.
const pricingShops = `shops:
  - {channel: tmall, shop: flagship, gateway: "https://eco.taobao.com/router/rest"}
  - {channel: kuaishou, shop: live, gateway: "https://openapi.kwaixiaodian.com"}
  - {channel: douyin, shop: main, gateway: "https://openapi-fxg.jinritemai.com"}
  - {channel: wechat_shop, shop: mini, gateway: "https://api.weixin.qq.com"}
`

var (
	flagship = domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	ksLive   = domain.ShopRef{Channel: "kuaishou", Shop: "live"}
	dyMain   = domain.ShopRef{Channel: "douyin", Shop: "main"}
	wxMini   = domain.ShopRef{Channel: "wechat_shop", Shop: "mini"}
	tee      = domain.Product{Code: "FZ-TS-001", Brand: "三枪", Category: "服装/女装/T恤", SKUs: []domain.SKU{teeM, teeXL}}
	teeM     = domain.SKU{Code: "FZ-TS-001-WHT-M", Cost: 2200, ListPrice: 5990, Stock: 120}
	teeXL    = domain.SKU{Code: "FZ-TS-001-BLK-XL", Cost: 2200, ListPrice: 5990, Stock: 7}
)

func examplePricing(t *testing.T) string {
	b, err := os.ReadFile(filepath.Join("testdata", "pricing.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func china(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, pricing.ChinaTime())
	if err != nil {
		panic(err)
	}
	return t
}

// The worked example loads, and prices, guards and allocates as its
// comments say.
func TestThePricingExample(t *testing.T) {
	c, err := config.Load(write(t, "syncctl.yaml", pricingShops+examplePricing(t)))
	if err != nil {
		t.Fatalf("the pricing example does not load: %v", err)
	}
	pol, err := c.PricingPolicy()
	if err != nil {
		t.Fatal(err)
	}
	regular, double11, clearance := china("2025-11-09 12:00"), china("2025-11-11 00:30"), china("2025-11-05 12:00")
	for _, tc := range []struct {
		shop domain.ShopRef
		sku  domain.SKU
		at   time.Time
		want domain.Money
		how  string
	}{
		{flagship, teeM, regular, 5990, "list price 59.90"},
		{flagship, teeXL, regular, 4990, "list price 59.90 → fixed price for FZ-TS-001-BLK-XL 49.90"},
		{flagship, teeXL, clearance, 3990, "list price 59.90 → fixed price for FZ-TS-001-BLK-XL 49.90 → 清仓 at 39.90 until 2025-11-08 00:00 39.90"},
		{flagship, teeM, double11, 4792, "list price 59.90 → 双11 -20% until 2025-11-12 00:00 47.92"},
		{ksLive, teeM, regular, 6490, "list price 59.90 → +10% 65.89 → rounding 0.9 64.90"},
		{ksLive, teeM, double11, 5192, "list price 59.90 → +10% 65.89 → rounding 0.9 64.90 → 双11 -20% until 2025-11-12 00:00 51.92"},
		{dyMain, teeM, double11, 5192, "list price 59.90 → +10% 65.89 → rounding 0.9 64.90 → 双11 -20% until 2025-11-12 00:00 51.92"},
		{wxMini, teeM, regular, 5990, "list price 59.90 → rounding 0.9 59.90"},
		{wxMini, teeM, double11, 4792, "list price 59.90 → rounding 0.9 59.90 → 双11 -20% until 2025-11-12 00:00 47.92"},
	} {
		got, d := pol.RuleFor(tc.shop).Price(tee, tc.sku, tc.at)
		if got != tc.want || d.String() != tc.how {
			t.Errorf("%s %s at %s: %s (%s), want %s (%s)", tc.shop, tc.sku.Code, tc.at, got.Yuan(), d, tc.want.Yuan(), tc.how)
		}
	}
	// 双11 switches every shop at once, so no guard holds it: each shop's
	// write is checked against the others' prices once all have switched.
	live := map[domain.ShopRef]domain.Money{}
	for _, s := range []domain.ShopRef{flagship, ksLive, dyMain, wxMini} {
		live[s], _ = pol.RuleFor(s).Price(tee, teeM, double11)
	}
	for s, price := range live {
		old, _ := pol.RuleFor(s).Price(tee, teeM, regular)
		if vs := pol.CheckWrite(tee, teeM, s, old, price, live); len(vs) != 0 {
			t.Errorf("%s: %+v", s, vs)
		}
	}
	// A Kuaishou price under the flagship's needs approval; under the SKU's
	// minimum advertised price it is blocked, approval or not.
	vs := pol.CheckWrite(tee, teeM, ksLive, 5192, 4490, live)
	if pricing.Verdict(vs) != pricing.Block || vs[0].Guard != pricing.GuardFloor || vs[0].Limit != 4500 ||
		vs[1].Guard != pricing.GuardParity || vs[1].Reason[:17] != "pricing.parity[0]" {
		t.Errorf("kuaishou at 44.90: %+v", vs)
	}
	if at, ok := pol.NextChange(regular); !ok || !at.Equal(china("2025-11-10 20:00")) {
		t.Errorf("next change %s %v", at, ok)
	}

	st, err := c.StockPolicy()
	if err != nil {
		t.Fatal(err)
	}
	// 120 − 5 safety = 115: Tmall 57, Kuaishou 34, Douyin 24 (its cap is 50,
	// 115 − 57 − 34 are left), WeChat shares what is left: 0.
	got := st.Allocate(120, []domain.ShopRef{flagship, ksLive, dyMain, wxMini}, nil, regular)
	if got[flagship] != 57 || got[ksLive] != 34 || got[dyMain] != 24 || got[wxMini] != 0 {
		t.Errorf("allocation %v", got)
	}
}

func TestNoPricingSectionSellsAtListPrice(t *testing.T) {
	c, err := config.Load(write(t, "c.yaml", pricingShops))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := c.PricingPolicy()
	if p, _ := pol.RuleFor(ksLive).Price(tee, teeM, time.Now()); err != nil || p != 5990 {
		t.Fatalf("price %s, %v", p.Yuan(), err)
	}
	st, err := c.StockPolicy()
	if got := st.Allocate(120, []domain.ShopRef{flagship, ksLive}, nil, time.Now()); err != nil || got[flagship] != 120 || got[ksLive] != 120 {
		t.Fatalf("stock %v, %v", got, err)
	}
}

// Every mistake is refused with the field it is in, never silently read.
func TestBadPricingNamesTheField(t *testing.T) {
	example := examplePricing(t)
	for _, tc := range []struct{ from, to, want string }{
		{`band: "-5%..+10%"`, `band: "5%"`, `config pricing.parity[1].band: "5%" is not a band`},
		{`band: "-5%..+10%"`, `band: "+10%..-5%"`, `config pricing.parity[1].band: "+10%..-5%": the lower side is above the upper side`},
		{`reference: tmall/flagship
      band: "0%.."`, `reference: tmall/outlet
      band: "0%.."`, `config pricing.parity[0].reference: tmall/outlet is not a configured shop`},
		{`reference: tmall/flagship
      band: "0%.."`, `reference: tmall/*
      band: "0%.."`, `config pricing.parity[0].reference: "tmall/*" is not one shop`},
		{`adjust: "+10%"`, `adjust: "+10.125%"`, `config pricing.rules[1].adjust: "+10.125%" is not a percentage with at most 2 decimals`},
		{`adjust: "+10%"`, `adjust: "-100%"`, `config pricing.rules[1].adjust: "-100%" leaves no price`},
		{`shops: [kuaishou/*, douyin/*]
      adjust`, `shops: [kuaishou/*, douyin*]
      adjust`, `config pricing.rules[1].shops[1]: "douyin*" is not a shop pattern`},
		{`shops: [kuaishou/*, douyin/*]
      adjust`, `shops: [kuaisho/*, douyin/*]
      adjust`, `config pricing.rules[1].shops[0]: unknown channel "kuaisho"`},
		{`shops: tmall/flagship      #`, `shops: "*"      #`, `config pricing.rules[2].shops: * is already in pricing.rules[0]`},
		{`rounding: none`, `rounding: "0.999"`, `config pricing.rules[2].rounding: "0.999" is not a rounding`},
		{`"49.90"`, `"49.9O"`, `config pricing.rules[2].fixed.FZ-TS-001-BLK-XL: "49.9O" is not an amount in yuan`},
		{`end: 2025-11-08T00:00:00+08:00`, `end: 2025-10-08T00:00:00+08:00`, `config pricing.rules[2].promotions[1].end: must be after start`},
		{`end: 2025-11-08T00:00:00+08:00`, `end: 2025-11-31`, `config pricing.rules[2].promotions[1].end: "2025-11-31" is not a time`},
		{`price: "39.90"`, `price: "39.90"
          off: "5%"`, `config pricing.rules[2].promotions[1]: set off ("20%" or "10.00" yuan) or price, one of them`},
		{`off: "20%"`, `off: "-20%"`, `config pricing.rules[0].promotions[0].off: "-20%": write what comes off`},
		{`name: 清仓`, `name: ""`, `config pricing.rules[2].promotions[1].name: required`},
		{`margin: "15%"`, `margin: "15.005%"`, `config pricing.floor.margin: "15.005%" is not a percentage`},
		{`三枪: "60%"`, `三枪: "cheap"`, `config pricing.floor.brands.三枪: "cheap" is not an amount in yuan`},
		{`down: "30%"`, `down: "100%"`, `config pricing.changes[0].down: "100%" is out of range (0% to +99.99%)`},
		{`down: "30%"                # a bigger cut waits for approval
      up: "50%"`, `other: 1`, `field pricing.changes[0].other: not a known field`},
		{`safety: 5`, `safety: -1`, `config stock.safety: must not be negative`},
		{`share: "30%"`, `share: "60%"`, `config stock.shares: the configured shops' shares add up to 110% (tmall/flagship 50%, kuaishou/live 60%)`},
		{`    - shops: wechat_shop/*
      shared: true`, ``, `config stock.shares: shop wechat_shop/mini has no share`},
		{`shared: true`, `shared: true
      share: "10%"`, `config stock.shares[3].share: a shared shop sees what the others leave`},
		{`    - shops: douyin/*
      cap: 50`, `    - shops: douyin/*`, `config stock.shares[2]: set share, cap or shared: true`},
		{`    - shops: douyin/*
      cap: 50`, `    - shops: {douyin: main}
      cap: 50`, `field stock.shares[2].shops.douyin: want a list, not a mapping`},
	} {
		if !strings.Contains(example, tc.from) {
			t.Fatalf("the example has no %q", tc.from)
		}
		body := pricingShops + strings.Replace(example, tc.from, tc.to, 1)
		_, err := config.Load(write(t, "c.yaml", body))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s:\n got %v\nwant %s", tc.from, tc.to, err, tc.want)
		}
	}
}
