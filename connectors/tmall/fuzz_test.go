package tmall_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/fuzzcheck"
	"github.com/syncctl/syncctl/connectors/tmall"
	"github.com/syncctl/syncctl/domain"
)

// FuzzProduct: whatever taobao.item.seller.get answers, ReadPrices,
// UpsertProduct's read-back and SetListed never panic; they refuse with a
// coded error that keeps the secrets, or read the item asked for: prices
// above 0 of the SKU codes asked, SKU ids that are TOP's digits, and a
// quantity to list that is a whole number.
func FuzzProduct(f *testing.F) {
	item := `{"item_seller_get_response":{"item":{"num_iid":612345678901,"approve_status":"onsale","num":10,"price":"59.90",` +
		`"skus":{"sku":[{"sku_id":5123456789012,"outer_id":"YS-TS-001-BLK-M","properties":"1627207:-11;20509:-13","price":"69.90","quantity":3},` +
		`{"sku_id":"5123456789013","outer_id":"YS-TS-001-WHT-M","properties":"1627207:-12;20509:-13","price":"59.90","quantity":7}]}}}}`
	seeds := []string{sellerGetTwoSKUs, sellerGetNoSKUs, item, strings.Replace(sellerGetNoSKUs, `"num":5,`, `"num":5,"price":"39.00",`, 1)}
	for _, r := range [][2]string{
		{`"price":"69.90"`, `"price":"-69.90"`}, {`"price":"69.90"`, `"price":"0.00"`}, {`"price":"69.90"`, `"price":69.9`},
		{`"price":"69.90"`, `"price":"69.901"`}, {`"sku_id":5123456789012`, `"sku_id":5.123456789012e12`},
		{`"sku_id":5123456789012`, `"sku_id":{"id":1}`}, {`"sku_id":5123456789012,`, ``}, {`"outer_id":"YS-TS-001-BLK-M",`, ``},
		{`"num_iid":612345678901`, `"num_iid":612345678902`}, {`"num_iid":612345678901,`, ``}, {`"approve_status":"onsale"`, `"approve_status":"instock"`}, {`"num":10`, `"num":-10`},
		{`"skus":{"sku":[`, `"skus":[[`},
	} {
		seeds = append(seeds, strings.Replace(item, r[0], r[1], 1))
	}
	seeds = append(seeds, item[:len(item)/2], item+"0", `{"item_seller_get_response":{}}`, `{"item_seller_get_response":{"item":null}}`, `{}`, `not json`,
		`{"error_response":{"code":7,"msg":"App Call Limited","sub_code":"accesscontrol.limited-by-api-access-count","sub_msg":"This ban will last for 1 more seconds"}}`,
		`{"error_response":{"code":27,"msg":"Invalid session","sub_code":"invalid-sessionkey"}}`,
		`{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.item-not-exist"}}`)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	gw := newFuzzGateway(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		const numIID = "612345678901"
		asked := connectors.ProductIDs{ItemID: numIID, SKUIDs: map[string]string{"YS-TS-001-WHT-M": "5123456789013", "YS-TS-001-BLK-M": ""}}
		single := connectors.ProductIDs{ItemID: numIID, SKUIDs: map[string]string{"YS-CAP-001-F": ""}} // an item without SKUs: its price
		for _, ids := range []connectors.ProductIDs{asked, {ItemID: numIID}, single} {
			prices, err := gw.open(t, body).ReadPrices(ctx, ids)
			if err != nil {
				refusal(t, err)
				continue
			}
			holds(t, body, numIID)
			for code, p := range prices {
				if _, ok := ids.SKUIDs[code]; len(ids.SKUIDs) > 0 && !ok || code == "" || p <= 0 {
					t.Fatalf("ReadPrices(%v) = %v: sku %q at %d fen", ids.SKUIDs, prices, code, p)
				}
			}
		}
		res, err := gw.open(t, body).UpsertProduct(ctx, product())
		switch {
		case res.IDs.ItemID != numIID:
			t.Fatalf("the item taobao.item.add made is lost: %+v, %v", res, err)
		case err != nil:
			refusal(t, err)
		default:
			holds(t, body, numIID)
			if !slices.Contains([]domain.ListingStatus{domain.ListingOnSale, domain.ListingDelisted}, res.Status) {
				t.Fatalf("status %q", res.Status)
			}
			for _, s := range product().Product.SKUs {
				if id := res.IDs.SKUIDs[s.Code]; !domain.Digits(id) {
					t.Fatalf("sku %s read back as %q", s.Code, id)
				}
				holds(t, body, res.IDs.SKUIDs[s.Code])
			}
		}
		if err := gw.open(t, body).SetListed(ctx, asked, true); err != nil {
			refusal(t, err)
		} else if num := gw.listed(); !domain.Digits(num) {
			t.Fatalf("listed with num %q", num)
		}
	})
}

// fuzzGateway answers taobao.item.seller.get with the fuzzed body, and
// taobao.item.add and taobao.item.update.listing as TOP does. Each channel
// it opens has a gateway URL of its own, so a throttle or the breaker one
// input meets never holds the next (the shop gate is per shop and endpoint).
type fuzzGateway struct {
	url    string
	mu     sync.Mutex
	n      int
	bodies map[string][]byte // path → the body seller.get answers there
	nums   map[string]string // path → the num of the listing sent there
}

func newFuzzGateway(f *testing.F) *fuzzGateway {
	g := &fuzzGateway{bodies: map[string][]byte{}, nums: map[string]string{}}
	srv := httptest.NewUnstartedServer(g)
	srv.Config.SetKeepAlivesEnabled(false) // every channel has its own client: no idle connection piles up
	srv.Start()
	f.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

func (g *fuzzGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	body := g.bodies[r.URL.Path]
	g.mu.Unlock()
	switch r.FormValue("method") {
	case "taobao.item.seller.get":
		_, _ = w.Write(body)
	case "taobao.item.add":
		fmt.Fprint(w, `{"item_add_response":{"item":{"num_iid":612345678901,"created":"2026-11-24 10:00:00"}}}`)
	case "taobao.item.update.listing":
		g.mu.Lock()
		g.nums[r.URL.Path] = r.FormValue("num")
		g.mu.Unlock()
		fmt.Fprint(w, `{"item_update_listing_response":{"item":{"num_iid":612345678901}}}`)
	default:
		fmt.Fprint(w, `{"error_response":{"code":22,"msg":"Invalid Method"}}`)
	}
}

func (g *fuzzGateway) open(t *testing.T, body []byte) *tmall.Channel {
	g.mu.Lock()
	g.n++
	path := fmt.Sprintf("/router/rest/%d", g.n)
	g.bodies[path] = body
	g.mu.Unlock()
	t.Cleanup(func() { g.mu.Lock(); delete(g.bodies, path); delete(g.nums, path); g.mu.Unlock() })
	ch, err := tmall.New(connectors.ShopConfig{Channel: "tmall", Shop: "flagship", Gateway: g.url + path,
		Credentials: creds(appKey, secret, session), QPS: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	return ch.(*tmall.Channel)
}

// listed is the num of the listing sent through the channel opened last.
func (g *fuzzGateway) listed() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.nums[fmt.Sprintf("/router/rest/%d", g.n)]
}

// refusal checks an error: coded, and naming no secret.
func refusal(t *testing.T, err error) {
	t.Helper()
	if err := fuzzcheck.Refused(err, secret, session); err != nil {
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
