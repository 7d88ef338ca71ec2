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
	"github.com/syncctl/syncctl/platforms"
)

// The configuration the README shows is one that loads, resolves its
// secrets from where it says, and opens its shop: the example cannot drift
// from the code.
func TestTheREADMEConfigurationWorks(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), "```yaml\n")
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatal("README.md has no ```yaml block")
	}
	// The example's secret files live under /run/secrets; point them here.
	dir := t.TempDir()
	block = strings.ReplaceAll(block, "/run/secrets/", dir+"/")
	if err := os.WriteFile(filepath.Join(dir, "tmall_flagship_session"), []byte("6100example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ks_live_refresh"), []byte("ks-refresh-example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TMALL_FLAGSHIP_SECRET", "example-app-secret")
	t.Setenv("KS_APP_SECRET", "example-ks-app-secret")
	t.Setenv("KS_SIGN_SECRET", "example-ks-sign-secret")
	t.Setenv("SYNCCTL_ERP_SECRET", "example-erp-secret")
	c, err := config.Load(write(t, "syncctl.yaml", block))
	if err != nil {
		t.Fatalf("the README's configuration does not load: %v", err)
	}
	if c.Temporal.Address != "temporal.internal:7233" || c.Orders.Window != 30*time.Minute || c.ERP.URL == "" {
		t.Fatalf("loaded %+v", c)
	}
	shops, err := c.ShopConfigs()
	if err != nil {
		t.Fatalf("its secrets do not resolve: %v", err)
	}
	if len(shops) != 2 || shops[0].Options["pid:口味"] != "122216608" || shops[0].Credential("session") != "6100example" {
		t.Fatalf("shops = %+v", shops)
	}
	for _, shop := range shops {
		if _, err := platforms.Open(shop); err != nil {
			t.Fatalf("the %s connector refuses the README's shop: %v", shop.Channel, err)
		}
	}
	ks := shops[1]
	if ks.Credential("refresh_token") != "ks-refresh-example" || ks.Commission == nil || ks.Commission.Default != 2000 ||
		ks.Commission.ByCategory["食品/咖啡/咖啡豆"] != 2500 || ks.Commission.ByProduct["GW-CK-001"] != 3000 {
		t.Fatalf("the Kuaishou shop = %+v, commission %+v", ks, ks.Commission)
	}
	if secret, err := c.ERPSecret(); err != nil || string(secret) != "example-erp-secret" {
		t.Fatalf("erp secret = %q, %v", secret, err)
	}
}

// The README's pricing example loads beside its shops, and the derivation
// the README shows for `prices explain` is what the example gives.
func TestTheREADMEPricingExampleWorks(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for rest := string(readme); ; {
		var ok bool
		if _, rest, ok = strings.Cut(rest, "```yaml\n"); !ok {
			break
		}
		var block string
		block, rest, _ = strings.Cut(rest, "```")
		blocks = append(blocks, block)
	}
	var pricingBlock string
	for _, b := range blocks {
		if strings.HasPrefix(b, "pricing:") {
			pricingBlock = b
		}
	}
	if len(blocks) < 2 || pricingBlock == "" {
		t.Fatal("README.md has no pricing example")
	}
	dir := t.TempDir()
	base := strings.ReplaceAll(blocks[0], "/run/secrets/", dir+"/")
	c, err := config.Load(write(t, "syncctl.yaml", base+pricingBlock))
	if err != nil {
		t.Fatalf("the README's pricing example does not load: %v", err)
	}
	pol, err := c.PricingPolicy()
	if err != nil {
		t.Fatal(err)
	}
	sku := domain.SKU{Code: "YS-TS-001-WHT-M", ListPrice: 5990, Cost: 1850}
	at, _ := time.ParseInLocation("2006-01-02 15:04", "2026-12-12 10:00", pricing.ChinaTime())
	price, d := pol.RuleFor(domain.ShopRef{Channel: "kuaishou", Shop: "live"}).Price(domain.Product{Code: "YS-TS-001"}, sku, at)
	want := "list price 59.90 → +10% 65.89 → rounding 0.9 64.90 → 双12 -15% until 2026-12-13 00:00 55.17"
	if price != 5517 || d.String() != want || !strings.Contains(string(readme), "`"+want+"`") {
		t.Fatalf("kuaishou/live at 双12: %s (%s), want %s as the README says", price.Yuan(), d, want)
	}
	if pol.ApprovalExpiry() != 24*time.Hour || len(pol.Parity) != 2 || pol.Floor.Margin != 1500 {
		t.Fatalf("policy = %+v", pol)
	}
}
