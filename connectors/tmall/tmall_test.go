package tmall_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/tmall"
	"github.com/syncctl/syncctl/domain"
	sbtmall "github.com/syncctl/syncctl/sandbox/tmall"
)

func docParams() map[string]string {
	return map[string]string{"app_key": "12345678", "fields": "num_iid,title,nick,price,num", "format": "json",
		"method": "taobao.item.seller.get", "num_iid": "11223344", "session": "test", "sign_method": "md5",
		"timestamp": "2016-01-01 12:00:00", "v": "2.0"}
}

// The worked examples of channels.md §3.2 (md5 from the TOP doc; hmac and
// hmac-sha256 computed, re-checked with python3), and vectors with an
// empty parameter computed with python3 skipping it, as the SDKs do.
func TestSignVectors(t *testing.T) {
	p := docParams()
	check := func(method, want string) {
		t.Helper()
		p["sign_method"] = method
		got, err := tmall.Sign(method, "helloworld", p)
		if err != nil || got != want {
			t.Errorf("%s = %s, %v; want %s", method, got, err, want)
		}
	}
	check("md5", "66987CB115214E59E6EC978214934FB8")
	check("hmac", "D56D7858309C31B6251083A874D48273")
	check("hmac-sha256", "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8")
	p["sign"] = "ignored"
	check("hmac-sha256", "04DB15AD0774D5CFCE2C837DE43E3FCEA9011ED74F3038FB6AB5F3C4CEA119E8")
	p["title"], p["outer_id"] = "纯棉T恤", ""
	check("md5", "C965F72D5FC3B6C6D46A783CD06F56C3") // 4175DA64… if the empty outer_id were signed
	check("hmac-sha256", "21FCE6F3EF0D917D1DE8322C1C3879B376156B4908B7C9615287FDB9F9D14259")
	if _, err := tmall.Sign("sha1", "helloworld", p); err == nil {
		t.Fatal("an unknown sign method signed")
	}
}

const (
	appKey  = "23000001"
	secret  = "s3cr3t-app-secret"
	session = "6100-session-token"
)

// gateway is a minimal TOP peer for the connector's own tests: it checks
// what the connector sends, verifying the signature with the sandbox's
// independent implementation (never tmall.Sign), and answers with canned
// method handlers. A handler may answer an HTTP status instead of a body by
// returning "HTTP <status>" (optionally " Retry-After <n>").
type gateway struct {
	t        *testing.T
	mu       sync.Mutex
	calls    []map[string]string
	handlers map[string]func(p map[string]string) string
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.RawQuery != "" {
		g.t.Errorf("parameters in the URL (%q): secrets must travel in the body", r.URL.RawQuery)
	}
	if err := r.ParseForm(); err != nil {
		g.t.Fatal(err)
	}
	p := map[string]string{}
	for k, v := range r.PostForm {
		p[k] = v[0]
		if v[0] == "" {
			g.t.Errorf("%s sent with an empty value: the SDKs drop empty parameters", k)
		}
	}
	g.mu.Lock()
	g.calls = append(g.calls, p)
	g.mu.Unlock()
	if p["app_key"] != appKey || p["session"] != session || p["v"] != "2.0" || p["format"] != "json" {
		g.t.Errorf("system params wrong: %v", p)
	}
	if _, err := time.ParseInLocation("2006-01-02 15:04:05", p["timestamp"], time.FixedZone("", 8*3600)); err != nil {
		g.t.Errorf("timestamp %q: %v", p["timestamp"], err)
	}
	if want := sbtmall.Sign(p["sign_method"], secret, p); p["sign"] != want {
		g.t.Errorf("sign %s, want %s", p["sign"], want)
	}
	h, ok := g.handlers[p["method"]]
	if !ok {
		g.t.Errorf("unexpected method %s", p["method"])
		fmt.Fprint(w, `{"error_response":{"code":22,"msg":"Invalid Method"}}`)
		return
	}
	body := h(p)
	var status, wait int
	if n, _ := fmt.Sscanf(body, "HTTP %d Retry-After %d", &status, &wait); n >= 1 {
		if wait > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(wait))
		}
		w.WriteHeader(status)
		return
	}
	fmt.Fprint(w, body)
}

