package kuaishou

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
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/fuzzcheck"
	"github.com/syncctl/syncctl/domain"
)

// FuzzProduct: whatever open.item.get and open.item.list.get answer,
// ReadPrices, UpsertProduct's lookup and read-back and UpdateStock never
// panic nor loop; they refuse with a coded error that keeps the secrets,
// or read the item asked for: prices above 0 of the SKU codes asked, SKU
// ids that are the platform's digits, and stock moves from a stock the
// platform held (never below 0).
func FuzzProduct(f *testing.F) {
	// As sandbox/kuaishou answers the item of push() (TestReadPrices).
	item := `{"kwaiItemId":3000123456,"relItemId":"YS-TS-001","title":"纯棉圆领短袖T恤","categoryId":1001,"shelfStatus":1,"skuInfos":[` +
		`{"kwaiSkuId":3100000001,"relSkuId":"YS-TS-001-WHT-M","skuStock":5,"skuSalePrice":5990,"skuMarketPrice":9900,"skuNick":"YS-TS-001-WHT-M",` +
		`"skuProps":[{"propName":"颜色","propValueName":"白色"},{"propName":"尺码","propValueName":"M"}]},` +
		`{"kwaiSkuId":"3100000002","relSkuId":"YS-TS-001-BLK-L","skuStock":3100,"skuSalePrice":4990,"skuMarketPrice":0,"skuNick":"YS-TS-001-BLK-L"}]}`
	get := `{"result":1,"data":` + item + `}`
	seeds := []string{get, `{"result":1,"data":{"items":[` + item + `],"totalCount":1,"pageNumber":1,"pageSize":50}}`}
	for _, r := range [][2]string{
		{`"skuSalePrice":5990`, `"skuSalePrice":-5990`}, {`"skuSalePrice":5990`, `"skuSalePrice":0`}, {`"skuSalePrice":5990`, `"skuSalePrice":59.9`},
		{`"skuStock":5,`, `"skuStock":-5,`}, {`"kwaiSkuId":3100000001`, `"kwaiSkuId":"x1"`}, {`"kwaiSkuId":3100000001`, `"kwaiSkuId":3.1e9`},
		{`"kwaiSkuId":3100000001,`, ``}, {`"relSkuId":"YS-TS-001-WHT-M",`, ``}, {`"relSkuId":"YS-TS-001-WHT-M"`, `"relSkuId":"YS-TS-001-BLK-L"`},
		{`"kwaiItemId":3000123456`, `"kwaiItemId":3000123457`}, {`"shelfStatus":1`, `"shelfStatus":"1"`},
	} {
		seeds = append(seeds, strings.Replace(get, r[0], r[1], 1))
	}
	var page []string // a full page of the list, every page the same
	for i := range listPageSize {
		page = append(page, fmt.Sprintf(`{"kwaiItemId":%d,"relItemId":"OTHER-%d","shelfStatus":1,"skuInfos":[]}`, 3000000000+i, i))
	}
	seeds = append(seeds, get[:len(get)/2], get+"0", `{"result":1,"data":{"items":[`+strings.Join(page, ",")+`],"totalCount":1000000000}}`,
		`{"result":1,"data":null}`, `{"result":1}`, `{}`, `not json`,
		`{"result":28,"error_msg":"鉴权失败: TOKEN过期"}`, `{"result":1017,"error_msg":"Exceed qps limit"}`,
		`{"result":2002,"error_msg":"业务处理失败","subMsg":"kwaiItemId 3000123456: 商品不存在"}`)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	gw := newFuzzGateway(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		const itemID = "3000123456"
		asked := connectors.ProductIDs{ItemID: itemID, SKUIDs: map[string]string{"YS-TS-001-WHT-M": "3100000001", "YS-TS-001-BLK-L": ""}}
		for _, ids := range []connectors.ProductIDs{asked, {ItemID: itemID}} {
			prices, err := gw.open(t, body).ReadPrices(ctx, ids)
			if err != nil {
				refusal(t, err)
				continue
			}
			holds(t, body, itemID)
			for code, p := range prices {
				if _, ok := ids.SKUIDs[code]; len(ids.SKUIDs) > 0 && !ok || code == "" || p <= 0 {
					t.Fatalf("ReadPrices(%v) = %v: sku %q at %d fen", ids.SKUIDs, prices, code, p)
				}
			}
		}
		known, retried := push(), push()
		known.Known = &connectors.ProductIDs{ItemID: itemID, SKUIDs: map[string]string{"YS-TS-001-WHT-M": "3100000001", "YS-TS-001-BLK-L": "3100000002"}}
		retried.MayExist = true
		for _, p := range []connectors.ProductPush{known, retried} {
			res, err := gw.open(t, body).UpsertProduct(ctx, p)
			if err != nil {
				refusal(t, err)
			} else if holds(t, body, res.IDs.ItemID); !slices.Contains([]domain.ListingStatus{domain.ListingOnSale, domain.ListingDelisted}, res.Status) {
				t.Fatalf("status %q", res.Status)
			}
			for code, id := range res.IDs.SKUIDs {
				if !domain.Digits(id) {
					t.Fatalf("sku %s read back as %q", code, id)
				}
				holds(t, body, id)
			}
			gw.checkMoves(t, p.Stocks, body)
		}
		err := gw.open(t, body).UpdateStock(ctx, connectors.StockUpdate{SKUCode: "YS-TS-001-BLK-L", IDs: asked, Quantity: 3})
		if err != nil {
			refusal(t, err)
		}
		gw.checkMoves(t, map[string]int{"YS-TS-001-BLK-L": 3}, body)
	})
}

