package cli_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/cli"
	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/platforms"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
	sbwechat "github.com/syncctl/syncctl/sandbox/wechat"
	"github.com/syncctl/syncctl/store"
)

// `prices check` reads what the shop shows from its platform: a price the
// seller lowered in Tmall's back office after syncctl pushed 59.90 breaks
// the floor, seen with the default --live and not with --live=false (the
// last pushed price).
func TestPricesCheckReadsThePlatform(t *testing.T) {
	const appKey, secret, session = "23000001", "tmall-test-secret", "tmall-test-session"
	sb := sbtmall.New(sbtmall.Config{AppKey: appKey, AppSecret: secret, Session: session, Seed: 5})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	t.Setenv("PRICES_LIVE_TEST_TMALL_SECRET", secret)
	t.Setenv("PRICES_LIVE_TEST_TMALL_SESSION", session)

	dir := t.TempDir()
	dsn := filepath.Join(dir, "syncctl.db")
	csv := filepath.Join(dir, "c.csv")
	row := "TS-1,山野集 纯棉T恤,山野集,服装/男装/T恤,精梳长绒棉，四季可穿。,https://img.example.com/TS-1/1.jpg,"
	writeFile(t, csv, "spu_code,title,brand,category,description,images,sku_code,specs,weight_g,cost,list_price,stock\n"+
		row+"TS-1-W,颜色:白色,220,20.00,59.90,10\n"+row+"TS-1-B,颜色:黑色,220,20.00,59.90,10\n")
	if code, out, errOut := run(t, "catalog", "import", csv, "--store-dsn", dsn); code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, errOut)
	}
	cfg := writeFile(t, filepath.Join(dir, "syncctl.yaml"), `shops:
  - channel: tmall
    shop: flagship
    gateway: `+srv.URL+`/router/rest
    qps: 1000
    credentials:
      app_key: {value: "`+appKey+`"}
      app_secret: {env: PRICES_LIVE_TEST_TMALL_SECRET}
      session: {env: PRICES_LIVE_TEST_TMALL_SESSION}
pricing:
  floor:
    margin: "50%"
`)
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}

	// A push as the worker makes it: the item on the platform, the
	// listings with its ids and the prices pushed.
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := st.GetProduct(ctx, "TS-1")
	if err != nil {
		t.Fatal(err)
	}
	ch, err := platforms.Open(connectors.ShopConfig{Channel: shop.Channel, Shop: shop.Shop, Gateway: srv.URL + "/router/rest", QPS: 1000,
		Credentials: map[string]connectors.Secret{"app_key": appKey, "app_secret": secret, "session": session}})
	if err != nil {
		t.Fatal(err)
	}
	push := connectors.ProductPush{Product: prod, Prices: map[string]domain.Money{"TS-1-W": 5990, "TS-1-B": 5990},
		Stocks: map[string]int{"TS-1-W": 10, "TS-1-B": 10}}
	res, err := ch.UpsertProduct(ctx, push)
	if err != nil {
		t.Fatal(err)
	}
	var ls []domain.ChannelListing
	for _, code := range []string{"TS-1-W", "TS-1-B"} {
		ls = append(ls, domain.ChannelListing{Shop: shop, SKUCode: code, ProductCode: "TS-1", ItemID: res.IDs.ItemID,
			PlatformSKUID: res.IDs.SKUIDs[code], Price: 5990, Stock: 10, Status: domain.ListingOnSale, PushedAt: time.Now()})
	}
	if err := st.SaveListings(ctx, ls); err != nil {
		t.Fatal(err)
	}
	st.Close()

	check := func(args ...string) (int, string, string) {
		return run(t, append([]string{"prices", "check", "--config", cfg, "--store-dsn", dsn}, args...)...)
	}
	if code, out, errOut := check(); code != 0 || !strings.Contains(out, "price sources: platform: tmall/flagship\n") || errOut != "" {
		t.Fatalf("as pushed: exit %d: %s%s", code, out, errOut)
	}

	// The seller lowers a price in the back office (another client of TOP).
	if err := ch.UpdatePrice(ctx, connectors.PriceUpdate{SKUCode: "TS-1-B", IDs: res.IDs, Price: 2500}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := check()
	if code != cli.ExitPartial || !strings.Contains(errOut, "1 price violation") {
		t.Fatalf("after the back-office edit: exit %d: %s%s", code, out, errOut)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^TS-1-B\s+tmall/flagship\s+25\.00\s+platform\s+30\.00\s+floor\s+floor\.margin: 25\.00 is below 30\.00`),
		regexp.MustCompile(`(?m)^TS-1-B\s+tmall/flagship\s+25\.00\s+platform\s+59\.90\s+drift`),
		regexp.MustCompile(`(?m)^2 SKUs checked on 1 shop: 1 violation, 1 price differs from its rule$`),
	} {
		if !want.MatchString(out) {
			t.Errorf("output lacks %s:\n%s", want, out)
		}
	}
	code, out, _ = check("-o", "json")
	var rep struct {
		Violations []domain.PriceViolation `json:"violations"`
		Sources    map[string]string       `json:"sources"`
		Warnings   []string                `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != cli.ExitPartial {
		t.Fatalf("-o json: exit %d, %v:\n%s", code, err, out)
	}
	if len(rep.Violations) != 1 || rep.Violations[0].Price != 2500 || rep.Sources["tmall/flagship"] != "platform" || len(rep.Warnings) != 0 {
		t.Fatalf("-o json: %+v", rep)
	}

	// --live=false checks the last pushed price: nothing to report.
	if code, out, errOut := check("--live=false"); code != 0 || !strings.Contains(out, "0 violations, 0 prices differ") ||
		!strings.Contains(out, "price sources: last pushed: tmall/flagship\n") {
		t.Fatalf("--live=false: exit %d: %s%s", code, out, errOut)
	}

	// The platform unreachable: the check goes on with the last pushed
	// prices, with a warning, and does not fail.
	srv.Close()
	code, out, errOut = check()
	if code != 0 || !strings.Contains(out, "price sources: last pushed: tmall/flagship\n") ||
		!strings.Contains(errOut, "warning: tmall/flagship: reading the platform's prices failed at product TS-1") {
		t.Fatalf("platform down: exit %d: %s%s", code, out, errOut)
	}
}

// A shop whose platform mints tokens (WeChat) is read with the token a
// worker keeps in the store; `prices check` never fetches one itself (it
// would race the worker's refresh). With no token in the store the read
// falls back to the last pushed prices with a warning, and the platform
// is not called.
func TestPricesCheckNeverRefreshesAToken(t *testing.T) {
	creds := sbwechat.Platform.NewCredentials()
	sb := sbwechat.New(sbwechat.Config{AppID: creds["appid"], Secret: creds["secret"]})
	srv := httptest.NewServer(sb)
	t.Cleanup(func() { srv.Close(); _ = sb.Close() })
	t.Setenv("PRICES_TOKEN_TEST_WECHAT_SECRET", creds["secret"])
	setup := sbwechat.Platform.Shop(srv.URL)

	dir := t.TempDir()
	dsn := filepath.Join(dir, "syncctl.db")
	csv := filepath.Join(dir, "c.csv")
	writeFile(t, csv, "spu_code,title,category,description,images,sku_code,specs,cost,list_price,stock\n"+
		"TS-1,山野集 纯棉T恤,服装/男装/T恤,精梳长绒棉。,https://img.example.com/1.jpg,TS-1-W,颜色:白色,20.00,59.90,10\n")
	if code, out, errOut := run(t, "catalog", "import", csv, "--store-dsn", dsn); code != 0 {
		t.Fatalf("import: exit %d: %s%s", code, out, errOut)
	}
	var opts strings.Builder
	for k, v := range setup.Options {
		opts.WriteString("      " + k + ": \"" + v + "\"\n")
	}
	cfg := writeFile(t, filepath.Join(dir, "syncctl.yaml"), `shops:
  - channel: wechat_shop
    shop: mini
    gateway: `+setup.Gateway+`
    credentials:
      appid: {value: "`+creds["appid"]+`"}
      secret: {env: PRICES_TOKEN_TEST_WECHAT_SECRET}
    options:
`+opts.String())
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	shop := domain.ShopRef{Channel: "wechat_shop", Shop: "mini"}
	if err := st.SaveListings(ctx, []domain.ChannelListing{{Shop: shop, SKUCode: "TS-1-W", ProductCode: "TS-1", ItemID: "10000000001",
		PlatformSKUID: "20000000001", Price: 5990, Status: domain.ListingOnSale, PushedAt: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	code, out, errOut := run(t, "prices", "check", "--config", cfg, "--store-dsn", dsn)
	if code != 0 || !strings.Contains(out, "price sources: last pushed: wechat_shop/mini\n") ||
		!strings.Contains(errOut, "warning: wechat_shop/mini: reading the platform's prices failed at product TS-1") ||
		!strings.Contains(errOut, "prices check never refreshes one") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if calls := sb.CallCounts(); len(calls) != 0 {
		t.Fatalf("the platform was called: %v", calls)
	}
}
