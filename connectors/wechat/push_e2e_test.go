package wechat_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/wechat"
	"github.com/syncctl/syncctl/sandbox/kit"
	sbwechat "github.com/syncctl/syncctl/sandbox/wechat"
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
		if msg.ContentType != "" {
			w.Header().Set("Content-Type", msg.ContentType)
		}
		_, _ = w.Write(msg.Reply)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *pushSink) snapshot() ([]connectors.PushEvent, []error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connectors.PushEvent(nil), s.evs...), append([]error(nil), s.errs...)
}

// waitFor polls until ok or 5 s.
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
// (the push ones included) and opens the shop on it with all of them, as
// dev does; edit changes the shop's credentials first.
func openPush(t *testing.T, edit func(map[string]connectors.Secret)) (*env, kit.AdminClient) {
	t.Helper()
	creds := sbwechat.Platform.NewCredentials()
	h, err := sbwechat.Platform.Start(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); _ = h.Close() })
	secrets := map[string]connectors.Secret{}
	for k, v := range creds {
		secrets[k] = connectors.Secret(v)
	}
	if edit != nil {
		edit(secrets)
	}
	setup := sbwechat.Platform.Shop(srv.URL)
	cfg, err := wechat.Platform.CheckShop(connectors.ShopConfig{Channel: "wechat_shop", Shop: "push", Gateway: setup.Gateway,
		Options: setup.Options, Credentials: secrets, Tokens: &connectors.MemoryTokens{}, QPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := wechat.Platform.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sb: h.(*sbwechat.Server), ch: ch}, kit.AdminClient{BaseURL: srv.URL}
}

// An order sold on the sandbox reaches syncctl's receiver as a verified
// PushOrder event for that order; its refund as a PushRefund.
func TestPushEndToEnd(t *testing.T) {
	ctx := context.Background()
	e, admin := openPush(t, nil)
	e.listed(t)
	sink := newPushSink(t, e.ch.(connectors.PushReceiver))
	if err := admin.SubscribePush(ctx, sink.srv.URL); err != nil {
		t.Fatal(err)
	}
	ids, err := admin.SellOrders(ctx, 1, "YS-TS-001-WHT-M")
	if err != nil {
		t.Fatal(err)
	}
	has := func(kind connectors.PushKind, topic string) func() bool {
		return func() bool {
			evs, _ := sink.snapshot()
			for _, ev := range evs {
				if ev.Kind == kind && ev.Topic == topic && ev.PlatformOrderID == ids[0] {
					return true
				}
			}
			return false
		}
	}
	waitFor(t, "channels_ec_order_pay of "+ids[0], has(connectors.PushOrder, "channels_ec_order_pay"))
	if err := admin.RefundOrder(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "channels_ec_aftersale_update of "+ids[0], has(connectors.PushRefund, "channels_ec_aftersale_update"))
	if err := e.sb.Pusher().Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if _, errs := sink.snapshot(); len(errs) > 0 {
		t.Fatalf("refused: %v", errs)
	}
	st, err := admin.PushStats(ctx)
	if err != nil || st.Sent < 3 || st.Refused != 0 || st.Dropped != 0 {
		t.Errorf("push stats %+v %v", st, err)
	}
}

// A receiver that refuses (here: the shop configured with another
// push_token) gets the message again, as the platform resends it.
func TestPushRefusedIsResent(t *testing.T) {
	ctx := context.Background()
	e, admin := openPush(t, func(c map[string]connectors.Secret) { c["push_token"] = "not-the-platforms" })
	e.listed(t)
	sink := newPushSink(t, e.ch.(connectors.PushReceiver))
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
	evs, errs := sink.snapshot()
	if len(evs) != 0 || len(errs) < 3 {
		t.Errorf("events %v, refusals %v", evs, errs)
	}
}
