package jd_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/fuzzcheck"
	"github.com/syncctl/syncctl/connectors/jd"
	"github.com/syncctl/syncctl/domain"
)

// FuzzProduct: whatever jingdong.sku.read.searchSkuList answers,
// ReadPrices, an update's read-back and UpdateStock never panic nor loop;
// they refuse with a coded error that keeps the secrets, or read the ware
// asked for: prices above 0 of the SKU codes asked, and SKU ids that are
// JOS's digits in every write.
func FuzzProduct(f *testing.F) {
	// As sandbox/jd answers the ware of push() (TestProducts, TestReadPrices).
	list := `{"jingdong_sku_read_searchSkuList_responce":{"code":"0","page":{"pageNo":1,"totalItem":2,"data":[` +
		`{"skuId":70012345678901,"wareId":10023456789,"outerId":"YS-TS-001-WHT-M","jdPrice":59.9,"stockNum":7,"barCode":"","status":1},` +
		`{"skuId":"70012345678902","wareId":10023456789,"outerId":"YS-TS-001-BLK-L","jdPrice":"49.90","stockNum":30,"barCode":"","status":2}]}}}`
	seeds := []string{list}
	for _, r := range [][2]string{
		{`"jdPrice":59.9`, `"jdPrice":-59.9`}, {`"jdPrice":59.9`, `"jdPrice":0`}, {`"jdPrice":59.9`, `"jdPrice":59.999`},
		{`"jdPrice":59.9`, `"jdPrice":5.99e1`}, {`"skuId":70012345678901`, `"skuId":7.0012345678901e13`}, {`"skuId":70012345678901`, `"skuId":-1`},
		{`"skuId":70012345678901,`, ``}, {`"outerId":"YS-TS-001-WHT-M",`, ``}, {`"YS-TS-001-WHT-M"`, `"YS-TS-001-BLK-L"`},
		{`"wareId":10023456789,`, `"wareId":10023456780,`}, {`"totalItem":2`, `"totalItem":1000000000`}, {`"data":[`, `"data":{"0":`},
	} {
		seeds = append(seeds, strings.Replace(list, r[0], r[1], 1))
	}
	seeds = append(seeds, list[:len(list)/2], list+"0", `{"jingdong_sku_read_searchSkuList_responce":{"code":"0","page":{"data":[],"totalItem":0}}}`,
		`{"jingdong_sku_read_searchSkuList_responce":{"code":"0"}}`, `{}`, `not json`,
		`{"error_response":{"code":"19","zh_desc":"无效access_token","en_desc":"Invalid access_token"}}`,
		`{"error_response":{"code":"67","zh_desc":"平台连接后端服务超时","en_desc":"Platform backend timeout"}}`,
		`{"jingdong_sku_read_searchSkuList_responce":{"code":"1001","zh_desc":"参数错误","en_desc":"Invalid parameter"}}`)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	gw := newFuzzGateway(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		const wareID = "10023456789"
		asked := connectors.ProductIDs{ItemID: wareID, SKUIDs: map[string]string{"YS-TS-001-WHT-M": "70012345678901", "YS-TS-001-BLK-L": ""}}
		for _, ids := range []connectors.ProductIDs{asked, {ItemID: wareID}} {
			prices, err := gw.open(t, body).(connectors.PriceReader).ReadPrices(ctx, ids)
			if err != nil {
				refusal(t, err)
				continue
			}
			if len(prices) > 0 { // an empty page is JOS's answer for a ware it does not know
				holds(t, body, wareID)
			}
			for code, p := range prices {
				if _, ok := ids.SKUIDs[code]; len(ids.SKUIDs) > 0 && !ok || code == "" || p <= 0 {
					t.Fatalf("ReadPrices(%v) = %v: sku %q at %d fen", ids.SKUIDs, prices, code, p)
				}
			}
		}
		p := push()
		p.Known = &connectors.ProductIDs{ItemID: wareID}
		res, err := gw.open(t, body).UpsertProduct(ctx, p)
		if err != nil {
			refusal(t, err)
		} else if !slices.Contains([]domain.ListingStatus{domain.ListingOnSale, domain.ListingDelisted}, res.Status) {
			t.Fatalf("status %q", res.Status)
		}
		for _, id := range gw.sentSKUIDs() {
			if !domain.Digits(id) {
				t.Fatalf("updateSkus sent skuId %q", id)
			}
			holds(t, body, id)
		}
		err = gw.open(t, body).UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-BLK-L", IDs: connectors.ProductIDs{ItemID: wareID}, Quantity: 3})
		if err != nil {
			refusal(t, err)
		} else if id := gw.stockSKUID(); !domain.Digits(id) {
			t.Fatalf("updateSkuStock sent skuId %q", id)
		} else {
			holds(t, body, id)
		}
	})
}

