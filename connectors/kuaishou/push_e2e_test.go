package kuaishou

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/sandbox/kit"
	sandbox "github.com/syncctl/syncctl/sandbox/kuaishou"
)

// pushSink is syncctl's side of a push URL as a receiver would be: every
// request goes through the connector's VerifyPush and is answered with the
// message's reply, or refused.
type pushSink struct {
	ch   connectors.PushReceiver
	srv  *httptest.Server
	mu   sync.Mutex
	evs  []connectors.PushEvent
	errs []error
}

func newPushSink(t *testing.T, ch connectors.PushReceiver) *pushSink {
	s := &pushSink{ch: ch}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		msg, err := s.ch.VerifyPush(connectors.PushRequest{Method: r.Method, Query: r.URL.Query(), Header: r.Header, Body: body, Now: time.Now()})
		s.mu.Lock()
		defer s.mu.Unlock()
		if err != nil {
			s.errs = append(s.errs, err)
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		s.evs = append(s.evs, msg.Events...)
		w.Header().Set("Content-Type", msg.ContentType)
		_, _ = w.Write(msg.Reply)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *pushSink) has(kind connectors.PushKind, topic, order string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ev := range s.evs {
		if ev.Kind == kind && ev.Topic == topic && ev.PlatformOrderID == order {
			return true
		}
	}
	return false
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// openPush starts a sandbox from its declaration with fresh credentials
// (message_private_key included), opens the shop with all of them as dev
// does (edit changes them first) and lists an item with stock.
func openPush(t *testing.T, edit func(map[string]connectors.Secret)) (connectors.Channel, *sandbox.Server, kit.AdminClient) {
	t.Helper()
	creds := sandbox.Platform.NewCredentials()
	h, err := sandbox.Platform.Start(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	sb := h.(*sandbox.Server)
	sb.SetMix(sandbox.Mix{})
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); _ = h.Close() })
	secrets := map[string]connectors.Secret{}
	for k, v := range creds {
		secrets[k] = connectors.Secret(v)
	}
	if edit != nil {
		edit(secrets)
	}
	setup := sandbox.Platform.Shop(srv.URL)
	cfg, err := Platform.CheckShop(connectors.ShopConfig{Channel: "kuaishou", Shop: "push", Gateway: setup.Gateway, Options: setup.Options,
		Credentials: secrets, Tokens: &connectors.MemoryTokens{}, QPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := Platform.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ch.UpsertProduct(context.Background(), push()); err != nil {
		t.Fatal(err)
	}
	return ch, sb, kit.AdminClient{BaseURL: srv.URL}
}

// An order sold on the sandbox reaches syncctl's receiver as a verified
// PushOrder event for that order; its refund as a PushRefund.
func TestPushEndToEnd(t *testing.T) {
	ctx := context.Background()
	ch, sb, admin := openPush(t, nil)
	sink := newPushSink(t, ch.(connectors.PushReceiver))
	if err := admin.SubscribePush(ctx, sink.srv.URL); err != nil {
		t.Fatal(err)
	}
	sb.Heartbeat()
	ids, err := admin.SellOrders(ctx, 1, "YS-TS-001-WHT-M")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "kwaishop_order_paySuccess of "+ids[0], func() bool { return sink.has(connectors.PushOrder, "kwaishop_order_paySuccess", ids[0]) })
	if err := admin.RefundOrder(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "kwaishop_aftersales_addRefund of "+ids[0], func() bool { return sink.has(connectors.PushRefund, "kwaishop_aftersales_addRefund", ids[0]) })
	if err := sb.Pusher().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if !sink.has(connectors.PushCheck, "test", "") {
		t.Error("the heartbeat was not answered")
	}
	sink.mu.Lock()
	errs := sink.errs
	sink.mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("refused: %v", errs)
	}
	st, err := admin.PushStats(ctx)
	if err != nil || st.Sent < 5 || st.Refused != 0 || st.Dropped != 0 {
		t.Errorf("push stats %+v %v", st, err)
	}
}

// A receiver that refuses (the shop configured with another app's message
// key) gets the message again, as the platform resends it.
func TestPushRefusedIsResent(t *testing.T) {
	ctx := context.Background()
	ch, _, admin := openPush(t, func(c map[string]connectors.Secret) {
		c["message_private_key"] = connectors.Secret(sandbox.NewMessageKey())
	})
	sink := newPushSink(t, ch.(connectors.PushReceiver))
	if err := admin.SubscribePush(ctx, sink.srv.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.SellOrders(ctx, 1, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a resend", func() bool {
		st, err := admin.PushStats(ctx)
		return err == nil && st.Refused > 2
	})
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if len(sink.evs) != 0 || len(sink.errs) < 3 {
		t.Errorf("events %v, refusals %v", sink.evs, sink.errs)
	}
}
