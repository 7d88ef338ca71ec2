package httpx_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
)

func do(t *testing.T, c *retryablehttp.Client, ctx context.Context, method, url string) *http.Response {
	t.Helper()
	req, _ := retryablehttp.NewRequestWithContext(ctx, method, url, strings.NewReader("a=1"))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

var fast = httpx.Options{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}

// counting answers status for the first fail calls, then 200.
func counting(fail int32, status int, header ...string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= fail {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	return srv, &calls
}

func TestRetriesOnlyWhenTheCallAllowsIt(t *testing.T) {
	srv, calls := counting(2, http.StatusServiceUnavailable)
	defer srv.Close()
	c := httpx.New(fast)
	resp := do(t, c, httpx.AllowRetry(context.Background()), http.MethodPost, srv.URL)
	if resp.StatusCode != 200 || calls.Load() != 3 {
		t.Fatalf("idempotent call: status %d after %d calls, want 200 after 3", resp.StatusCode, calls.Load())
	}
	calls.Store(0)
	resp = do(t, c, context.Background(), http.MethodPost, srv.URL)
	if resp.StatusCode != http.StatusServiceUnavailable || calls.Load() != 1 {
		t.Fatalf("non-idempotent call: status %d after %d calls, want the 503 after exactly 1", resp.StatusCode, calls.Load())
	}
}

// Each in-process retry asks the call's gate after its backoff: a retry
// the gate refuses is not made, and the call returns the gate's error
// (through Post as it is, not as "unreachable").
func TestRetriesAskTheGateFirst(t *testing.T) {
	srv, calls := counting(10, http.StatusServiceUnavailable)
	defer srv.Close()
	c := httpx.New(fast)
	var asked atomic.Int32
	refusal := &domain.Error{Code: domain.EUnavailable, Message: "tmall/flagship: circuit breaker open", RetryAfter: time.Minute}
	gate := func(context.Context) error {
		if asked.Add(1) > 1 {
			return refusal
		}
		return nil
	}
	ctx := httpx.WithRetryGate(httpx.AllowRetry(context.Background()), gate)
	_, err := httpx.Post(ctx, c, "tmall", "taobao.item.add", srv.URL, "application/x-www-form-urlencoded", strings.NewReader("a=1"), nil)
	if err != refusal || calls.Load() != 2 || asked.Load() != 2 {
		t.Fatalf("err %v after %d calls, gate asked %d times: want the gate's refusal after 2 calls", err, calls.Load(), asked.Load())
	}
	// A gate that lets every retry through changes nothing.
	calls.Store(0)
	ctx = httpx.WithRetryGate(httpx.AllowRetry(context.Background()), func(context.Context) error { return nil })
	if resp := do(t, c, ctx, http.MethodPost, srv.URL); resp.StatusCode != http.StatusServiceUnavailable || calls.Load() != 1+httpx.DefaultRetryMax {
		t.Fatalf("status %d after %d calls, want the 503 after %d", resp.StatusCode, calls.Load(), 1+httpx.DefaultRetryMax)
	}
}

func TestSendsUserAgent(t *testing.T) {
	var ua atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua.Store(r.UserAgent()) }))
	defer srv.Close()
	do(t, httpx.New(fast), context.Background(), http.MethodGet, srv.URL)
	if s, _ := ua.Load().(string); !strings.HasPrefix(s, "syncctl/") {
		t.Fatalf("user agent %q", s)
	}
}

func TestDoesNotRetryClientErrors(t *testing.T) {
	srv, calls := counting(5, http.StatusBadRequest)
	defer srv.Close()
	resp := do(t, httpx.New(fast), httpx.AllowRetry(context.Background()), http.MethodGet, srv.URL)
	if resp.StatusCode != 400 || calls.Load() != 1 {
		t.Fatalf("400: status %d after %d calls", resp.StatusCode, calls.Load())
	}
}

