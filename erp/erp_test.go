package erp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
)

var secret = []byte("whsec_test_0123456789")

// A fixed vector so an ERP in another language can check its implementation:
// HMAC-SHA256("whsec_test_0123456789", "1700000000.{\"id\":\"dlv_1\"}").
func TestSignVector(t *testing.T) {
	got := erp.Sign(secret, 1700000000, []byte(`{"id":"dlv_1"}`))
	// Computed independently: python3 -c 'import hmac,hashlib; print(hmac.new(
	// b"whsec_test_0123456789", b"1700000000.{\"id\":\"dlv_1\"}", hashlib.sha256).hexdigest())'
	const want = "v1=14560efc440f3152ec9cbf41412912802ac87bb3bc51139eb0223917042f8ed2"
	if got != want {
		t.Fatalf("Sign = %q, want %q", got, want)
	}
	if err := erp.Verify(secret, "1700000000", got, []byte(`{"id":"dlv_1"}`), time.Unix(1700000010, 0), 0); err != nil {
		t.Fatalf("Verify(own signature): %v", err)
	}
}

func TestVerifyRejects(t *testing.T) {
	body := []byte(`{"id":"dlv_1","event":"order.created"}`)
	now := time.Unix(1700000000, 0)
	sig := erp.Sign(secret, now.Unix(), body)
	cases := []struct {
		name, ts, sig string
		body          []byte
		want          string
	}{
		{"tampered body", "1700000000", sig, []byte(`{"id":"dlv_2"}`), "does not match"},
		{"wrong secret", "1700000000", erp.Sign([]byte("other"), now.Unix(), body), body, "does not match"},
		{"stale timestamp", "1699999000", erp.Sign(secret, 1699999000, body), body, "away from now"},
		{"bad timestamp", "yesterday", sig, body, "not unix seconds"},
		{"no v1", "1700000000", "v0=abc", body, "no v1= signature"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := erp.Verify(secret, c.ts, c.sig, c.body, now, time.Minute)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Verify = %v, want error containing %q", err, c.want)
			}
		})
	}
	// During secret rotation the header carries two signatures; one match is enough.
	rotated := erp.Sign([]byte("old"), now.Unix(), body) + "," + sig
	if err := erp.Verify(secret, "1700000000", rotated, body, now, time.Minute); err != nil {
		t.Fatalf("Verify(rotation header) = %v", err)
	}
}

func delivery(id string, rev int, status domain.OrderStatus) store.Delivery {
	ev := store.OrderCreated
	if rev > 1 {
		ev = store.OrderUpdated
	}
	return store.Delivery{ID: id, Event: ev, Revision: rev, Order: domain.SalesOrder{
		Shop: domain.ShopRef{Channel: "tmall", Shop: "flagship"}, PlatformOrderID: "3000000000000000001",
		Status: status, Amounts: domain.Amounts{Paid: 12990}}}
}

// httpClient is a retryablehttp client without in-process retries, so each
// Deliver is one attempt.
func httpClient() *retryablehttp.Client {
	hc := retryablehttp.NewClient()
	hc.Logger = nil
	hc.RetryMax = 0
	hc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return hc
}