func (g *gateway) methods() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []string
	for _, c := range g.calls {
		out = append(out, c["method"])
	}
	return out
}

func (g *gateway) last(method string) map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	for i := len(g.calls) - 1; i >= 0; i-- {
		if g.calls[i]["method"] == method {
			return g.calls[i]
		}
	}
	return nil
}

func openWith(t *testing.T, g *gateway, opts map[string]string) *tmall.Channel {
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	ch, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", Gateway: srv.URL + "/router/rest",
		Credentials: creds(appKey, secret, session), QPS: 1000, Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return ch.(*tmall.Channel)
}

func open(t *testing.T, g *gateway) *tmall.Channel { return openWith(t, g, nil) }

func product() connectors.ProductPush {
	p := domain.Product{Code: "YS-TS-001", Title: "山野集纯棉T恤", Category: "服装/T恤", Description: "精梳棉，220克重磅面料",
		Images: []string{"https://img.example.com/1.jpg"},
		SKUs: []domain.SKU{
			{Code: "YS-TS-001-WHT-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "白色"}, {Name: "尺码", Value: "M"}}, ListPrice: 5990, Stock: 7},
			{Code: "YS-TS-001-BLK-M", Specs: []domain.SpecValue{{Name: "颜色", Value: "黑色"}, {Name: "尺码", Value: "M"}}, ListPrice: 6990, Stock: 3},
		}}
	return connectors.ProductPush{Product: p, Prices: map[string]domain.Money{"YS-TS-001-WHT-M": 5990, "YS-TS-001-BLK-M": 6990},
		Stocks: map[string]int{"YS-TS-001-WHT-M": 7, "YS-TS-001-BLK-M": 3}}
}

const sellerGetTwoSKUs = `{"item_seller_get_response":{"item":{"num_iid":612345678901,"approve_status":"onsale","num":10,
  "skus":{"sku":[{"sku_id":5123456789012,"outer_id":"YS-TS-001-BLK-M","properties":"1627207:-11;20509:-13","price":"69.90"},
                 {"sku_id":"5123456789013","outer_id":"YS-TS-001-WHT-M","properties":"1627207:-12;20509:-13","price":"59.90"}]}}}}`

func TestUpsertCreatesThenReadsSKUIDs(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.item.add": func(map[string]string) string {
			return `{"item_add_response":{"item":{"num_iid":612345678901,"created":"2026-11-24 10:00:00"}}}`
		},
		"taobao.item.seller.get": func(map[string]string) string { return sellerGetTwoSKUs },
	}}
	res, err := open(t, g).UpsertProduct(context.Background(), product())
	if err != nil {
		t.Fatal(err)
	}
	if res.IDs.ItemID != "612345678901" || res.IDs.SKUIDs["YS-TS-001-WHT-M"] != "5123456789013" || res.IDs.SKUIDs["YS-TS-001-BLK-M"] != "5123456789012" ||
		res.Status != domain.ListingOnSale || len(g.methods()) != 2 {
		t.Fatalf("result = %+v", res)
	}
	add := g.last("taobao.item.add")
	want := map[string]string{"num": "10", "price": "59.90", "outer_id": "YS-TS-001", "sku_prices": "69.90,59.90",
		"sku_quantities": "3,7", "sku_outer_ids": "YS-TS-001-BLK-M,YS-TS-001-WHT-M", "type": "fixed", "stuff_status": "new",
		"approve_status": "onsale", "desc": "精梳棉，220克重磅面料", "sign_method": "md5"}
	for k, v := range want {
		if add[k] != v {
			t.Errorf("item.add %s = %q, want %q", k, add[k], v)
		}
	}
	if _, ok := add["sku_barcode"]; ok {
		t.Errorf("sku_barcode sent with no barcodes: %q", add["sku_barcode"])
	}
}