// A server asking for a minute is answered at once with the wait carried
// in the error, for 429 and for 503, in seconds and as an HTTP-date.
func TestLongRetryAfterReturnsPromptlyWithTheWait(t *testing.T) {
	now := time.Date(2026, 11, 24, 2, 0, 0, 0, time.UTC)
	cases := []struct {
		status int
		header string
		code   string
	}{
		{http.StatusTooManyRequests, "60", domain.ERateLimited},
		{http.StatusServiceUnavailable, "60", domain.EUnavailable},
		{http.StatusServiceUnavailable, now.Add(time.Minute).Format(http.TimeFormat), domain.EUnavailable},
		{http.StatusTooManyRequests, now.Add(time.Minute).Format(http.TimeFormat), domain.ERateLimited},
	}
	for _, tc := range cases {
		srv, calls := counting(5, tc.status, "Retry-After", tc.header)
		o := fast
		o.Now = func() time.Time { return now }
		start := time.Now()
		resp := do(t, httpx.New(o), httpx.AllowRetry(context.Background()), http.MethodGet, srv.URL)
		srv.Close()
		if resp.StatusCode != tc.status || calls.Load() != 1 || time.Since(start) > 3*time.Second {
			t.Errorf("%d Retry-After %s: status %d after %d calls in %s; want one call, no sleep", tc.status, tc.header, resp.StatusCode, calls.Load(), time.Since(start))
		}
		// StatusError reads an HTTP-date against the real clock; only the
		// delta-seconds form is compared exactly.
		err := httpx.StatusError("erp", "delivery x", resp)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != tc.code {
			t.Errorf("StatusError(%d) = %#v, want %s", tc.status, err, tc.code)
		} else if tc.header == "60" && de.RetryAfter != time.Minute {
			t.Errorf("StatusError(%d).RetryAfter = %s, want 1m", tc.status, de.RetryAfter)
		}
	}
}

func TestShortRetryAfterIsSleptAndHonoured(t *testing.T) {
	srv, calls := counting(1, http.StatusTooManyRequests, "Retry-After", "1")
	defer srv.Close()
	start := time.Now()
	resp := do(t, httpx.New(fast), httpx.AllowRetry(context.Background()), http.MethodGet, srv.URL)
	if resp.StatusCode != 200 || calls.Load() != 2 {
		t.Fatalf("status %d after %d calls", resp.StatusCode, calls.Load())
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("retried after %s, before the server's 1s Retry-After", el)
	}
}

func TestRetryAfterParsesSecondsAndHTTPDate(t *testing.T) {
	resp := func(v string) *http.Response { return &http.Response{Header: http.Header{"Retry-After": {v}}} }
	if got := httpx.RetryAfter(resp("120")); got != 2*time.Minute {
		t.Errorf("120 = %s", got)
	}
	if got := httpx.RetryAfter(resp(time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat))); got < 85*time.Second || got > 91*time.Second {
		t.Errorf("HTTP-date 90s ahead = %s", got)
	}
	for _, v := range []string{"", "-5", "soon", time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)} {
		if got := httpx.RetryAfter(resp(v)); got != 0 {
			t.Errorf("%q = %s, want 0", v, got)
		}
	}
	if httpx.RetryAfter(nil) != 0 {
		t.Error("nil response")
	}
}

func TestStatusErrorCodes(t *testing.T) {
	for status, want := range map[int]string{401: domain.EAuth, 403: domain.EAuth, 404: domain.EInvalid, 500: domain.EUnavailable,
		502: domain.EUnavailable, 504: domain.EUnavailable, 429: domain.ERateLimited} {
		if got := domain.ErrorCode(httpx.StatusError("tmall", "m", &http.Response{StatusCode: status, Header: http.Header{}})); got != want {
			t.Errorf("HTTP %d = %s, want %s", status, got, want)
		}
	}
}

func TestDoesNotRetryBadSchemeOrCertificate(t *testing.T) {
	tls := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer tls.Close()
	var attempts atomic.Int32
	o := fast
	o.Logger = slog.New(countHandler{&attempts})
	c := httpx.New(o)
	for _, u := range []string{tls.URL, "ftp://example.invalid/x"} {
		attempts.Store(0)
		req, _ := retryablehttp.NewRequestWithContext(httpx.AllowRetry(context.Background()), http.MethodGet, u, nil)
		if _, err := c.Do(req); err == nil {
			t.Fatalf("%s answered", u)
		}
		if attempts.Load() != 0 {
			t.Errorf("%s retried %d times; a bad certificate or scheme never passes on retry", u, attempts.Load())
		}
	}
	// A refused connection is retried.
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	attempts.Store(0)
	req, _ := retryablehttp.NewRequestWithContext(httpx.AllowRetry(context.Background()), http.MethodGet, "http://"+addr, nil)
	if _, err := c.Do(req); err == nil {
		t.Fatal("closed port answered")
	}
	if attempts.Load() != httpx.DefaultRetryMax {
		t.Errorf("refused connection retried %d times, want %d", attempts.Load(), httpx.DefaultRetryMax)
	}
}

// countHandler counts "http retry" debug records.
type countHandler struct{ n *atomic.Int32 }

