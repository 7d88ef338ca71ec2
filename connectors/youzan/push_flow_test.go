package youzan_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/youzan"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
	sandbox "github.com/syncctl/syncctl/sandbox/youzan"
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
// subscribed receiver pushes every change of an order; the connector
// verifies each message and names the order; a receiver that answers
// wrongly is sent the message again.
func TestPushEndToEnd(t *testing.T) {
	ctx := context.Background()
	recv := newReceiver(t, false)
	creds := sandbox.Platform.NewCredentials()
	sb, err := sandbox.Platform.Start(kit.Config{Credentials: creds, Seed: 9, PushURL: recv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(sb)
	t.Cleanup(func() { ts.Close(); _ = sb.Close() })
	cfg := connectors.ShopConfig{Channel: "youzan", Shop: t.Name(), Gateway: sandbox.Platform.Shop(ts.URL).Gateway, QPS: 1000,
		Credentials: map[string]connectors.Secret{"client_id": connectors.Secret(creds["client_id"]),
			"client_secret": connectors.Secret(creds["client_secret"]), "grant_id": connectors.Secret(creds["grant_id"])},
		Tokens: &connectors.MemoryTokens{}}
	ch, err := youzan.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	recv.setChannel(ch.(connectors.PushReceiver))
	if _, err := ch.UpsertProduct(ctx, push()); err != nil {
		t.Fatal(err)
	}
	admin := kit.AdminClient{BaseURL: ts.URL}
	ids, err := admin.SellOrders(ctx, 3, "YS-TS-001-WHT-M")
	if err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushOrder, "trade_TradeCreate", ids[0])
	recv.wait(t, connectors.PushOrder, "trade_TradeBuyerPay", ids[0])

	if err := ch.Ship(ctx, domain.Shipment{PlatformOrderID: ids[0], Carrier: "SF", TrackingNo: "SF1234567890"}); err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushOrder, "trade_TradeSellerShip", ids[0])
	if err := admin.CancelOrder(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushOrder, "trade_TradeClose", ids[1])
	resp, err := http.Post(ts.URL+"/_sandbox/youzan/orders/"+ids[2]+"/refund-request", "application/json", nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("refund request: %v %v", resp, err)
	}
	resp.Body.Close()
	recv.wait(t, connectors.PushRefund, "trade_refund_BuyerCreated", ids[2])
	if err := admin.RefundOrder(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	recv.wait(t, connectors.PushRefund, "trade_refund_RefundSuccess", ids[2])
	recv.wait(t, connectors.PushOrder, "trade_TradeClose", ids[2])
	st := drained(t, admin)
	recv.mu.Lock()
	if len(recv.errs) > 0 || st.Refused > 0 || st.Sent != len(recv.events) || st.Sent < 9 {
		t.Errorf("stats %+v, %d events, refused %v", st, len(recv.events), recv.errs)
	}
	recv.mu.Unlock()

	// A receiver answering something else than the acknowledgement gets
	// the same message again.
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
			t.Fatalf("no retry: stats %+v, most deliveries of one message %d", st, again)
		}
	}
	if err := admin.SubscribePush(ctx, ""); err != nil {
		t.Fatal(err)
	}
}

// drained waits until no message is in flight and reports the stats.
func drained(t *testing.T, admin kit.AdminClient) kit.PushStats {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		st, err := admin.PushStats(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if st.Inflight == 0 || time.Now().After(deadline) {
			b, _ := json.Marshal(st)
			t.Logf("push stats %s", b)
			return st
		}
	}
}
