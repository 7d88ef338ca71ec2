package douyin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/douyin"
	"github.com/syncctl/syncctl/domain"
	sandbox "github.com/syncctl/syncctl/sandbox/douyin"
	"github.com/syncctl/syncctl/sandbox/kit"
)

// receiver is syncctl's side of push messages in a test: it verifies each
// request with the connector and answers what the connector says, or,
// when wrong is set, an answer the platform does not take.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	pr     connectors.PushReceiver
	wrong  bool
	events []connectors.PushEvent
	errs   []error
	bodies map[string]int // times each body arrived
}

func newReceiver(t *testing.T, wrong bool) *receiver {
	r := &receiver{wrong: wrong, bodies: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.bodies[string(body)]++
		if r.wrong {
			_, _ = io.WriteString(w, "success")
			return
		}
		m, err := r.pr.VerifyPush(connectors.PushRequest{Method: req.Method, Query: req.URL.Query(), Header: req.Header, Body: body, Now: time.Now()})
		if err != nil {
			r.errs = append(r.errs, err)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.events = append(r.events, m.Events...)
		w.Header().Set("Content-Type", m.ContentType)
		_, _ = w.Write(m.Reply)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) setChannel(pr connectors.PushReceiver) { r.mu.Lock(); r.pr = pr; r.mu.Unlock() }

// wait polls until an event of kind and topic about the order arrived.
func (r *receiver) wait(t *testing.T, kind connectors.PushKind, topic, orderID string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		r.mu.Lock()
		for _, e := range r.events {
			if e.Kind == kind && e.Topic == topic && e.PlatformOrderID == orderID {
				r.mu.Unlock()
				return
			}
		}
		r.mu.Unlock()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Fatalf("no %s %s event for %s; got %+v, refused %v", kind, topic, orderID, r.events, r.errs)
}

// TestPushEndToEnd: a sandbox started with fresh credentials and a
// subscribed receiver pushes every change of an order (and a review's
// end); the connector verifies each request and names the order by its
// 19-digit id; a receiver that answers wrongly is sent the request again.
func TestPushEndToEnd(t *testing.T) {
	ctx := context.Background()
	recv := newReceiver(t, false)
	creds := sandbox.Platform.NewCredentials()
	sb, err := sandbox.Platform.Start(kit.Config{Credentials: creds, Seed: 9, PushURL: recv.URL, Options: map[string]string{"review_delay": "0s"}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	setup := sandbox.Platform.Shop(ts.URL)
	cfg, err := douyin.Platform.CheckShop(connectors.ShopConfig{Channel: "douyin", Shop: t.Name(), Gateway: setup.Gateway, QPS: 1000,
		Options: setup.Options, Tokens: &connectors.MemoryTokens{},
		Credentials: map[string]connectors.Secret{"app_key": connectors.Secret(creds["app_key"]),
			"app_secret": connectors.Secret(creds["app_secret"]), "shop_id": connectors.Secret(creds["shop_id"])}})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := douyin.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	recv.setChannel(ch.(connectors.PushReceiver))
	if _, err := ch.UpsertProduct(ctx, push(10)); err != nil {
		t.Fatal(err)
	}
	admin := kit.AdminClient{BaseURL: ts.URL}
	ids, err := admin.SellOrders(ctx, 3, "YS-TS-001-WHT-M")
	if err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushProduct, "400", "")
	recv.wait(t, connectors.PushOrder, "100", ids[0])
	recv.wait(t, connectors.PushOrder, "101", ids[0])
	if err := ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1234567890"}); err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushOrder, "102", ids[0])
	if err := admin.CancelOrder(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushOrder, "106", ids[1])
	if err := admin.RefundOrder(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushRefund, "206", ids[2])
	st := drained(t, admin)
	recv.mu.Lock()
	if len(recv.errs) > 0 || st.Refused > 0 || st.Sent < 6 {
		t.Errorf("stats %+v, %d events, refused %v", st, len(recv.events), recv.errs)
	}
	recv.mu.Unlock()

	// A receiver answering something else than the acknowledgement gets
	// the same request again.
	bad := newReceiver(t, true)
	if err := admin.SubscribePush(ctx, bad.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.SellOrders(ctx, 1, ""); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		st, err := admin.PushStats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		bad.mu.Lock()
		again := 0
		for _, n := range bad.bodies {
			again = max(again, n)
		}
		bad.mu.Unlock()
		if st.Refused > 0 && again >= 2 && st.URL == bad.URL {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no retry: stats %+v, most deliveries of one request %d", st, again)
		}
	}
	if err := admin.SubscribePush(ctx, ""); err != nil {
		t.Fatal(err)
	}
}

// drained waits until no request is in flight and reports the stats.
func drained(t *testing.T, admin kit.AdminClient) kit.PushStats {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := admin.PushStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Inflight == 0 || time.Now().After(deadline) {
			t.Logf("push stats %+v", st)
			return st
		}
	}
}
