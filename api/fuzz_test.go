package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/syncctl/syncctl/api"
	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/storetest"
)

// routes are the ERP's write routes, by the fuzzed route number.
var routes = []string{"/v1/inventory", "/v1/prices", "/v1/catalog/products", "/v1/shipments"}

// FuzzBody: whatever correctly signed body the ERP sends to a write route,
// the API never panics nor answers 5xx (but a shipment Temporal could not
// start); it accepts (202) only values within the catalog's limits, and
// refuses with a 4xx JSON error naming the field, having written nothing:
// no product, no workflow, not even the request id (the ERP may send the
// request again).
func FuzzBody(f *testing.F) {
	product := func(code, sku, price string) string {
		return `{"code":"` + code + `","title":"山野集 纯棉T恤","brand":"山野集","category":"服装/男装/T恤","description":"精梳长绒棉，四季可穿。",` +
			`"images":["https://img.example.com/x/1.jpg"],"skus":[{"code":"` + sku + `","specs":[{"name":"颜色","value":"白色"}],"list_price":"` + price + `","cost":"18.50","stock":5}]}`
	}
	seeds := [][]string{
		{`{"items":[{"sku":"A-0","stock":77,"version":1}]}`, `{"items":[{"sku":"A-1","stock":90,"version":1700000001000},{"sku":"A-0","delta":-3,"version":5}]}`,
			`{"items":[{"sku":"A-0","stok":1,"version":1}]}`, `{"items":[{"sku":"A-0","stock":1,"delta":1,"version":1}]}`, `{"items":[{"sku":"A-0","stock":1}]}`,
			`{"items":[{"sku":"A-0","stock":5,"version":1},{"sku":"NOPE","stock":1,"version":1}]}`, `{"items":[{"sku":"A-0","stock":100000001,"version":9}]}`,
			`{"items":[{"sku":"A-1","delta":9223372036854775807,"version":9}]}`, `{"items":[]}`},
		{`{"items":[{"sku":"A-0","list_price":"64.90","cost":"21.00","version":1}]}`, `{"items":[{"sku":"A-0","list_price":"59.9O","version":1}]}`,
			`{"items":[{"sku":"A-0","list_price":"9999999999999.99","version":2}]}`, `{"items":[{"sku":"A-1","list_price":"1.00","cost":"100000000.01","version":2}]}`},
		{`{"products":[` + product("NEW-1", "NEW-1-W", "59.90") + `]}`, `{"products":[` + product("NEW-1", "NEW-1-W", "59.90") + `,` + product("NEW-2", "NEW-2-W", "-1") + `]}`,
			`{"products":[` + product("B", "A-0", "59.90") + `]}`, `{"products":[]}`},
		{`{"shop":"tmall/flagship","order_id":"3000000000000000001","carrier":"SF","tracking_no":"SF1234567890"}`,
			`{"shop":"tmall/flagship","order_id":"3000000000000000001","carrier":"zto","tracking_no":"73100000001","lines":[{"sku_code":"A-0","quantity":1}]}`,
			`{"shop":"tmall/flagship","order_id":"404","carrier":"SF","tracking_no":"SF1"}`, `{"shop":"jd/other","order_id":"1","carrier":"SF","tracking_no":"SF1"}`,
			`{"shop":"tmall/flagship","order_id":"3000000000000000001","carrier":"SF","tracking_no":"SF1","lines":[{"quantity":-1}]}`},
	}
	for route, bodies := range seeds {
		for _, b := range bodies {
			f.Add(uint8(route), []byte(b), false)
			f.Add(uint8(route), []byte(b[:len(b)/2]), route == 3)
		}
	}
	f.Add(uint8(3), []byte(seeds[3][0]), true)
	e := newERPFuzz(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte, down bool) {
		path := routes[int(route)%len(routes)]
		e.temporal.setDown(down)
		before, started := e.catalog(t), e.temporal.count()
		id := e.nextID()
		status, out := e.send(t, path, body, e.signed(body, id))
		if status == http.StatusAccepted {
			if err := e.st.TakeRequest(context.Background(), id); domain.ErrorCode(err) != domain.EConflict {
				t.Fatalf("accepted, but request id %s is free: %v", id, err)
			}
			e.withinLimits(t, path, body)
			if path == "/v1/shipments" && e.temporal.count() != started+1 {
				t.Fatalf("shipment accepted, %d workflows started", e.temporal.count()-started)
			}
			return
		}
		code, field := errField(out)
		switch {
		case status == http.StatusServiceUnavailable && path == "/v1/shipments" && down:
		case status < 400 || status >= 500 || status == http.StatusConflict:
			t.Fatalf("%s answered %d %v to a new request", path, status, out)
		case code == "" || field == "":
			t.Fatalf("%s refused with %d %v, naming no field", path, status, out)
		}
		if after := e.catalog(t); after != before || e.temporal.count() != started {
			t.Fatalf("%s refused with %d %v, but wrote to the catalog or started a workflow", path, status, out)
		}
		// A shipment Temporal could not start keeps its request id taken (so a
		// replay never ships twice): the answer asks for a new one.
		if err := e.st.TakeRequest(context.Background(), id); err != nil && status != http.StatusServiceUnavailable {
			t.Fatalf("%s refused with %d %v, but took request id %s: %v", path, status, out, id, err)
		}
	})
}