// stockMove is a stock change the connector sent.
type stockMove struct {
	SKUID json.Number `json:"kwaiSkuId"`
	Alt   json.Number `json:"skuId"` // open.item.sku.stock.update names it so
	N     int         `json:"skuChangeStock"`
	Kind  int         `json:"skuStockChangeType"`
	Kind2 int         `json:"changeType"`
}

// fuzzGateway answers open.item.get and open.item.list.get with the fuzzed
// body, the token refresh and the item writes as the platform does (a new
// item is 3000123456), and keeps the stock moves the writes of the channel
// opened last carried. Each channel it opens has a gateway URL of its own,
// so a throttle or the breaker one input meets never holds the next (the
// shop gate is per shop and endpoint).
type fuzzGateway struct {
	url    string
	tokens *connectors.MemoryTokens
	mu     sync.Mutex
	n      int
	bodies map[string][]byte      // gateway path → the body the reads answer there
	moves  map[string][]stockMove // gateway path → the stock moves sent there
}

func newFuzzGateway(f *testing.F) *fuzzGateway {
	g := &fuzzGateway{tokens: &connectors.MemoryTokens{}, bodies: map[string][]byte{}, moves: map[string][]stockMove{}}
	srv := httptest.NewUnstartedServer(g)
	srv.Config.SetKeepAlivesEnabled(false) // every channel has its own client: no idle connection piles up
	srv.Start()
	f.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

func (g *fuzzGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	prefix, rest, _ := strings.Cut(r.URL.Path, "/open/")
	if strings.HasSuffix(r.URL.Path, "/oauth2/refresh_token") {
		fmt.Fprint(w, `{"result":1,"access_token":"fuzz-access","expires_in":172800,"refresh_token":"fuzz-refresh","refresh_token_expires_in":15552000}`)
		return
	}
	var param struct {
		SKUList []stockMove `json:"skuList"`
		stockMove
	}
	_ = json.Unmarshal([]byte(r.FormValue("param")), &param)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch method := strings.ReplaceAll(rest, "/", "."); method {
	case "open.item.get", "open.item.list.get":
		_, _ = w.Write(g.bodies[prefix])
	case "open.item.new":
		fmt.Fprint(w, `{"result":1,"data":{"kwaiItemId":3000123456}}`)
	case "open.item.edit":
		fmt.Fprint(w, `{"result":1,"data":{}}`)
	case "open.item.autopass.edit", "open.item.sku.stock.update":
		for _, m := range append(param.SKUList, param.stockMove) {
			if m.SKUID != "" || m.Alt != "" {
				g.moves[prefix] = append(g.moves[prefix], m)
			}
		}
		fmt.Fprint(w, `{"result":1,"data":{}}`)
	default:
		fmt.Fprintf(w, `{"result":22,"error_msg":"%s: 无效的方法"}`, method)
	}
}

func (g *fuzzGateway) prefix() string { return fmt.Sprintf("/ks/%d", g.n) }

func (g *fuzzGateway) open(t *testing.T, body []byte) *Channel {
	g.mu.Lock()
	g.n++
	prefix := g.prefix()
	g.bodies[prefix] = body
	g.mu.Unlock()
	t.Cleanup(func() { g.mu.Lock(); delete(g.bodies, prefix); delete(g.moves, prefix); g.mu.Unlock() })
	// One shop and token store for every channel: the token is fetched once.
	ch, err := open(connectors.ShopConfig{Channel: "kuaishou", Shop: "fuzz", Gateway: g.url + prefix, QPS: 1e9,
		Options: map[string]string{"category_id": "1001"}, Tokens: g.tokens,
		Credentials: map[string]connectors.Secret{"appkey": "ks123", "app_secret": "asec-fuzz", "sign_secret": "ssec-fuzz", "refresh_token": "rt-fuzz"}}, time.Now)
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// heldSKU is a SKU of open.item.get's answer, read on its own.
type heldSKU struct {
	ID    json.RawMessage `json:"kwaiSkuId"`
	Rel   string          `json:"relSkuId"`
	Stock int             `json:"skuStock"`
}

func (k heldSKU) id() string {
	var s string
	if json.Unmarshal(k.ID, &s) == nil {
		return s
	}
	return string(k.ID)
}

// checkMoves checks the stock moves the channel opened last sent: each
// moves a SKU of the answer from the stock the answer gives it, which is
// not below 0, to its target.
func (g *fuzzGateway) checkMoves(t *testing.T, targets map[string]int, body []byte) {
	t.Helper()
	g.mu.Lock()
	moves := g.moves[g.prefix()]
	g.mu.Unlock()
	var answer struct {
		Data struct {
			SKUInfos []heldSKU `json:"skuInfos"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &answer)
	for _, m := range moves {
		id, kind := m.SKUID, m.Kind
		if id == "" {
			id, kind = m.Alt, m.Kind2
		}
		i := slices.IndexFunc(answer.Data.SKUInfos, func(k heldSKU) bool { return k.id() == id.String() })
		if i < 0 || !domain.Digits(id.String()) || m.N <= 0 {
			t.Fatalf("stock move %+v of no SKU of the answer", m)
		}
		k := answer.Data.SKUInfos[i]
		from := targets[k.Rel] - m.N
		if kind == stockSubtract {
			from = targets[k.Rel] + m.N
		}
		if kind != stockAdd && kind != stockSubtract || from != k.Stock || from < 0 {
			t.Fatalf("stock move %+v of sku %s: from %d to %d, the answer holds %d", m, k.Rel, from, targets[k.Rel], k.Stock)
		}
	}
}

// refusal checks an error: coded, and naming no secret.
func refusal(t *testing.T, err error) {
	t.Helper()
	if err := fuzzcheck.Refused(err, "asec-fuzz", "ssec-fuzz", "rt-fuzz", "fuzz-access", "fuzz-refresh"); err != nil {
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