func (h countHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h countHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "http retry" {
		h.n.Add(1)
	}
	return nil
}
func (h countHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countHandler) WithGroup(string) slog.Handler      { return h }

func TestDefaultBudgetStaysUnderAMinute(t *testing.T) {
	if b := (httpx.Options{}).Budget(); b != 55*time.Second {
		t.Fatalf("default budget = %s, want 3×15s + 2×5s = 55s", b)
	}
	if b := (httpx.Options{RetryMax: -1, Timeout: 10 * time.Second}).Budget(); b != 10*time.Second {
		t.Fatalf("no-retry budget = %s", b)
	}
}

func TestNeverLogsSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, _ := counting(1, http.StatusBadGateway)
	defer srv.Close()
	o := fast
	o.Logger = log
	do(t, httpx.New(o), httpx.AllowRetry(context.Background()), http.MethodGet, srv.URL+"/router/rest?session=TOPSECRET&sign=ABCDEF")
	if !strings.Contains(buf.String(), "http retry") {
		t.Fatalf("retry not logged: %q", buf.String())
	}
	if strings.Contains(buf.String(), "TOPSECRET") || strings.Contains(buf.String(), "ABCDEF") {
		t.Fatalf("log leaked a secret: %q", buf.String())
	}
	srv.Close()
	req, _ := retryablehttp.NewRequest(http.MethodGet, srv.URL+"/?session=TOPSECRET", nil)
	_, err := httpx.New(httpx.Options{RetryMax: -1}).Do(req)
	if err == nil {
		t.Fatal("closed server answered")
	}
	if e := httpx.TransportError("tmall", "taobao.item.add", err); strings.Contains(e.Error(), "TOPSECRET") || domain.ErrorCode(e) != domain.EUnavailable {
		t.Fatalf("TransportError = %v", e)
	}
}

// A call that never gets an answer (a worker cut off from the network, a
// gateway that hangs) ends on its deadline or the client's timeout: the
// error keeps the cause and that it was a deadline, never the URL, whose
// query holds the access token on WeChat, Youzan and Douyin. The chaos
// suite found one in a workflow history through this path.
func TestTransportErrorsNeverCarryTheURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // accepts and never answers
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			defer conn.Close()
		}
	}()
	url := "http://" + ln.Addr().String() + "/channels/ec/product/add?access_token=SECRETTOKEN123"
	check := func(name string, e error, deadline bool) {
		t.Helper()
		if strings.Contains(e.Error(), "SECRETTOKEN123") || strings.Contains(e.Error(), "access_token") {
			t.Fatalf("%s: the error carries the URL: %v", name, e)
		}
		if domain.ErrorCode(e) != domain.EUnavailable || errors.Is(e, context.DeadlineExceeded) != deadline {
			t.Fatalf("%s: %v (deadline %v), want unavailable, deadline %v", name, e, errors.Is(e, context.DeadlineExceeded), deadline)
		}
	}

	// The caller's deadline, retries allowed.
	ctx, cancel := context.WithTimeout(httpx.AllowRetry(context.Background()), 300*time.Millisecond)
	defer cancel()
	_, err = httpx.Post(ctx, httpx.New(fast), "wechat_shop", "product/add", url, "application/json", strings.NewReader("{}"), nil)
	if err == nil {
		t.Fatal("a silent gateway answered")
	}
	check("context deadline", err, true)

	// The client's own timeout on every attempt.
	o := fast
	o.Timeout, o.RetryMax = 200*time.Millisecond, 1
	_, err = httpx.Post(httpx.AllowRetry(context.Background()), httpx.New(o), "wechat_shop", "product/add", url, "application/json", strings.NewReader("{}"), nil)
	if err == nil {
		t.Fatal("a silent gateway answered")
	}
	check("client timeout", err, true)

	// A cancelled call.
	ctx, cancel = context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err = httpx.Post(ctx, httpx.New(fast), "wechat_shop", "product/add", url, "application/json", strings.NewReader("{}"), nil)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v, want context.Canceled", err)
	}
	check("cancel", err, false)

	// A gateway URL that does not parse.
	_, err = httpx.Post(context.Background(), httpx.New(fast), "wechat_shop", "product/add", "http://[::1/x?access_token=SECRETTOKEN123", "application/json", strings.NewReader("{}"), nil)
	if err == nil || strings.Contains(err.Error(), "SECRETTOKEN123") {
		t.Fatalf("malformed gateway URL: %v", err)
	}
}
