package youzan_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/fuzzcheck"
	"github.com/syncctl/syncctl/connectors/youzan"
	"github.com/syncctl/syncctl/domain"
)

// FuzzProduct: whatever youzan.item.create, youzan.item.update and
// youzan.items.custom.get answer, UpsertProduct never panics; it refuses
// with a coded error that keeps the secrets, or keeps ids of the answer
// that are Youzan's digits: the item it updated (never another), a SKU id
// for every SKU pushed, and a listing status.
func FuzzProduct(f *testing.F) {
	// As sandbox/youzan answers push() (TestProducts) and its lookup.
	item := `{"response":{"item":{"item_id":4500123456,"item_no":"YS-TS-001","title":"纯棉圆领T恤","desc":"","is_listing":true,"skus":[` +
		`{"sku_id":4600000001,"item_no":"YS-TS-001-WHT-M","price":5990,"quantity":7,"skus":[{"k":"颜色","v":"白色"},{"k":"尺码","v":"M"}]},` +
		`{"sku_id":"4600000002","item_no":"YS-TS-001-BLK-L","price":4990,"quantity":30,"skus":[{"k":"颜色","v":"黑色"},{"k":"尺码","v":"L"}]}]}}}`
	lookup := `{"response":{"items":[{"item_id":4500123456,"item_no":"YS-TS-001","title":"纯棉圆领T恤","price":4990,"quantity":37,"is_listing":true,"item_type":0}],"count":1}}`
	seeds := []string{item, lookup}
	for _, r := range [][2]string{
		{`"item_id":4500123456`, `"item_id":4500123457`}, {`"item_id":4500123456`, `"item_id":4.500123456e9`}, {`"item_id":4500123456`, `"item_id":-1`},
		{`"item_id":4500123456,`, ``}, {`"sku_id":4600000001`, `"sku_id":4.6e9`}, {`"sku_id":4600000001`, `"sku_id":"x"`},
		{`"item_no":"YS-TS-001-BLK-L"`, `"item_no":"YS-TS-001-WHT-M"`}, {`"is_listing":true`, `"is_listing":false`}, {`"is_listing":true`, `"is_listing":1`},
	} {
		seeds = append(seeds, strings.Replace(item, r[0], r[1], 1))
	}
	seeds = append(seeds, item[:len(item)/2], item+"0", strings.Replace(lookup, `"count":1`, `"count":2`, 1)+strings.Replace(lookup, "4500123456", "4500123457", 1),
		`{"response":{}}`, `{"response":null}`, `{}`, `not json`, `{"gw_err_resp":{"err_code":4203,"err_msg":"access_token已过期"}}`,
		`{"gw_err_resp":{"err_code":4101,"err_msg":"请求过于频繁"}}`, `{"error_response":{"code":122001001,"msg":"商品不存在"}}`)
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	gw := newItemGateway(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ctx := context.Background()
		const itemID = "4500123456"
		created, known, retried := push(), push(), push()
		known.Known = &connectors.ProductIDs{ItemID: itemID}
		retried.MayExist = true
		for _, p := range []connectors.ProductPush{created, known, retried} {
			res, err := gw.open(t, body).UpsertProduct(ctx, p)
			if err != nil {
				refused(t, err)
				continue
			}
			if !domain.Digits(res.IDs.ItemID) || p.Known != nil && res.IDs.ItemID != itemID {
				t.Fatalf("item %q read from %q", res.IDs.ItemID, body)
			}
			holds(t, body, res.IDs.ItemID)
			if !slices.Contains([]domain.ListingStatus{domain.ListingOnSale, domain.ListingDelisted}, res.Status) {
				t.Fatalf("status %q", res.Status)
			}
			for _, s := range p.Product.SKUs {
				if id := res.IDs.SKUIDs[s.Code]; !domain.Digits(id) {
					t.Fatalf("sku %s read back as %q", s.Code, id)
				}
				holds(t, body, res.IDs.SKUIDs[s.Code])
			}
		}
	})
}

// itemGateway answers youzan.item.create, youzan.item.update and
// youzan.items.custom.get with the fuzzed body, and the token as Youzan
// does. Each channel it opens has a gateway URL of its own, so a throttle
// or the breaker one input meets never holds the next (the shop gate is
// per shop and endpoint).
type itemGateway struct {
	url    string
	tokens *connectors.MemoryTokens
	mu     sync.Mutex
	n      int
	bodies map[string][]byte // gateway path → the body the item APIs answer there
}

func newItemGateway(f *testing.F) *itemGateway {
	g := &itemGateway{tokens: &connectors.MemoryTokens{}, bodies: map[string][]byte{}}
	srv := httptest.NewUnstartedServer(g)
	srv.Config.SetKeepAlivesEnabled(false) // every channel has its own client: no idle connection piles up
	srv.Start()
	f.Cleanup(srv.Close)
	g.url = srv.URL
	return g
}

func (g *itemGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/auth/token") {
		fmt.Fprint(w, `{"success":true,"code":200,"message":"","data":{"access_token":"fuzz-access","expires":4102444800000}}`)
		return
	}
	gateway, rest, _ := strings.Cut(r.URL.Path, "/api/")
	api, _, _ := strings.Cut(rest, "/")
	g.mu.Lock()
	defer g.mu.Unlock()
	switch api {
	case "youzan.item.create", "youzan.item.update", "youzan.items.custom.get":
		_, _ = w.Write(g.bodies[gateway])
	default:
		fmt.Fprintf(w, `{"gw_err_resp":{"err_code":4004,"err_msg":"%s: api not found"}}`, api)
	}
}

func (g *itemGateway) open(t *testing.T, body []byte) connectors.Channel {
	g.mu.Lock()
	g.n++
	gateway := fmt.Sprintf("/yz/%d", g.n)
	g.bodies[gateway] = body
	g.mu.Unlock()
	t.Cleanup(func() { g.mu.Lock(); delete(g.bodies, gateway); g.mu.Unlock() })
	// One shop and token store for every channel: the token is fetched once.
	ch, err := youzan.New(connectors.ShopConfig{Channel: "youzan", Shop: "fuzz", Gateway: g.url + gateway, QPS: 1e9, Tokens: g.tokens,
		Credentials: map[string]connectors.Secret{"client_id": "cid", "client_secret": "csecret-fuzz", "grant_id": "44001122"}})
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

// refused checks an error: coded, and naming no secret.
func refused(t *testing.T, err error) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) || e.Code == "" {
		t.Fatalf("uncoded error %#v", err)
	}
	if strings.Contains(err.Error(), "csecret-fuzz") || strings.Contains(err.Error(), "fuzz-access") {
		t.Fatalf("a secret leaks: %v", err)
	}
}

// holds fails unless an answer read as a success holds each of values.
func holds(t *testing.T, body []byte, values ...string) {
	t.Helper()
	if err := fuzzcheck.Holds(body, values...); err != nil {
		t.Fatal(err)
	}
}
