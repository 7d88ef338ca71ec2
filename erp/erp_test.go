package erp_test

import (
	"context"
	"net/http/httptest"
	"strings"
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
