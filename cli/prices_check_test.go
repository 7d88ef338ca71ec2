package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/cli"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// `prices check` over a store written without Temporal: a catalog
// imported by the CLI and listings saved as a push would have left them.
// One SKU breaks parity, one the floor, one is clean; fixing the prices
// brings the exit status back to 0, and drift alone fails only --strict.
func TestPricesCheck(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "syncctl.db")
	csv := filepath.Join(dir, "c.csv")
	row := func(spu string) string {
		return spu + ",山野集 纯棉T恤,山野集,服装/男装/T恤,精梳长绒棉，四季可穿。,https://img.example.com/" + spu + "/1.jpg,"
	}
	writeFile(t, csv, "spu_code,title,brand,category,description,images,sku_code,specs,weight_g,cost,list_price,stock\n"+
		row("TS-1")+"TS-1-W,颜色:白色,220,20.00,59.90,10\n"+
		row("TS-1")+"TS-1-B,颜色:黑色,220,20.00,59.90,10\n"+
		row("TS-2")+"TS-2-W,颜色:白色,220,20.00,59.90,10\n")
	if code, out, errOut := run(t, "catalog", "import", csv, "--store-dsn", dsn); code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, errOut)
	}
	cfg := writeFile(t, filepath.Join(dir, "syncctl.yaml"), `shops:
  - channel: tmall
    shop: flagship
    gateway: http://127.0.0.1:1/router/rest
    credentials:
      app_key: {value: "12345678"}
      app_secret: {env: PRICES_CHECK_TEST_TMALL_SECRET}
      session: {env: PRICES_CHECK_TEST_TMALL_SESSION}
  - channel: kuaishou
    shop: live
    gateway: http://127.0.0.1:1
    credentials:
      appkey: {value: "ks6900000000000000"}
      app_secret: {env: PRICES_CHECK_TEST_KS_SECRET}
      sign_secret: {env: PRICES_CHECK_TEST_KS_SIGN}
      refresh_token: {env: PRICES_CHECK_TEST_KS_REFRESH}
pricing:
  rules:
    - shops: kuaishou/*
      adjust: "+10%"
  floor:
    margin: "50%"
  parity:
    - shops: kuaishou/*
      reference: tmall/flagship
      band: "0%.."
`)
	tmall := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	ks := domain.ShopRef{Channel: "kuaishou", Shop: "live"}
	list := func(shop domain.ShopRef, sku string, price domain.Money) domain.ChannelListing {
		return domain.ChannelListing{Shop: shop, SKUCode: sku, ProductCode: sku[:4], ItemID: "6001" + sku[3:4],
			Price: price, Stock: 10, Status: domain.ListingOnSale, PushedAt: time.Now()}
	}
	save := func(ls ...domain.ChannelListing) {
		t.Helper()
		ctx := context.Background()
		st, err := store.Open(ctx, "sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SaveListings(ctx, ls); err != nil {
			t.Fatal(err)
		}
	}
	// Kuaishou's rule gives 59.90 +10% = 65.89; the floor is cost 20.00 +50% = 30.00.
	save(list(tmall, "TS-1-W", 5990), list(ks, "TS-1-W", 5500), // parity: below the flagship
		list(tmall, "TS-1-B", 5990), list(ks, "TS-1-B", 6589), // clean
		list(tmall, "TS-2-W", 2500)) // floor; and drift from the list price
	check := func(args ...string) (int, string, string) {
		return run(t, append([]string{"prices", "check", "--config", cfg, "--store-dsn", dsn}, args...)...)
	}

	code, out, errOut := check()
	if code != cli.ExitPartial || !strings.Contains(errOut, "2 price violations") {
		t.Fatalf("exit %d, want 3: %s%s", code, out, errOut)
	}
	// Live reading is the default: a shop whose connector cannot be opened
	// here (its credentials are not in this environment) is checked with
	// its last pushed prices, with a warning.
	if !strings.Contains(errOut, "warning: tmall/flagship: no connector (shop tmall/flagship, credential app_secret: ") {
		t.Errorf("no warning of the shop that could not be opened: %s", errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^SKU\s+SHOP\s+SHOWS\s+SOURCE\s+RULE/LIMIT\s+GUARD\s+REASON$`),
		regexp.MustCompile(`(?m)^TS-1-W\s+kuaishou/live\s+55\.00\s+last pushed\s+59\.90\s+parity\s+pricing\.parity\[0\] .*below 59\.90`),
		regexp.MustCompile(`(?m)^TS-2-W\s+tmall/flagship\s+25\.00\s+last pushed\s+30\.00\s+floor\s+floor\.margin: 25\.00 is below 30\.00`),
		regexp.MustCompile(`(?m)^TS-1-W\s+kuaishou/live\s+55\.00\s+last pushed\s+65\.89\s+drift\s+pricing\.rules\[0\] gives 65\.89: list price 59\.90 → \+10% 65\.89$`),
		regexp.MustCompile(`(?m)^TS-2-W\s+tmall/flagship\s+25\.00\s+last pushed\s+59\.90\s+drift\s+no pricing rule gives 59\.90`),
		regexp.MustCompile(`(?m)^3 SKUs checked on 2 shops: 2 violations, 2 prices differ from their rule$`),
		regexp.MustCompile(`(?m)^price sources: last pushed: kuaishou/live, tmall/flagship$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "TS-1-B") {
		t.Errorf("the clean SKU is listed:\n%s", out)
	}

	code, out, _ = check("-o", "json")
	var res struct {
		CheckedSKUs int                     `json:"checked_skus"`
		Shops       []domain.ShopRef        `json:"shops"`
		Violations  []domain.PriceViolation `json:"violations"`
		Drift       []struct {
			SKU       string         `json:"sku"`
			Shop      domain.ShopRef `json:"shop"`
			Shows     domain.Money   `json:"shows"`
			RulePrice domain.Money   `json:"rule_price"`
		} `json:"drift"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || code != cli.ExitPartial {
		t.Fatalf("-o json: exit %d, %v:\n%s", code, err, out)
	}
	if res.CheckedSKUs != 3 || len(res.Shops) != 2 || len(res.Violations) != 2 || len(res.Drift) != 2 {
		t.Fatalf("-o json: %+v", res)
	}
	if v := res.Violations[0]; v.Guard != domain.GuardParity || v.SKU != "TS-1-W" || v.Shop != ks || v.Reference != tmall || v.Limit != 5990 {
		t.Errorf("first violation %+v, want TS-1-W's parity", v)
	}
	if v := res.Violations[1]; v.Guard != domain.GuardFloor || v.Action != domain.GuardBlock || v.SKU != "TS-2-W" || v.Limit != 3000 {
		t.Errorf("second violation %+v, want TS-2-W's floor", v)
	}
	if d := res.Drift[0]; d.SKU != "TS-1-W" || d.Shop != ks || d.Shows != 5500 || d.RulePrice != 6589 {
		t.Errorf("first drift %+v", d)
	}

	// One shop: the flagship is the parity reference of TS-1-W, so that
	// violation stays; Kuaishou's drift goes.
	code, out, _ = check("--shop", "tmall/flagship")
	if code != cli.ExitPartial || !strings.Contains(out, "3 SKUs checked on 1 shop: 2 violations, 1 price differs from its rule") ||
		strings.Contains(out, "65.89") {
		t.Errorf("--shop tmall/flagship: exit %d:\n%s", code, out)
	}
	if code, _, errOut = check("--shop", "tmall/nope"); code != cli.ExitUsage || !strings.Contains(errOut, "not configured") {
		t.Errorf("--shop of an unknown shop: exit %d: %s", code, errOut)
	}

	// The prices fixed, within the guards but not yet what the rules say:
	// clean, unless --strict.
	save(list(ks, "TS-1-W", 6200), list(tmall, "TS-2-W", 5500))
	code, out, errOut = check()
	if code != 0 || !strings.Contains(out, "3 SKUs checked on 2 shops: 0 violations, 2 prices differ from their rule") {
		t.Fatalf("after the fix: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut = check("--strict"); code != cli.ExitPartial || !strings.Contains(errOut, "2 prices differ from the pricing rules") {
		t.Errorf("--strict with drift: exit %d: %s", code, errOut)
	}
	save(list(ks, "TS-1-W", 6589), list(tmall, "TS-2-W", 5990))
	code, out, errOut = check("--strict", "--live=false")
	if code != 0 || out != "3 SKUs checked on 2 shops: 0 violations, 0 prices differ from their rule\n"+
		"price sources: last pushed: kuaishou/live, tmall/flagship\n" || errOut != "" {
		t.Fatalf("all prices as configured: exit %d: %q%s", code, out, errOut)
	}
}