func TestClientDeliversToReceiverIdempotently(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	srv := httptest.NewServer(rcv.Handler())
	defer srv.Close()
	hc := httpClient()
	c, err := erp.NewClient(srv.URL+"/webhooks/syncctl", secret, hc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, d := range []store.Delivery{
		delivery("dlv_a", 1, domain.OrderPaid),
		delivery("dlv_a", 1, domain.OrderPaid), // redelivery: acknowledged, not applied twice
		delivery("dlv_b", 2, domain.OrderShipped),
		delivery("dlv_a", 1, domain.OrderPaid),
	} {
		res, err := c.Deliver(ctx, d)
		if err != nil || !res.Accepted {
			t.Fatalf("Deliver(%s) = %+v, %v", d.ID, res, err)
		}
	}
	st := rcv.Stats()
	if st.Accepted != 2 || st.Duplicates != 2 || st.Orders != 1 {
		t.Fatalf("stats = %+v, want 2 accepted, 2 duplicates, 1 order", st)
	}
	o := rcv.Orders()[0]
	if o.Revision != 2 || o.Status != "shipped" || o.Deliveries != 2 {
		t.Fatalf("order = %+v, want revision 2 shipped from 2 deliveries", o)
	}
}

func TestClientReportsERPOutageAsRetryable(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	srv := httptest.NewServer(rcv.Handler())
	defer srv.Close()
	hc := httpClient()
	c, _ := erp.NewClient(srv.URL+"/webhooks/syncctl?token=s3cr3t", secret, hc)
	rcv.FailNext(1)
	_, err := c.Deliver(context.Background(), delivery("dlv_x", 1, domain.OrderPaid))
	if domain.ErrorCode(err) != domain.EUnavailable || !domain.Retryable(domain.ErrorCode(err)) {
		t.Fatalf("Deliver during outage = %v, want retryable unavailable", err)
	}
	if !strings.Contains(err.Error(), "dlv_x") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("error %q should name the delivery and the status", err)
	}
	if res, err := c.Deliver(context.Background(), delivery("dlv_x", 1, domain.OrderPaid)); err != nil || !res.Accepted {
		t.Fatalf("Deliver after outage = %+v, %v", res, err)
	}
	// A bad signature is refused and nothing is applied.
	bad, _ := erp.NewClient(srv.URL+"/webhooks/syncctl", []byte("wrong"), hc)
	if _, err := bad.Deliver(context.Background(), delivery("dlv_y", 1, domain.OrderPaid)); err == nil {
		t.Fatal("Deliver with wrong secret was accepted")
	}
	if st := rcv.Stats(); st.BadSignature != 1 || st.Accepted != 1 {
		t.Fatalf("stats = %+v", st)
	}
	// Unreachable ERP: the error must not carry the URL (it may hold a token).
	srv.Close()
	_, err = c.Deliver(context.Background(), delivery("dlv_z", 1, domain.OrderPaid))
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("unreachable error = %v; must exist and not contain the URL token", err)
	}
}

// post sends one webhook to the receiver with the given headers and body.
func post(t *testing.T, h http.Handler, body []byte, hdr map[string]string) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/syncctl", bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// signed returns the headers of a correctly signed webhook for body.
func signed(body []byte, id, event string, at time.Time) map[string]string {
	ts := at.Unix()
	return map[string]string{erp.HeaderDelivery: id, erp.HeaderEvent: event,
		erp.HeaderTimestamp: strconv.FormatInt(ts, 10), erp.HeaderSignature: erp.Sign(secret, ts, body)}
}

