package fake_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	fakemap "github.com/syncctl/syncctl/mapping/fake"
	"github.com/syncctl/syncctl/platforms"
	sbfake "github.com/syncctl/syncctl/sandbox/fake"
	"github.com/syncctl/syncctl/sandbox/kit"
)

// A product the platform cannot take fails its push with the platform's
// rule, before any request: the mapping (fakemap.ProductRequest) checks
// what the sandbox would refuse.
func TestUpsertRefusesWhatThePlatformCannotTakeWithoutARequest(t *testing.T) {
	if fakemap.MaxDescRunes != sbfake.MaxDescRunes || fakemap.MaxTitleRunes != sbfake.MaxTitleRunes || fakemap.MaxSKUs != sbfake.MaxSKUs {
		t.Fatal("the mapping's limits are not the platform's")
	}
	creds := sbfake.Platform.NewCredentials()
	box, err := sbfake.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		box.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { srv.Close(); _ = box.Close() })
	setup := sbfake.Platform.Shop(srv.URL)
	ch, err := platforms.Open(connectors.ShopConfig{Channel: mini.Channel, Shop: mini.Shop, Gateway: setup.Gateway, QPS: 1000,
		Options: setup.Options, Credentials: map[string]connectors.Secret{"api_key": connectors.Secret(creds["api_key"])}})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		edit func(*connectors.ProductPush)
		want string
	}{
		{"description", func(p *connectors.ProductPush) { p.Product.Description = strings.Repeat("长", fakemap.MaxDescRunes+1) },
			"product P1, field description: 20001 characters; the platform takes at most 20000"},
		{"SKUs", func(p *connectors.ProductPush) { *p = product("P1", fakemap.MaxSKUs+1) },
			"product P1, field skus: 101 SKUs; the platform takes 1 to 100"},
		{"title", func(p *connectors.ProductPush) { p.Product.Title = "T恤" }, "product P1, field title: 2 characters; the platform takes 5 to 60"},
		{"stock", func(p *connectors.ProductPush) { p.Stocks["P1-0"] = fakemap.MaxStock + 1 }, "sku P1-0, field stock: 1000000 is outside 0 to 999999"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			push := product("P1", 2)
			c.edit(&push)
			before := requests.Load()
			_, err := ch.UpsertProduct(context.Background(), push)
			if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want invalid containing %q", err, c.want)
			}
			if n := requests.Load() - before; n != 0 {
				t.Fatalf("%d requests: a product the platform refuses must not reach it", n)
			}
		})
	}
	// The same product within the limits goes through: the server counts.
	if _, err := ch.UpsertProduct(context.Background(), product("P1", 2)); err != nil || requests.Load() == 0 {
		t.Fatalf("a valid product: %v, %d requests", err, requests.Load())
	}
}