// FuzzAuth: whatever headers carry a change, the API never panics; it
// applies it only with the configured bearer token, or with the body's own
// signature for a timestamp within the tolerance and a request id never
// taken; it applies one that has them; it refuses any other with a 4xx
// JSON error naming the header, having written nothing.
func FuzzAuth(f *testing.F) {
	now := time.Unix(1795485600, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"items":[{"sku":"A-0","stock":77,"version":1}]}`)
	sig := erp.Sign(secret, now.Unix(), body)
	for _, s := range []struct {
		ts, sig, id, authz string
		sign               bool
	}{
		{ts, sig, "r1", "", false}, {ts, sig, "", "", false}, {ts, "v1=00", "r2", "", false}, {ts, "", "r3", "", true},
		{strconv.FormatInt(now.Unix()-301, 10), "", "r4", "", true}, {" " + ts + " ", "v0=1, " + strings.ToUpper(sig), "r5", "", false},
		{"", "", "", "Bearer tok-123", false}, {"", "", "q1", "Bearer  tok-123 ", false}, {ts, sig, "r6", "Bearer nope", false},
		{"", "", strings.Repeat("r", 201), "Bearer tok-123", false}, {"", "", "", "bearer tok-123", false},
	} {
		f.Add(s.ts, s.sig, s.id, s.authz, s.sign)
	}
	e := newERPFuzz(f)
	e.now = now
	taken := map[string]bool{}
	f.Fuzz(func(t *testing.T, tsHeader, sigHeader, requestID, authz string, sign bool) {
		at, tsErr := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
		if sign && tsErr == nil {
			sigHeader = erp.Sign(secret, at, body)
		}
		hdr := http.Header{}
		for k, v := range map[string]string{erp.HeaderTimestamp: tsHeader, erp.HeaderSignature: sigHeader, api.HeaderRequestID: requestID, "Authorization": authz} {
			if v != "" {
				hdr.Set(k, v)
			}
		}
		id := strings.TrimSpace(requestID)
		bearer, isBearer := strings.CutPrefix(authz, "Bearer ")
		inTime := tsErr == nil && at >= now.Unix()-300 && at <= now.Unix()+300
		signed := !isBearer && inTime && id != "" && slices.ContainsFunc(strings.Split(sigHeader, ","), func(s string) bool {
			return strings.EqualFold(strings.TrimSpace(s), erp.Sign(secret, at, body)) && strings.HasPrefix(strings.TrimSpace(s), "v1=")
		})
		fresh := len(id) <= 200 && !taken[id]
		before := e.catalog(t)
		status, out := e.send(t, "/v1/inventory", body, hdr)
		if status == http.StatusAccepted {
			if !fresh || !(isBearer && strings.TrimSpace(bearer) == "tok-123" || signed) {
				t.Fatalf("accepted with %q %q, request id %q, %q", tsHeader, sigHeader, requestID, authz)
			}
			taken[id] = id != ""
			return
		}
		if code, field := errField(out); status < 400 || status >= 500 || code == "" || !strings.HasPrefix(field, "header ") {
			t.Fatalf("refused with %d %v, naming no header", status, out)
		}
		if fresh && (isBearer && strings.TrimSpace(bearer) == "tok-123" || signed) {
			t.Fatalf("refused with %d %v: %q %q, request id %q, %q", status, out, tsHeader, sigHeader, requestID, authz)
		}
		if e.catalog(t) != before {
			t.Fatalf("refused with %d %v, but wrote to the catalog", status, out)
		}
		if fresh && id != "" {
			if err := e.st.TakeRequest(context.Background(), id); err != nil {
				t.Fatalf("refused with %d %v, but took request id %q: %v", status, out, id, err)
			}
			taken[id] = true
		}
	})
}

// erpFuzz is the API on a real store (SQLite in a temporary directory)
// holding product A and an order of the one shop it serves, on a fixed
// clock, with a Temporal that records the workflows it is asked to start.
type erpFuzz struct {
	st       store.Store
	h        http.Handler
	temporal *recorder
	now      time.Time
	n        int // request ids handed out
}

func newERPFuzz(f *testing.F) *erpFuzz {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite", filepath.Join(f.TempDir(), "syncctl.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	if _, err := st.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
		f.Fatal(err)
	}
	o := storetest.Order("3000000000000000001", domain.OrderPaid)
	if _, err := st.UpsertOrder(ctx, o); err != nil {
		f.Fatal(err)
	}
	e := &erpFuzz{st: st, temporal: &recorder{}, now: time.Now()}
	e.h = (&api.Server{Store: st, Temporal: e.temporal, Shops: []domain.ShopRef{o.Shop}, Secret: secret, Token: "tok-123",
		Now: func() time.Time { return e.now }}).Handler()
	return e
}

func (e *erpFuzz) nextID() string {
	e.n++
	return fmt.Sprintf("fuzz-%d-%d", time.Now().UnixNano(), e.n)
}

// signed are the headers of a body signed now with the request id.
func (e *erpFuzz) signed(body []byte, id string) http.Header {
	return http.Header{erp.HeaderTimestamp: {strconv.FormatInt(e.now.Unix(), 10)}, erp.HeaderSignature: {erp.Sign(secret, e.now.Unix(), body)},
		api.HeaderRequestID: {id}}
}

// send posts a body and returns the status and the JSON answer.
func (e *erpFuzz) send(t *testing.T, path string, body []byte, hdr http.Header) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	for k, v := range hdr {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var out map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatalf("%s answered %d with non-JSON %q", path, rec.Code, rec.Body)
	}
	return rec.Code, out
}

// catalog is the whole catalog as stored.
func (e *erpFuzz) catalog(t *testing.T) string {
	t.Helper()
	ps, err := e.st.ListProducts(context.Background(), "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(ps)
	return string(b)
}

// withinLimits checks an accepted change's values against the catalog's
// limits, read from the body on their own, and the stored SKUs: stock not
// below 0, prices above 0 and within the limit.
func (e *erpFuzz) withinLimits(t *testing.T, path string, body []byte) {
	t.Helper()
	var in struct {
		Items []struct {
			Stock     *json.Number `json:"stock"`
			Delta     *json.Number `json:"delta"`
			ListPrice string       `json:"list_price"`
			Cost      string       `json:"cost"`
		} `json:"items"`
	}
	_ = json.Unmarshal(body, &in)
	for i, it := range in.Items {
		for _, n := range []*json.Number{it.Stock, it.Delta} {
			if v, err := strconv.ParseInt(string(deref(n)), 10, 64); n != nil && (err != nil || v > catalog.MaxStock || v < -catalog.MaxStock || n == it.Stock && v < 0) {
				t.Fatalf("%s accepted items[%d] with stock or delta %s: the catalog holds 0 to %d", path, i, *n, catalog.MaxStock)
			}
		}
		if it.ListPrice != "" {
			if m, err := domain.ParseYuan(it.ListPrice); err != nil || m <= 0 || m > catalog.MaxPrice {
				t.Fatalf("%s accepted items[%d].list_price %q: the catalog holds 0.01 to %s", path, i, it.ListPrice, catalog.MaxPrice.Yuan())
			}
		}
		if it.Cost != "" {
			if m, err := domain.ParseYuan(it.Cost); err != nil || m < 0 || m > catalog.MaxPrice {
				t.Fatalf("%s accepted items[%d].cost %q: the catalog holds 0 to %s", path, i, it.Cost, catalog.MaxPrice.Yuan())
			}
		}
	}
	ps, err := e.st.ListProducts(context.Background(), "", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		for _, s := range p.SKUs {
			if s.Stock < 0 || s.ListPrice <= 0 || s.ListPrice > catalog.MaxPrice || s.Cost < 0 || s.Cost > catalog.MaxPrice {
				t.Fatalf("%s stored sku %s: stock %d, list price %s, cost %s", path, s.Code, s.Stock, s.ListPrice.Yuan(), s.Cost.Yuan())
			}
		}
	}
}

func deref(n *json.Number) json.Number {
	if n == nil {
		return ""
	}
	return *n
}

// recorder is the Temporal client of the API: it counts the workflows it
// started or signalled, and fails every call while down.
type recorder struct {
	client.Client
	mu      sync.Mutex
	down    bool
	started int
}

func (r *recorder) setDown(down bool) { r.mu.Lock(); r.down = down; r.mu.Unlock() }

func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return r.started }

func (r *recorder) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		return fmt.Errorf("temporal: connection refused")
	}
	r.started++
	return nil
}

func (r *recorder) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, r.start()
}

func (r *recorder) SignalWithStartWorkflow(context.Context, string, string, any, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, r.start()
}
