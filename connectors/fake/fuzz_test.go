package fake_test

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
	"github.com/syncctl/syncctl/connectors/fake"
	"github.com/syncctl/syncctl/connectors/fuzzcheck"
	"github.com/syncctl/syncctl/domain"
)

// FuzzProduct: whatever product.get, product.upsert and
// product.review_status answer, ReadPrices, UpsertProduct, UpdateStock
// and ReviewStatus never panic; they refuse with a coded error that keeps
// the key, or read the item asked for: prices above 0 of the SKU codes
// asked, SKU ids of the answer, a documented status, and stock deltas from
// a stock the platform held (never below 0) to the target.
func FuzzProduct(f *testing.F) {
	// As sandbox/fake answers product("P1", 2) (TestReadPrices).
	item := `{"code":0,"message":"ok","data":{"item":{"item_id":"7000000000000000042","outer_id":"P1","title":"商品 P1 纯棉T恤",` +
		`"status":"on_shelf","reject_reason":"","skus":[{"sku_id":"7100000000000000043","outer_id":"P1-0","price_fen":5990,"stock":4},` +
		`{"sku_id":"7100000000000000051","outer_id":"P1-1","price_fen":6990,"stock":11}],"update_time":1795485600}}}`
	seeds := []string{item, `{"code":0,"message":"ok","data":{"item_id":"7000000000000000042","status":"rejected","reject_reason":"主图含违规文字"}}`}
	for _, r := range [][2]string{
		{`"price_fen":5990`, `"price_fen":-5990`}, {`"price_fen":5990`, `"price_fen":0`}, {`"price_fen":5990`, `"price_fen":59.9`},
		{`"stock":4`, `"stock":-4`}, {`"sku_id":"7100000000000000043",`, ``}, {`"outer_id":"P1-0",`, ``}, {`"outer_id":"P1-0"`, `"outer_id":"P1-1"`},
		{`"item_id":"7000000000000000042"`, `"item_id":"7000000000000000043"`}, {`"item_id":"7000000000000000042",`, ``},
		{`"status":"on_shelf"`, `"status":"deleted"`}, {`"sku_id":"7100000000000000043"`, `"sku_id":7100000000000000043`},
	} {
		seeds = append(seeds, strings.Replace(item, r[0], r[1], 1))
	}
	seeds = append(seeds, item[:len(item)/2], item+"0", `{"code":0,"message":"ok","data":{}}`, `{"code":0,"message":"ok"}`, `{}`, `not json`,
		`{"code":404001,"message":"item_id: no such item"}`, `{"code":429001,"message":"too many requests","retry_after":1}`)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	gw := newFuzzGateway(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		const itemID = "7000000000000000042"
		asked := connectors.ProductIDs{ItemID: itemID, SKUIDs: map[string]string{"P1-0": "7100000000000000043", "P1-1": ""}}
		for _, ids := range []connectors.ProductIDs{asked, {ItemID: itemID}} {
			prices, err := gw.open(t, body).(connectors.PriceReader).ReadPrices(ctx, ids)
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
		created, known, retried := product("P1", 2), product("P1", 2), product("P1", 2)
		known.Known = &connectors.ProductIDs{ItemID: itemID}
		retried.MayExist = true
		for _, p := range []connectors.ProductPush{created, known, retried} {
			res, err := gw.open(t, body).UpsertProduct(ctx, p)
			if err != nil {
				refusal(t, err)
			} else if holds(t, body, res.IDs.ItemID); p.Known != nil && res.IDs.ItemID != itemID {
				t.Fatalf("item %s updated as %s", itemID, res.IDs.ItemID)
			}
			for _, id := range res.IDs.SKUIDs {
				holds(t, body, id)
			}
			gw.checkDeltas(t, p.Stocks, body)
		}
		err := gw.open(t, body).UpdateStock(ctx, connectors.StockUpdate{SKUCode: "P1-1", IDs: asked, Quantity: 3})
		if err != nil {
			refusal(t, err)
		}
		gw.checkDeltas(t, map[string]int{"P1-1": 3}, body)
		status, _, err := gw.open(t, body).(connectors.ReviewTracker).ReviewStatus(ctx, asked)
		if err != nil {
			refusal(t, err)
		} else if holds(t, body, itemID); !slices.Contains([]domain.ListingStatus{domain.ListingInReview, domain.ListingRejected,
			domain.ListingOnSale, domain.ListingDelisted}, status) {
			t.Fatalf("review status %q", status)
		}
	})
}