// fuzzGateway answers jingdong.sku.read.searchSkuList with the fuzzed body,
// the token refresh and the ware writes as JOS does, and keeps the SKU ids
// the writes of the channel opened last carried. Each channel it opens has
// a gateway URL of its own, so a throttle or the breaker one input meets
// never holds the next (the shop gate is per shop and endpoint).
type fuzzGateway struct {
	url    string
	tokens *connectors.MemoryTokens
	mu     sync.Mutex
	n      int
	bodies map[string][]byte      // path → the body searchSkuList answers there
	sent   map[string][]string    // path → skuIds of updateSkus
	stock  map[string]json.Number // path → skuId of updateSkuStock
}

func newFuzzGateway(f *testing.F) *fuzzGateway {
	g := &fuzzGateway{tokens: &connectors.MemoryTokens{}, bodies: map[string][]byte{}, sent: map[string][]string{}, stock: map[string]json.Number{}}
	srv := httptest.NewUnstartedServer(g)
	srv.Config.SetKeepAlivesEnabled(false) // every channel has its own client: no idle connection piles up
	srv.Start()
	f.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

func (g *fuzzGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth2/refresh_token" {
		fmt.Fprint(w, `{"access_token":"fuzz-access","refresh_token":"fuzz-refresh","expires_in":86400}`)
		return
	}
	method := r.FormValue("method")
	var param struct {
		Skus []struct {
			SkuID json.Number `json:"skuId"`
		} `json:"skus"`
		SkuID json.Number `json:"skuId"`
	}
	_ = json.Unmarshal([]byte(r.FormValue("360buy_param_json")), &param)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch method {
	case "jingdong.sku.read.searchSkuList":
		_, _ = w.Write(g.bodies[r.URL.Path])
	case "jingdong.ware.write.updateWare":
		fmt.Fprint(w, `{"jingdong_ware_write_updateWare_responce":{"code":"0"}}`)
	case "jingdong.sku.write.updateSkus":
		for _, k := range param.Skus {
			if k.SkuID != "" {
				g.sent[r.URL.Path] = append(g.sent[r.URL.Path], k.SkuID.String())
			}
		}
		fmt.Fprint(w, `{"jingdong_sku_write_updateSkus_responce":{"code":"0","skus":[`+
			`{"skuId":70012345678901,"wareId":10023456789,"outerId":"YS-TS-001-WHT-M","jdPrice":59.9,"stockNum":7,"status":1},`+
			`{"skuId":70012345678902,"wareId":10023456789,"outerId":"YS-TS-001-BLK-L","jdPrice":49.9,"stockNum":30,"status":1}]}}`)
	case "jingdong.stock.write.updateSkuStock":
		g.stock[r.URL.Path] = param.SkuID
		fmt.Fprint(w, `{"jingdong_stock_write_updateSkuStock_responce":{"code":"0","success":true}}`)
	default:
		fmt.Fprint(w, `{"error_response":{"code":"15","zh_desc":"不存在的方法名","en_desc":"Invalid Method"}}`)
	}
}

func (g *fuzzGateway) path() string { return fmt.Sprintf("/routerjson/%d", g.n) }

func (g *fuzzGateway) open(t *testing.T, body []byte) connectors.Channel {
	g.mu.Lock()
	g.n++
	path := g.path()
	g.bodies[path] = body
	g.mu.Unlock()
	t.Cleanup(func() {
		g.mu.Lock()
		delete(g.bodies, path)
		delete(g.sent, path)
		delete(g.stock, path)
		g.mu.Unlock()
	})
	// One shop and token store for every channel: the token is fetched once.
	cfg, err := jd.Platform.CheckShop(connectors.ShopConfig{Channel: "jd", Shop: "fuzz", Gateway: g.url + path, QPS: 1e9,
		Options:     map[string]string{"oauth_url": g.url + "/oauth2/refresh_token"},
		Credentials: map[string]connectors.Secret{"app_key": "ak", "app_secret": "as-fuzz-secret", "refresh_token": "rt-fuzz-seed"}, Tokens: g.tokens})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := jd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// sentSKUIDs are the skuIds of the updateSkus the channel opened last sent.
func (g *fuzzGateway) sentSKUIDs() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.sent[g.path()]
}

// stockSKUID is the skuId of the updateSkuStock the channel opened last sent.
func (g *fuzzGateway) stockSKUID() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stock[g.path()].String()
}

// refusal checks an error: coded, and naming no secret.
func refusal(t *testing.T, err error) {
	t.Helper()
	if err := fuzzcheck.Refused(err, "as-fuzz-secret", "rt-fuzz-seed", "fuzz-access", "fuzz-refresh"); err != nil {
		t.Fatal(err)
	}
}

// holds fails unless an answer read as a success holds each of values.
func holds(t *testing.T, body []byte, values ...string) {
	t.Helper()
	if err := fuzzcheck.Holds(body, values...); err != nil {
		t.Fatal(err)
	}
}