// An update must never put an item an operator took off the shelf back on sale.
func TestUpdateDoesNotSendApproveStatus(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.item.update":     func(map[string]string) string { return `{"item_update_response":{"item":{"num_iid":612345678901}}}` },
		"taobao.item.seller.get": func(map[string]string) string { return sellerGetTwoSKUs },
	}}
	p := product()
	p.Known = &connectors.ProductIDs{ItemID: "612345678901"}
	if _, err := open(t, g).UpsertProduct(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if up := g.last("taobao.item.update"); up["approve_status"] != "" || up["num_iid"] != "612345678901" {
		t.Fatalf("item.update = %v", up)
	}
}

func TestUpsertAfterInterruptedCreateLooksUpFirst(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.items.custom.get": func(p map[string]string) string {
			if p["outer_id"] != "YS-TS-001" {
				t.Errorf("looked up %q", p["outer_id"])
			}
			return `{"items_custom_get_response":{"items":{"item":[{"num_iid":612345678901}]}}}`
		},
		"taobao.item.update":     func(map[string]string) string { return `{"item_update_response":{"item":{"num_iid":612345678901}}}` },
		"taobao.item.seller.get": func(map[string]string) string { return sellerGetTwoSKUs },
	}}
	p := product()
	p.MayExist = true
	if _, err := open(t, g).UpsertProduct(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(g.methods(), ","); got != "taobao.items.custom.get,taobao.item.update,taobao.item.seller.get" {
		t.Fatalf("calls = %s: an interrupted create must never add twice", got)
	}
}

// A gateway that creates the item and then answers 502 must see exactly
// one item.add: the activity retry (with its outer-id lookup) takes it from
// there. A read in the same situation is retried in-process.
func TestWritesThatAreNotIdempotentAreNeverRetriedInProcess(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.item.add":               func(map[string]string) string { return "HTTP 502" },
		"taobao.logistics.offline.send": func(map[string]string) string { return "HTTP 504" },
	}}
	ch := open(t, g)
	_, err := ch.UpsertProduct(context.Background(), product())
	if domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("502 on item.add = %v", err)
	}
	err = ch.Ship(context.Background(), domain.Shipment{PlatformOrderID: "1", Carrier: "SF", TrackingNo: "SF1"})
	if domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("504 on offline.send = %v", err)
	}
	if got := strings.Join(g.methods(), ","); got != "taobao.item.add,taobao.logistics.offline.send" {
		t.Fatalf("calls = %s, want each write exactly once", got)
	}
	n := 0
	g.handlers["taobao.item.seller.get"] = func(map[string]string) string {
		if n++; n == 1 {
			return "HTTP 502"
		}
		return sellerGetTwoSKUs
	}
	g.handlers["taobao.item.update.listing"] = func(p map[string]string) string {
		if p["num"] != "10" {
			t.Errorf("listing num = %q, want the item's 10", p["num"])
		}
		return `{"item_update_listing_response":{"item":{"num_iid":612345678901}}}`
	}
	if err := ch.SetListed(context.Background(), connectors.ProductIDs{ItemID: "612345678901"}, true); err != nil || n != 2 {
		t.Fatalf("SetListed(true) = %v after %d seller.get calls; a read is retried after a 502", err, n)
	}
}

func TestNon200StatusesAreCoded(t *testing.T) {
	cases := map[string]string{"HTTP 401": domain.EAuth, "HTTP 403": domain.EAuth, "HTTP 404": domain.EInvalid,
		"HTTP 500": domain.EUnavailable, "HTTP 429": domain.ERateLimited}
	for answer, want := range cases {
		g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
			"taobao.item.update.delisting": func(map[string]string) string { return answer },
		}}
		err := open(t, g).SetListed(context.Background(), connectors.ProductIDs{ItemID: "1"}, false)
		if domain.ErrorCode(err) != want || !strings.Contains(err.Error(), answer) {
			t.Errorf("%s → %v, want %s", answer, err, want)
		}
	}
}