func envelope(t *testing.T, d store.Delivery) []byte {
	t.Helper()
	b, err := erp.EnvelopeFor(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The signature covers the body, but the receiver also refuses a body whose
// id or event disagree with the headers (a replayed body under another
// delivery id), and applies nothing.
func TestReceiverRefusesBodyHeaderMismatch(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	h := rcv.Handler()
	body := envelope(t, delivery("dlv_a", 1, domain.OrderPaid))
	now := time.Now()
	if code := post(t, h, body, signed(body, "dlv_other", "order.created", now)); code != http.StatusBadRequest {
		t.Fatalf("id mismatch: HTTP %d, want 400", code)
	}
	if code := post(t, h, body, signed(body, "dlv_a", "order.updated", now)); code != http.StatusBadRequest {
		t.Fatalf("event mismatch: HTTP %d, want 400", code)
	}
	if st := rcv.Stats(); st.BadRequest != 2 || st.Accepted != 0 || st.Orders != 0 {
		t.Fatalf("stats = %+v, want 2 refused as malformed and nothing applied", st)
	}
	if code := post(t, h, body, signed(body, "dlv_a", "order.created", now)); code != http.StatusNoContent {
		t.Fatalf("matching headers: HTTP %d, want 204", code)
	}
}

// A late older revision under a delivery id the receiver has not seen is
// acknowledged (so it is not retried forever) but never overwrites the newer one.
func TestReceiverKeepsNewerRevisionAgainstStaleOne(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	h := rcv.Handler()
	now := time.Now()
	newer := envelope(t, delivery("dlv_rev2", 2, domain.OrderShipped))
	if code := post(t, h, newer, signed(newer, "dlv_rev2", "order.updated", now)); code != http.StatusNoContent {
		t.Fatalf("revision 2: HTTP %d", code)
	}
	older := envelope(t, delivery("dlv_rev1", 1, domain.OrderPaid))
	if code := post(t, h, older, signed(older, "dlv_rev1", "order.created", now)); code != http.StatusNoContent {
		t.Fatalf("stale revision 1: HTTP %d, want 204 (acknowledged)", code)
	}
	st := rcv.Stats()
	if st.Accepted != 1 || st.Stale != 1 || st.Duplicates != 0 {
		t.Fatalf("stats = %+v, want 1 accepted, 1 stale", st)
	}
	o := rcv.Orders()[0]
	if o.Revision != 2 || o.Status != "shipped" || o.Deliveries != 2 {
		t.Fatalf("order = %+v, want revision 2 shipped kept, both deliveries recorded", o)
	}
}

// Timestamps too far in the future are refused like stale ones.
func TestFutureTimestampBeyondTolerance(t *testing.T) {
	body := []byte(`{"id":"dlv_1"}`)
	now := time.Unix(1700000000, 0)
	future := now.Add(6 * time.Minute).Unix()
	err := erp.Verify(secret, strconv.FormatInt(future, 10), erp.Sign(secret, future, body), body, now, 0)
	if err == nil || !strings.Contains(err.Error(), "away from now") {
		t.Fatalf("Verify(+6m, default tolerance) = %v, want refused", err)
	}
	within := now.Add(4 * time.Minute).Unix()
	if err := erp.Verify(secret, strconv.FormatInt(within, 10), erp.Sign(secret, within, body), body, now, 0); err != nil {
		t.Fatalf("Verify(+4m) = %v, want accepted", err)
	}

	rcv := erp.NewReceiver(secret, nil)
	env := envelope(t, delivery("dlv_f", 1, domain.OrderPaid))
	if code := post(t, rcv.Handler(), env, signed(env, "dlv_f", "order.created", time.Now().Add(10*time.Minute))); code != http.StatusUnauthorized {
		t.Fatalf("receiver, timestamp +10m: HTTP %d, want 401", code)
	}
	if st := rcv.Stats(); st.BadSignature != 1 || st.Accepted != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

// An empty secret (e.g. read from an empty secret file) never signs or
// verifies anything.
func TestEmptySecretIsRefused(t *testing.T) {
	if _, err := erp.NewClient("http://erp.example/hooks", nil, httpClient()); err == nil || !strings.Contains(err.Error(), "signing secret is empty") {
		t.Fatalf("NewClient(empty secret) = %v", err)
	}
	rcv := erp.NewReceiver([]byte{}, nil)
	body := envelope(t, delivery("dlv_e", 1, domain.OrderPaid))
	ts := time.Now().Unix()
	hdr := map[string]string{erp.HeaderDelivery: "dlv_e", erp.HeaderEvent: "order.created",
		erp.HeaderTimestamp: strconv.FormatInt(ts, 10), erp.HeaderSignature: erp.Sign(nil, ts, body)}
	if code := post(t, rcv.Handler(), body, hdr); code != http.StatusInternalServerError {
		t.Fatalf("receiver without secret: HTTP %d, want 500", code)
	}
	if st := rcv.Stats(); st.Accepted != 0 {
		t.Fatalf("receiver without secret applied a webhook: %+v", st)
	}
}

// The production client (connectors/httpx) retries a delivery in-process on
// a 502 — deliveries are idempotent — and hands a long Retry-After back to
// the caller (Temporal) instead of sleeping through it.
func TestClientRetriesBriefFailuresAndReturnsLongWaits(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	var calls atomic.Int32
	status := http.StatusBadGateway
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(status)
			return
		}
		rcv.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	c, _ := erp.NewClient(srv.URL+"/webhooks/syncctl", secret, httpx.New(httpx.Options{}))
	res, err := c.Deliver(context.Background(), delivery("dlv_r1", 1, domain.OrderPaid))
	if err != nil || !res.Accepted || calls.Load() != 2 {
		t.Fatalf("after one 502: %+v, %v, %d calls; want accepted on the second", res, err, calls.Load())
	}
	calls.Store(0)
	status = http.StatusServiceUnavailable
	_, err = c.Deliver(context.Background(), delivery("dlv_r2", 1, domain.OrderPaid))
	var de *domain.Error
	// One call: a client that slept through the wait would have tried again.
	if !errors.As(err, &de) || de.RetryAfter != 120*time.Second || calls.Load() != 1 {
		t.Fatalf("503 with Retry-After 120: %v (%d calls); want one call and RetryAfter 2m", err, calls.Load())
	}
}

// A correctly signed body over 4 MiB is answered 413 (too large), not cut
// and then refused as "signature does not match".
func TestReceiverAnswers413ToABodyOverTheLimit(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	h := rcv.Handler()
	d := delivery("dlv_big", 1, domain.OrderPaid)
	d.Order.Buyer.Nick = strings.Repeat("x", erp.MaxBody)
	body := envelope(t, d)
	req := httptest.NewRequest(http.MethodPost, "/webhooks/syncctl", bytes.NewReader(body))
	for k, v := range signed(body, "dlv_big", "order.created", time.Now()) {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || strings.Contains(rec.Body.String(), "signature") {
		t.Fatalf("HTTP %d %q, want 413", rec.Code, rec.Body.String())
	}
	if st := rcv.Stats(); st.BadSignature != 0 || st.Accepted != 0 {
		t.Fatalf("stats = %+v", st)
	}
	// Exactly at the limit it is read whole and verified.
	small := envelope(t, delivery("dlv_ok", 1, domain.OrderPaid))
	if code := post(t, h, small, signed(small, "dlv_ok", "order.created", time.Now())); code != http.StatusNoContent {
		t.Fatalf("a normal body: HTTP %d", code)
	}
}

// A signed body without an order, or with a revision below 1, is refused
// with 400 naming the field, and nothing is applied.
func TestReceiverRefusesAMissingOrderOrABadRevision(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	h := rcv.Handler()
	noShop := delivery("dlv_c", 1, domain.OrderPaid)
	noShop.Order.Shop = domain.ShopRef{}
	noID := delivery("dlv_d", 1, domain.OrderPaid)
	noID.Order.PlatformOrderID = ""
	cases := map[string]struct {
		body []byte
		want string
	}{
		"no order":      {[]byte(`{"id":"dlv_a","event":"order.created","revision":1}`), "field order: required"},
		"null order":    {[]byte(`{"id":"dlv_a","event":"order.created","revision":1,"order":null}`), "field order: required"},
		"negative rev":  {envelope(t, delivery("dlv_a", -1, domain.OrderPaid)), "field revision: must be 1 or more"},
		"zero rev":      {envelope(t, delivery("dlv_a", 0, domain.OrderPaid)), "field revision: must be 1 or more"},
		"no order id":   {envelope(t, noID), "field order.platform_order_id: required"},
		"no order shop": {envelope(t, noShop), "field order.shop"},
	}
	for name, c := range cases {
		var env erp.Envelope
		_ = json.Unmarshal(c.body, &env)
		req := httptest.NewRequest(http.MethodPost, "/webhooks/syncctl", bytes.NewReader(c.body))
		for k, v := range signed(c.body, env.ID, env.Event, time.Now()) {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), c.want) {
			t.Errorf("%s: HTTP %d %q, want 400 %q", name, rec.Code, rec.Body.String(), c.want)
		}
	}
	if st := rcv.Stats(); st.Accepted != 0 || st.Orders != 0 || st.BadRequest != len(cases) {
		t.Fatalf("stats = %+v, want every one refused as malformed", st)
	}
}

// With a state file the receiver keeps its secret and what it applied: a
// redelivery after a restart is a duplicate, not a second application.
func TestReceiverStateFileSurvivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "erp-receiver.json")
	rcv, err := erp.OpenReceiver([]byte("whsec_first"), nil, erp.WithStateFile(path))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", err, fi)
	}
	key := rcv.Secret()
	sign := func(body []byte, id, event string) map[string]string {
		ts := time.Now().Unix()
		return map[string]string{erp.HeaderDelivery: id, erp.HeaderEvent: event,
			erp.HeaderTimestamp: strconv.FormatInt(ts, 10), erp.HeaderSignature: erp.Sign(key, ts, body)}
	}
	body := envelope(t, delivery("dlv_a", 1, domain.OrderPaid))
	if code := post(t, rcv.Handler(), body, sign(body, "dlv_a", "order.created")); code != http.StatusNoContent {
		t.Fatalf("first delivery: HTTP %d", code)
	}
	again, err := erp.OpenReceiver([]byte("whsec_other"), nil, erp.WithStateFile(path))
	if err != nil {
		t.Fatal(err)
	}
	if string(again.Secret()) != "whsec_first" {
		t.Fatalf("the secret changed across a restart")
	}
	if code := post(t, again.Handler(), body, sign(body, "dlv_a", "order.created")); code != http.StatusNoContent {
		t.Fatalf("redelivery: HTTP %d", code)
	}
	if st := again.Stats(); st.Accepted != 1 || st.Duplicates != 1 || st.Orders != 1 {
		t.Fatalf("stats after the restart = %+v, want the redelivery counted as a duplicate", st)
	}
	if o := again.Orders(); len(o) != 1 || o[0].Deliveries != 1 {
		t.Fatalf("orders = %+v", o)
	}
	_ = os.WriteFile(path, []byte("{"), 0o600)
	if _, err := erp.OpenReceiver(nil, nil, erp.WithStateFile(path)); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("a corrupt state file: %v", err)
	}
}

