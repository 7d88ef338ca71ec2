package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/syncctl/syncctl/api"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
	_ "github.com/syncctl/syncctl/store/sqlite"
	"github.com/syncctl/syncctl/store/storetest"
)

var secret = []byte("whsec_api_test")

func newAPI(t *testing.T) (*httptest.Server, store.Store) {
	t.Helper()
	st, err := store.Open(context.Background(), "sqlite", filepath.Join(t.TempDir(), "syncctl.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.ImportProducts(context.Background(), []domain.Product{storetest.Product("A", 2)}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer((&api.Server{Store: st, Secret: secret, Token: "tok-123"}).Handler())
	t.Cleanup(srv.Close)
	return srv, st
}

type call struct {
	method, path, body, requestID string
	ts                            time.Time
	sign                          func(ts int64, body []byte) string // nil: the right signature
	bearer                        string
}

func do(t *testing.T, srv *httptest.Server, c call) (int, map[string]any) {
	t.Helper()
	if c.method == "" {
		c.method = http.MethodPost
	}
	req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	} else {
		if c.ts.IsZero() {
			c.ts = time.Now()
		}
		sig := erp.Sign(secret, c.ts.Unix(), []byte(c.body))
		if c.sign != nil {
			sig = c.sign(c.ts.Unix(), []byte(c.body))
		}
		req.Header.Set(erp.HeaderTimestamp, strconv.FormatInt(c.ts.Unix(), 10))
		req.Header.Set(erp.HeaderSignature, sig)
	}
	if c.requestID != "" {
		req.Header.Set(api.HeaderRequestID, c.requestID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s answered %d with non-JSON %q", c.method, c.path, resp.StatusCode, b)
	}
	return resp.StatusCode, out
}

func errField(out map[string]any) (code, field string) {
	e, _ := out["error"].(map[string]any)
	code, _ = e["code"].(string)
	field, _ = e["field"].(string)
	return code, field
}

func stockOf(t *testing.T, st store.Store, sku string) int {
	t.Helper()
	p, err := st.ProductOfSKU(context.Background(), sku)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.SKUs {
		if s.Code == sku {
			return s.Stock
		}
	}
	return -1
}

// Tampered, replayed, stale-signed, unsigned and oversized requests are
// refused with a JSON error naming the field, and change nothing.
func TestRefusesTamperedReplayedStaleAndOversizedRequests(t *testing.T) {
	srv, st := newAPI(t)
	body := `{"items":[{"sku":"A-0","stock":77,"version":1}]}`
	cases := []struct {
		name   string
		c      call
		status int
		code   string
		field  string
	}{
		{"tampered body", call{path: "/v1/inventory", body: body, requestID: "r1",
			sign: func(ts int64, _ []byte) string {
				return erp.Sign(secret, ts, []byte(strings.Replace(body, "77", "7", 1)))
			}},
			401, "unauthorized", "header X-Syncctl-Signature"},
		{"another secret", call{path: "/v1/inventory", body: body, requestID: "r2",
			sign: func(ts int64, b []byte) string { return erp.Sign([]byte("wrong"), ts, b) }}, 401, "unauthorized", "header X-Syncctl-Signature"},
		{"stale timestamp", call{path: "/v1/inventory", body: body, requestID: "r3", ts: time.Now().Add(-6 * time.Minute)}, 401, "unauthorized", "header X-Syncctl-Timestamp"},
		{"no request id", call{path: "/v1/inventory", body: body}, 400, "invalid", "header X-Syncctl-Request-Id"},
		{"wrong bearer", call{path: "/v1/inventory", body: body, bearer: "nope"}, 401, "unauthorized", "header Authorization"},
		{"oversized", call{path: "/v1/inventory", body: `{"items":[` + strings.Repeat(`{"sku":"A-0","stock":1,"version":1},`, 40000) + `]}`, requestID: "r4"},
			413, "too_large", "body"},
		{"unknown field", call{path: "/v1/inventory", body: `{"items":[{"sku":"A-0","stok":1,"version":1}]}`, requestID: "r5"}, 400, "invalid", "body"},
		{"both stock and delta", call{path: "/v1/inventory", body: `{"items":[{"sku":"A-0","stock":1,"delta":1,"version":1}]}`, requestID: "r6"}, 400, "invalid", "items[0]"},
		{"no version", call{path: "/v1/inventory", body: `{"items":[{"sku":"A-0","stock":1}]}`, requestID: "r7"}, 400, "invalid", "items[0].version"},
		{"bad price", call{path: "/v1/prices", body: `{"items":[{"sku":"A-0","list_price":"59.9O","version":1}]}`, requestID: "r8"}, 400, "invalid", "items[0].list_price"},
		{"unknown SKU, nothing applied", call{path: "/v1/inventory", body: `{"items":[{"sku":"A-0","stock":5,"version":1},{"sku":"NOPE","stock":1,"version":1}]}`, requestID: "r9"},
			404, "not_found", "items[1].sku"},
	}
	for _, tc := range cases {
		status, out := do(t, srv, tc.c)
		code, field := errField(out)
		if status != tc.status || code != tc.code || field != tc.field {
			t.Errorf("%s: %d %s %q, want %d %s %q (%v)", tc.name, status, code, field, tc.status, tc.code, tc.field, out)
		}
	}
	if got := stockOf(t, st, "A-0"); got != 10 {
		t.Fatalf("A-0 stock %d after refused requests, want 10 untouched", got)
	}
	// Accepted once; the same request again is a replay.
	ok := call{path: "/v1/inventory", body: body, requestID: "r10"}
	if status, out := do(t, srv, ok); status != 202 || stockOf(t, st, "A-0") != 77 {
		t.Fatalf("signed request: %d %v", status, out)
	}
	if status, out := do(t, srv, ok); status != 409 {
		t.Fatalf("replayed request: %d %v, want 409", status, out)
	} else if code, _ := errField(out); code != "replayed" {
		t.Fatalf("replayed request: %v", out)
	}
	// A signed read cannot be replayed either.
	read := call{method: "GET", path: "/v1/sync/status", requestID: "g1"}
	if status, _ := do(t, srv, read); status != 200 {
		t.Fatalf("status: %d", status)
	}
	if status, _ := do(t, srv, read); status != 409 {
		t.Fatalf("replayed read: %d, want 409", status)
	}
}

// A stale ERP update loses: changes carry the ERP's version, and one not
// newer than the last applied to that SKU's stock is reported, not applied
// (here it arrives after the newer one, as a retry from a queue would).
func TestStaleInventoryUpdateLoses(t *testing.T) {
	srv, st := newAPI(t)
	newer := `{"items":[{"sku":"A-1","stock":40,"version":1700000002000}]}`
	older := `{"items":[{"sku":"A-1","stock":90,"version":1700000001000},{"sku":"A-0","delta":-3,"version":5}]}`
	if status, out := do(t, srv, call{path: "/v1/inventory", body: newer, bearer: "tok-123"}); status != 202 {
		t.Fatalf("newer: %d %v", status, out)
	}
	status, out := do(t, srv, call{path: "/v1/inventory", body: older, bearer: "tok-123", requestID: "q2"})
	if status != 202 {
		t.Fatalf("older: %d %v", status, out)
	}
	stale, _ := out["stale"].([]any)
	applied, _ := out["applied"].([]any)
	if len(stale) != 1 || len(applied) != 1 || stockOf(t, st, "A-1") != 40 || stockOf(t, st, "A-0") != 7 {
		t.Fatalf("answer %v; A-1 %d (want 40), A-0 %d (want 7)", out, stockOf(t, st, "A-1"), stockOf(t, st, "A-0"))
	}
	// A bearer request with a request id is idempotent: its retry is refused.
	if status, _ := do(t, srv, call{path: "/v1/inventory", body: older, bearer: "tok-123", requestID: "q2"}); status != 409 {
		t.Fatalf("retried bearer request: %d, want 409", status)
	}
	// Prices: the list price changes; the cost with it.
	status, out = do(t, srv, call{path: "/v1/prices", body: `{"items":[{"sku":"A-0","list_price":"64.90","cost":"21.00","version":1}]}`, bearer: "tok-123"})
	p, _ := st.ProductOfSKU(context.Background(), "A-0")
	if status != 202 || p.SKUs[0].ListPrice != 6490 || p.SKUs[0].Cost != 2100 {
		t.Fatalf("prices: %d %v; A-0 = %+v", status, out, p.SKUs[0])
	}
	// An order reads back; an unknown one is not_found.
	if _, err := st.UpsertOrder(context.Background(), storetest.Order("3000000000000000001", domain.OrderPaid)); err != nil {
		t.Fatal(err)
	}
	o := storetest.Order("x", domain.OrderPaid)
	if _, err := st.UpsertAfterSale(context.Background(), domain.AfterSale{Shop: o.Shop, PlatformOrderID: "3000000000000000001",
		PlatformCaseID: "RF7", Status: domain.AfterSaleRequested, ModifiedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	status, out = do(t, srv, call{method: "GET", path: fmt.Sprintf("/v1/orders/%s/%s/3000000000000000001", o.Shop.Channel, o.Shop.Shop), bearer: "tok-123"})
	refunds, _ := out["refunds"].([]any)
	if status != 200 || out["platform_order_id"] != "3000000000000000001" || len(refunds) != 1 || refunds[0].(map[string]any)["platform_case_id"] != "RF7" {
		t.Fatalf("order: %d %v, want the order with its refund case RF7", status, out)
	}
	if status, _ := do(t, srv, call{method: "GET", path: "/v1/orders/tmall/flagship/404", bearer: "tok-123"}); status != 404 {
		t.Fatalf("unknown order: %d", status)
	}
}

// openapi.yaml describes exactly the routes the server has.
func TestOpenAPIDocumentMatchesTheRoutes(t *testing.T) {
	b, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var documented, served []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" { // shared by the path's operations
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	for _, r := range api.Routes() {
		served = append(served, r.Method+" "+r.Path)
	}
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("openapi.yaml documents\n%s\nthe server has\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
	// Every served route answers (not the catch-all 404), if unauthorized.
	srv, _ := newAPI(t)
	for _, r := range api.Routes() {
		path := strings.NewReplacer("{channel}", "tmall", "{shop}", "flagship", "{id}", "1").Replace(r.Path)
		req, _ := http.NewRequest(r.Method, srv.URL+path, bytes.NewReader(nil))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.HasPrefix(r.Path, "/v1/push/") {
			// The platforms' route: verified by the shop's connector, not the
			// ERP's scheme; this server serves no shop.
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "is not served here") {
				t.Errorf("%s %s for a shop not served: %d %s, want 404 naming the shop", r.Method, path, resp.StatusCode, body)
			}
			continue
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s unsigned: %d, want 401", r.Method, path, resp.StatusCode)
		}
	}
}

// Catalog upserts take the catalog file's JSON with the import's
// validation: one bad record refuses the whole request, each problem
// listed; a valid body is stored.
func TestCatalogProductsValidatedLikeAnImport(t *testing.T) {
	srv, st := newAPI(t)
	product := func(code, sku, price string) string {
		return `{"code":"` + code + `","title":"山野集 纯棉T恤","brand":"山野集","category":"服装/男装/T恤","description":"精梳长绒棉，四季可穿。",` +
			`"images":["https://img.example.com/x/1.jpg"],"skus":[{"code":"` + sku + `","specs":[{"name":"颜色","value":"白色"}],"list_price":"` + price + `","cost":"18.50","stock":5}]}`
	}
	bad := `{"products":[` + product("NEW-1", "NEW-1-W", "59.90") + `,` + product("NEW-2", "NEW-2-W", "-1") + `]}`
	status, out := do(t, srv, call{path: "/v1/catalog/products", body: bad, bearer: "tok-123"})
	rejected, _ := out["rejected"].([]any)
	if status != 400 || len(rejected) == 0 {
		t.Fatalf("a body with a bad record: %d %v", status, out)
	}
	if _, err := st.GetProduct(context.Background(), "NEW-1"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("the valid product of a refused request was stored: %v", err)
	}
	good := `{"products":[` + product("NEW-1", "NEW-1-W", "59.90") + `]}`
	status, out = do(t, srv, call{path: "/v1/catalog/products", body: good, bearer: "tok-123"})
	if status != 202 || out["created"] != float64(1) {
		t.Fatalf("a valid product: %d %v", status, out)
	}
	if p, err := st.GetProduct(context.Background(), "NEW-1"); err != nil || p.SKUs[0].ListPrice != 5990 {
		t.Fatalf("stored = %+v, %v", p, err)
	}
}
