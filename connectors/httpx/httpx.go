// Package httpx is the one go-retryablehttp setup every connector and the
// ERP delivery use. It retries only what is safe to retry in-process
// (connection errors, 502/503/504, short 429 waits), never logs URLs,
// headers or bodies (they carry tokens and signatures), and hands long waits
// back to the caller so Temporal can wait durably instead of a goroutine.
package httpx

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/domain"
)

// Version is reported in the User-Agent.
var Version = "dev"

// Options tune a client; zero values are sensible defaults.
type Options struct {
	Timeout       time.Duration // per attempt, default 15s
	RetryMax      int           // in-process retries, default 2 (-1 = none)
	RetryWaitMin  time.Duration // default 200ms
	RetryWaitMax  time.Duration // default 2s
	MaxInlineWait time.Duration // a Retry-After longer than this is returned, not slept (default 3s)
	Logger        *slog.Logger  // attempts are logged as method + host + status only
}

// New returns a configured client.
func New(o Options) *retryablehttp.Client {
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	switch {
	case o.RetryMax < 0:
		o.RetryMax = 0
	case o.RetryMax == 0:
		o.RetryMax = 2
	}
	if o.RetryWaitMin <= 0 {
		o.RetryWaitMin = 200 * time.Millisecond
	}
	if o.RetryWaitMax <= 0 {
		o.RetryWaitMax = 2 * time.Second
	}
	if o.MaxInlineWait <= 0 {
		o.MaxInlineWait = 3 * time.Second
	}
	c := retryablehttp.NewClient()
	c.HTTPClient = &http.Client{Timeout: o.Timeout, Transport: &userAgent{base: http.DefaultTransport.(*http.Transport).Clone()}}
	c.RetryMax = o.RetryMax
	c.RetryWaitMin, c.RetryWaitMax = o.RetryWaitMin, o.RetryWaitMax
	c.Logger = nil // retryablehttp's own logger prints full URLs
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c.RequestLogHook = func(_ retryablehttp.Logger, r *http.Request, attempt int) {
		if attempt > 0 {
			log.Debug("http retry", "method", r.Method, "host", r.URL.Host, "attempt", attempt)
		}
	}
	c.CheckRetry = func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if ctx.Err() != nil {
			return false, ctx.Err()
		}
		if err != nil {
			return true, nil // connection refused, reset, timeout
		}
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true, nil
		case http.StatusTooManyRequests:
			return RetryAfter(resp) <= o.MaxInlineWait, nil
		}
		return false, nil
	}
	// Return the last response instead of retryablehttp's "giving up"
	// error, so callers see the status (and a 429's Retry-After).
	c.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return c
}

type userAgent struct{ base http.RoundTripper }

func (u *userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", "syncctl/"+Version)
	return u.base.RoundTrip(r)
}

// RetryAfter reads a Retry-After header in seconds (0 when absent).
func RetryAfter(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// TransportError turns a failed request into a coded error that carries no
// URL (URLs may hold tokens): EUnavailable, retryable.
func TransportError(platform, what string, err error) error {
	var ue *url.Error
	inner := err
	if errors.As(err, &ue) {
		inner = ue.Err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		inner = err
	} else if ue == nil {
		inner = errors.New("request failed")
	}
	return &domain.Error{Code: domain.EUnavailable, Platform: platform, Message: what + ": unreachable", Err: inner}
}

// StatusError maps a non-2xx HTTP status to a coded error: 429 is rate
// limited (with its Retry-After), 5xx unavailable, 401/403 auth, other 4xx invalid.
func StatusError(platform, what string, resp *http.Response) error {
	e := &domain.Error{Platform: platform, PlatformCode: "HTTP " + strconv.Itoa(resp.StatusCode),
		Message: fmt.Sprintf("%s: HTTP %d", what, resp.StatusCode)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Code, e.RetryAfter = domain.ERateLimited, RetryAfter(resp)
	case resp.StatusCode >= 500:
		e.Code = domain.EUnavailable
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Code = domain.EAuth
	default:
		e.Code = domain.EInvalid
	}
	return e
}