// Answer reduces what a delivery attempt recorded to the ERP's answer.
func TestAnswerOfRealDeliveryErrors(t *testing.T) {
	refused := httptest.NewServer(http.NotFoundHandler())
	url := refused.URL
	refused.Close()
	c, _ := erp.NewClient(url+"/hook", secret, httpClient())
	_, err := c.Deliver(context.Background(), delivery("dlv_0123456789abcdef01234567", 1, domain.OrderPaid))
	if got := erp.Answer(err.Error()); !strings.HasPrefix(got, "ERP unreachable: dial tcp ") || !strings.HasSuffix(got, ": connection refused") || strings.Contains(got, "dlv_") {
		t.Errorf("Answer(%q) = %q", err, got)
	}
	rcv := erp.NewReceiver(secret, nil)
	srv := httptest.NewServer(rcv.Handler())
	defer srv.Close()
	rcv.FailNext(1)
	c, _ = erp.NewClient(srv.URL+"/webhooks/syncctl", secret, httpClient())
	_, err = c.Deliver(context.Background(), delivery("dlv_0123456789abcdef01234567", 1, domain.OrderPaid))
	if got := erp.Answer(err.Error()); got != "HTTP 503: erp maintenance" {
		t.Errorf("Answer(%q) = %q", err, got)
	}
	if got := erp.Answer("something else"); got != "something else" {
		t.Errorf("Answer kept %q", got)
	}
}