// A 503 asking for ten minutes comes back at once, carrying the wait for Temporal.
func TestLongRetryAfterReturnsPromptly(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.item.seller.get": func(map[string]string) string { return "HTTP 503 Retry-After 600" },
	}}
	start := time.Now()
	err := open(t, g).SetListed(context.Background(), connectors.ProductIDs{ItemID: "1"}, true)
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.EUnavailable || de.RetryAfter != 10*time.Minute {
		t.Fatalf("503 Retry-After 600 = %#v", err)
	}
	if el := time.Since(start); el > 5*time.Second || len(g.methods()) != 1 {
		t.Fatalf("took %s and %d calls; must not wait in-process", el, len(g.methods()))
	}
}

func creds(appKey, secret, session string) map[string]connectors.Secret {
	return map[string]connectors.Secret{"app_key": connectors.Secret(appKey), "app_secret": connectors.Secret(secret), "session": connectors.Secret(session)}
}

func TestConfigErrorsNameTheField(t *testing.T) {
	_, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", Credentials: creds("1", "x", "y")})
	if err == nil || !strings.Contains(err.Error(), "shop tmall/flagship, field gateway") {
		t.Fatalf("err = %v", err)
	}
	_, err = tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "f", Gateway: "ftp://x", Credentials: creds("1", "x", "y")})
	if err == nil || !strings.Contains(err.Error(), "shop tmall/f, field gateway: want an http or https URL") {
		t.Fatalf("err = %v", err)
	}
	_, err = tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "f", Gateway: "http://x", Credentials: creds("1", "", "y")})
	if err == nil || !strings.Contains(err.Error(), "shop tmall/f, credential app_secret: required") {
		t.Fatalf("err = %v", err)
	}
	// The registration checks options before the factory runs.
	_, err = tmall.Platform.CheckShop(connectors.ShopConfig{Channel: "tmall", Shop: "f", Gateway: "http://x", Credentials: creds("1", "x", "y"),
		Options: map[string]string{"sign_method": "sha1"}})
	if err == nil || !strings.Contains(err.Error(), "shop tmall/f, option sign_method: \"sha1\" is not md5, hmac or hmac-sha256") {
		t.Fatalf("err = %v", err)
	}
	for _, typo := range []string{"sign_mthod", "pid:", "location"} {
		_, err = tmall.Platform.CheckShop(connectors.ShopConfig{Channel: "tmall", Shop: "f", Gateway: "http://x", Credentials: creds("1", "x", "y"),
			Options: map[string]string{typo: "1", "pid:口味": "122216608"}})
		if err == nil || !strings.Contains(err.Error(), "option "+typo+": unknown option") {
			t.Fatalf("option %q: err = %v, want it named as unknown", typo, err)
		}
	}
	cfg, err := tmall.Platform.CheckShop(connectors.ShopConfig{Channel: "tmall", Shop: "f", Gateway: "http://x", Credentials: creds("1", "x", "y")})
	if err != nil || cfg.Options["sign_method"] != "md5" || cfg.Options["cid"] != "50000671" || cfg.QPS != 10 {
		t.Fatalf("defaults = %v %v %v", cfg.Options, cfg.QPS, err)
	}
	// Secrets never print, whatever the format verb.
	cfg = connectors.ShopConfig{Credentials: creds("1", secret, session)}
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.Credentials["app_secret"]), mustJSON(cfg)} {
		if strings.Contains(s, secret) || strings.Contains(s, session) {
			t.Fatalf("a secret printed: %s", s)
		}
	}
}

func TestSignMethodOption(t *testing.T) {
	for _, m := range []string{"hmac", "hmac-sha256"} {
		g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
			"taobao.item.update.delisting": func(map[string]string) string { return `{"item_update_delisting_response":{}}` },
		}}
		if err := openWith(t, g, map[string]string{"sign_method": m}).SetListed(context.Background(), connectors.ProductIDs{ItemID: "1"}, false); err != nil {
			t.Fatal(err)
		}
		if got := g.last("taobao.item.update.delisting")["sign_method"]; got != m {
			t.Fatalf("sign_method = %s, want %s", got, m)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