// stockDelta is one sku.stock.delta the connector sent.
type stockDelta struct {
	ItemID string `json:"item_id"`
	SKUID  string `json:"sku_id"`
	Delta  int    `json:"delta"`
}

// fuzzGateway answers product.get, product.upsert and
// product.review_status with the fuzzed body and sku.stock.delta as the
// platform does, and keeps the deltas the channel opened last sent. Each
// channel it opens has a gateway URL of its own, so a throttle or the
// breaker one input meets never holds the next (the shop gate is per shop
// and endpoint).
type fuzzGateway struct {
	url    string
	mu     sync.Mutex
	n      int
	bodies map[string][]byte       // gateway path → the body the reads answer there
	deltas map[string][]stockDelta // gateway path → the deltas sent there
}

func newFuzzGateway(f *testing.F) *fuzzGateway {
	g := &fuzzGateway{bodies: map[string][]byte{}, deltas: map[string][]stockDelta{}}
	srv := httptest.NewUnstartedServer(g)
	srv.Config.SetKeepAlivesEnabled(false) // every channel has its own client: no idle connection piles up
	srv.Start()
	f.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

func (g *fuzzGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := strings.LastIndex(r.URL.Path, "/")
	gateway, method := r.URL.Path[:i], r.URL.Path[i+1:]
	g.mu.Lock()
	defer g.mu.Unlock()
	switch method {
	case "product.get", "product.upsert", "product.review_status":
		_, _ = w.Write(g.bodies[gateway])
	case "sku.stock.delta":
		var d stockDelta
		_ = json.NewDecoder(r.Body).Decode(&d)
		g.deltas[gateway] = append(g.deltas[gateway], d)
		fmt.Fprint(w, `{"code":0,"message":"ok","data":{}}`)
	default:
		fmt.Fprintf(w, `{"code":404000,"message":"method: %s is not a method"}`, method)
	}
}

func (g *fuzzGateway) gateway() string { return fmt.Sprintf("/api/%d", g.n) }

func (g *fuzzGateway) open(t *testing.T, body []byte) connectors.Channel {
	g.mu.Lock()
	g.n++
	gateway := g.gateway()
	g.bodies[gateway] = body
	g.mu.Unlock()
	t.Cleanup(func() { g.mu.Lock(); delete(g.bodies, gateway); delete(g.deltas, gateway); g.mu.Unlock() })
	ch, err := fake.New(connectors.ShopConfig{Channel: mini.Channel, Shop: mini.Shop, Gateway: g.url + gateway, QPS: 1e9,
		Credentials: map[string]connectors.Secret{"api_key": "fake-fuzz-key"}})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// checkDeltas checks the deltas the channel opened last sent: each moves a
// SKU of the answer from the stock the answer gives it, which is not below
// 0, to its target.
func (g *fuzzGateway) checkDeltas(t *testing.T, targets map[string]int, body []byte) {
	t.Helper()
	g.mu.Lock()
	deltas := g.deltas[g.gateway()]
	g.mu.Unlock()
	var answer struct {
		Data struct {
			Item struct {
				SKUs []struct {
					SKUID   string `json:"sku_id"`
					OuterID string `json:"outer_id"`
					Stock   int    `json:"stock"`
				} `json:"skus"`
			} `json:"item"`
		} `json:"data"`
	}
	_ = json.Unmarshal(body, &answer)
	for _, d := range deltas {
		ok := false
		for _, k := range answer.Data.Item.SKUs {
			if k.SKUID == d.SKUID && d.SKUID != "" {
				from, target := k.Stock, targets[k.OuterID]
				ok = from >= 0 && from+d.Delta == target && d.Delta != 0
			}
		}
		if !ok {
			t.Fatalf("stock delta %+v of no SKU of the answer, or from a stock below 0 (targets %v)", d, targets)
		}
	}
}

// refusal checks an error: coded, and naming no key.
func refusal(t *testing.T, err error) {
	t.Helper()
	if err := fuzzcheck.Refused(err, "fake-fuzz-key"); err != nil {
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