// Refund webhooks are applied per case, apart from the order's revisions:
// a refund at the order's own revision is not stale, an older version of
// the case is, and a refund event without its case is refused.
func TestReceiverAppliesRefundCasesApartFromTheirOrder(t *testing.T) {
	rcv := erp.NewReceiver(secret, nil)
	h := rcv.Handler()
	now := time.Now()
	order := envelope(t, delivery("dlv_o1", 1000, domain.OrderRefunding))
	if code := post(t, h, order, signed(order, "dlv_o1", "order.updated", now)); code != http.StatusNoContent {
		t.Fatalf("order: HTTP %d", code)
	}
	refund := func(id string, rev int, status domain.AfterSaleStatus) store.Delivery {
		d := delivery(id, rev, domain.OrderRefunding)
		d.Event, d.CaseID = store.RefundCreated, "RF1"
		if status != domain.AfterSaleRequested {
			d.Event = store.RefundUpdated
		}
		d.Refund = &domain.AfterSale{Shop: d.Order.Shop, PlatformOrderID: d.Order.PlatformOrderID, PlatformCaseID: "RF1", Status: status, RefundAmount: 12990}
		return d
	}
	asked := envelope(t, refund("dlv_r1", 1000, domain.AfterSaleRequested))
	if code := post(t, h, asked, signed(asked, "dlv_r1", "refund.created", now)); code != http.StatusNoContent {
		t.Fatalf("refund.created: HTTP %d", code)
	}
	done := envelope(t, refund("dlv_r2", 2000, domain.AfterSaleRefunded))
	if code := post(t, h, done, signed(done, "dlv_r2", "refund.updated", now)); code != http.StatusNoContent {
		t.Fatalf("refund.updated: HTTP %d", code)
	}
	late := envelope(t, refund("dlv_r0", 1500, domain.AfterSaleApproved))
	if code := post(t, h, late, signed(late, "dlv_r0", "refund.updated", now)); code != http.StatusNoContent {
		t.Fatalf("late refund version: HTTP %d, want 204 (acknowledged)", code)
	}
	st := rcv.Stats()
	if st.Accepted != 3 || st.Stale != 1 || st.Refunds != 1 || st.Orders != 1 {
		t.Fatalf("stats = %+v, want order + 2 refund versions accepted, 1 stale, 1 case, 1 order", st)
	}
	if rs := rcv.Refunds(); len(rs) != 1 || rs[0].Status != "refunded" || rs[0].Revision != 2000 || rs[0].Deliveries != 3 || rs[0].Amount != 12990 {
		t.Fatalf("refunds = %+v, want RF1 refunded at revision 2000 after 3 deliveries", rs)
	}
	if o := rcv.Orders()[0]; o.Deliveries != 1 || o.Revision != 1000 {
		t.Fatalf("order = %+v: refund deliveries must not count as order versions", o)
	}
	bare := delivery("dlv_r3", 3000, domain.OrderRefunding)
	bare.Event = store.RefundUpdated
	body := envelope(t, bare)
	if code := post(t, h, body, signed(body, "dlv_r3", "refund.updated", now)); code != http.StatusBadRequest {
		t.Fatalf("refund event without a case: HTTP %d, want 400", code)
	}
}
