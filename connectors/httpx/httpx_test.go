package httpx_test

import (
	"bytes"
	"context"
	"log/slog"
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

func get(t *testing.T, c *retryablehttp.Client, url string) *http.Response {
	t.Helper()
	req, _ := retryablehttp.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestRetriesUnavailableThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.UserAgent(), "syncctl/") {
			t.Errorf("user agent %q", r.UserAgent())
		}
		if calls.Add(1) < 3 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	resp := get(t, httpx.New(httpx.Options{RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}), srv.URL)
	if resp.StatusCode != 200 || calls.Load() != 3 {
		t.Fatalf("status %d after %d calls", resp.StatusCode, calls.Load())
	}
}

func TestDoesNotRetryClientErrorsOrLongWaits(t *testing.T) {
	var calls atomic.Int32
	status := http.StatusBadRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "60")
		w.WriteHeader(status)
	}))
	defer srv.Close()
	c := httpx.New(httpx.Options{RetryWaitMin: time.Millisecond})
	if resp := get(t, c, srv.URL); resp.StatusCode != 400 || calls.Load() != 1 {
		t.Fatalf("400: status %d after %d calls", resp.StatusCode, calls.Load())
	}
	status = http.StatusTooManyRequests
	calls.Store(0)
	resp := get(t, c, srv.URL)
	if resp.StatusCode != 429 || calls.Load() != 1 {
		t.Fatalf("429 with a 60s wait: status %d after %d calls (must not sleep in-process)", resp.StatusCode, calls.Load())
	}
	err := httpx.StatusError("erp", "delivery x", resp)
	var de *domain.Error
	if domain.ErrorCode(err) != domain.ERateLimited || !asErr(err, &de) || de.RetryAfter != time.Minute {
		t.Fatalf("StatusError(429) = %#v", err)
	}
}

func asErr(err error, de **domain.Error) bool {
	e, ok := err.(*domain.Error)
	*de = e
	return ok
}

func TestNeverLogsSecrets(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	defer srv.Close()
	c := httpx.New(httpx.Options{Logger: log, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	get(t, c, srv.URL+"/router/rest?session=TOPSECRET&sign=ABCDEF")
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
