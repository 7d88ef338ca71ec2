// Package httpx is the one go-retryablehttp setup every connector and the
// ERP delivery use.
//
// In-process retries are opt-in per call (AllowRetry): a write that is not
// idempotent (TOP taobao.item.add, taobao.logistics.offline.send) must never
// be sent twice by a goroutine that cannot know whether the first attempt
// landed. Temporal retries the whole activity instead, and the activity
// knows how to look the effect up first.
//
// Waits are bounded so that a worker slot is never held for long: one call
// takes at most Attempts × Timeout + (Attempts−1) × MaxInlineWait, with the
// defaults 3 × 15 s + 2 × 5 s = 55 s (see Options.Budget). When a server
// asks for a longer wait (Retry-After on 429/503) the client stops retrying
// and the caller turns the response into a domain error carrying RetryAfter
// (StatusError), so Temporal waits durably instead of a goroutine.
//
// Nothing here logs URLs, headers or bodies: they carry tokens and signatures.
package httpx

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/domain"
)

// Version is reported in the User-Agent.
var Version = "dev"

// Defaults. Changing one changes Options.Budget; TestDefaultBudget pins it
// under a minute.
const (
	DefaultTimeout       = 15 * time.Second       // per attempt
	DefaultRetryMax      = 2                      // retries after the first attempt
	DefaultRetryWaitMin  = 200 * time.Millisecond // first backoff
	DefaultRetryWaitMax  = 2 * time.Second        // backoff cap without Retry-After
	DefaultMaxInlineWait = 5 * time.Second        // longest Retry-After slept in-process
)

// Options tune a client; zero values take the defaults above.
type Options struct {
	Timeout       time.Duration // per attempt
	RetryMax      int           // in-process retries of calls that allow them (-1 = none)
	RetryWaitMin  time.Duration
	RetryWaitMax  time.Duration
	MaxInlineWait time.Duration // a Retry-After longer than this ends the call instead of being slept
	Logger        *slog.Logger  // attempts are logged as method + host + attempt only
	// Now is the clock used to read HTTP-date Retry-After values (nil: time.Now).
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.RetryMax < 0:
		o.RetryMax = 0
	case o.RetryMax == 0:
		o.RetryMax = DefaultRetryMax
	}
	if o.RetryWaitMin <= 0 {
		o.RetryWaitMin = DefaultRetryWaitMin
	}
	if o.RetryWaitMax <= 0 {
		o.RetryWaitMax = DefaultRetryWaitMax
	}
	if o.RetryWaitMax < o.RetryWaitMin {
		o.RetryWaitMax = o.RetryWaitMin
	}
	if o.MaxInlineWait <= 0 {
		o.MaxInlineWait = DefaultMaxInlineWait
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Budget is the longest wall time one call can take with these options:
// every attempt timing out, with the longest wait between attempts.
func (o Options) Budget() time.Duration {
	o = o.withDefaults()
	attempts := time.Duration(o.RetryMax + 1)
	wait := max(o.RetryWaitMax, o.MaxInlineWait)
	return attempts*o.Timeout + (attempts-1)*wait
}

type retryKey struct{}

// AllowRetry marks ctx so that the call made with it may be retried
// in-process on a transport error, 502/503/504 or a short 429. Use it only
// for reads and for writes that are idempotent (absolute values, listing
// state); without it a call is attempted exactly once.
func AllowRetry(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryKey{}, true)
}

// RetryAllowed reports whether ctx was marked by AllowRetry.
func RetryAllowed(ctx context.Context) bool {
	v, _ := ctx.Value(retryKey{}).(bool)
	return v
}

type retryGateKey struct{}

// WithRetryGate has every in-process retry of the call made with ctx ask
// gate first, after its backoff: a retry is a call to the platform too,
// so whoever let the first attempt through (connectors/shopgate: the
// shop's ban, pause, pace and circuit breaker) decides on the next. When
// gate refuses, the retry is not made and the call returns gate's error.
func WithRetryGate(ctx context.Context, gate func(context.Context) error) context.Context {
	return context.WithValue(ctx, retryGateKey{}, gate)
}

// New returns a configured client.
func New(o Options) *retryablehttp.Client {
	o = o.withDefaults()
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
		if !RetryAllowed(ctx) {
			return false, nil
		}
		if err != nil {
			return retryableTransport(err), nil
		}
		switch resp.StatusCode {
		case http.StatusBadGateway, http.StatusGatewayTimeout:
			return true, nil
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			// A wait longer than we may hold a worker goes back to the
			// caller (and Temporal), not into a sleeping goroutine.
			return retryAfterAt(resp, o.Now()) <= o.MaxInlineWait, nil
		}
		return false, nil
	}
	c.Backoff = func(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
		if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			if ra := retryAfterAt(resp, o.Now()); ra > 0 {
				return min(ra, o.MaxInlineWait)
			}
		}
		// Otherwise the library's doubling from lo, capped at hi (its own
		// Retry-After reading is skipped: it knows no injected clock).
		return retryablehttp.DefaultBackoff(lo, hi, attempt, nil)
	}
	c.PrepareRetry = func(r *http.Request) error {
		if gate, ok := r.Context().Value(retryGateKey{}).(func(context.Context) error); ok {
			return gate(r.Context())
		}
		return nil
	}
	// Return the last response instead of retryablehttp's "giving up"
	// error, so callers see the status (and a 429's Retry-After); a retry
	// its gate refused returns the gate's error (a *domain.Error).
	c.ErrorHandler = func(resp *http.Response, err error, attempts int) (*http.Response, error) {
		var gated *domain.Error
		if errors.As(err, &gated) {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, err
		}
		return retryablehttp.PassthroughErrorHandler(resp, err, attempts)
	}
	return c
}

// retryableTransport says whether a transport error may pass on a retry:
// connection refused/reset and timeouts may; a bad certificate, an
// unsupported scheme or a redirect loop never will.
func retryableTransport(err error) bool {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
		hostname  x509.HostnameError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &invalid) || errors.As(err, &hostname) {
		return false
	}
	msg := err.Error()
	for _, s := range []string{"unsupported protocol scheme", "stopped after", "invalid header", "certificate", "x509:"} {
		if strings.Contains(msg, s) {
			return false
		}
	}
	return true
}

type userAgent struct{ base http.RoundTripper }

func (u *userAgent) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", "syncctl/"+Version)
	return u.base.RoundTrip(r)
}

// RetryAfter reads a Retry-After header, as delta-seconds or an HTTP-date
// (RFC 9110 §10.2.3), relative to now; 0 when absent, malformed or past.
func RetryAfter(resp *http.Response) time.Duration { return retryAfterAt(resp, time.Now()) }

func retryAfterAt(resp *http.Response, now time.Time) time.Duration {
	if resp == nil {
		return 0
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, int64(365*24*3600))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// TransportError turns a failed request into a coded error that carries no
// URL (URLs may hold tokens): EUnavailable, retryable.
//
// Only the cause below the URL is kept: the *url.Error's own Err (a dial
// error, a Client.Timeout), else the bare context error, else nothing.
// Every wrapper above it (go-retryablehttp's "POST <url> giving up after
// …", url.Error's "Post \"<url>\": …") prints the URL, query included,
// and a platform that takes its access token in the query (WeChat,
// Youzan, Douyin) would otherwise carry it into errors, workflow
// histories and the store. errors.Is still finds a cancel or a deadline.
func TransportError(platform, what string, err error) error {
	var gated *domain.Error
	if errors.As(err, &gated) {
		return gated // a retry the shop's gate refused (WithRetryGate): its own words
	}
	var ue *url.Error
	var inner error
	switch {
	case errors.As(err, &ue):
		inner = ue.Err
	case errors.Is(err, context.DeadlineExceeded):
		inner = context.DeadlineExceeded
	case errors.Is(err, context.Canceled):
		inner = context.Canceled
	default:
		inner = errors.New("request failed")
	}
	return &domain.Error{Code: domain.EUnavailable, Platform: platform, Message: what + ": unreachable", Err: inner}
}

// StatusError maps a non-2xx HTTP status to a coded error: 429 is rate
// limited and 503 unavailable, both with the server's Retry-After (so
// Temporal waits that long); other 5xx unavailable, 401/403 auth, other 4xx
// invalid.
func StatusError(platform, what string, resp *http.Response) error {
	e := &domain.Error{Platform: platform, PlatformCode: "HTTP " + strconv.Itoa(resp.StatusCode),
		Message: fmt.Sprintf("%s: HTTP %d", what, resp.StatusCode)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Code, e.RetryAfter = domain.ERateLimited, RetryAfter(resp)
	case resp.StatusCode == http.StatusServiceUnavailable:
		e.Code, e.RetryAfter = domain.EUnavailable, RetryAfter(resp)
	case resp.StatusCode >= 500:
		e.Code = domain.EUnavailable
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		e.Code = domain.EAuth
	default:
		e.Code = domain.EInvalid
	}
	return e
}

// MaxBody bounds an answer read by Post.
const MaxBody = 32 << 20

// Post sends one POST and returns the body of its 200 answer. A transport
// failure, another status or a body that cannot be read become coded
// errors naming the platform and what was called (TransportError,
// StatusError), never the URL. header may add headers (an Authorization).
func Post(ctx context.Context, c *retryablehttp.Client, platform, what, endpoint, contentType string, body io.Reader, header http.Header) ([]byte, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, endpoint, body)
	if err != nil {
		// A url.Error names the URL, and with it any token in its query.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, domain.Errorf(domain.EInvalid, "%s: gateway URL: %v", what, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := c.Do(req)
	if err != nil {
		return nil, TransportError(platform, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, StatusError(platform, what, resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if err != nil {
		return nil, TransportError(platform, what, err)
	}
	return b, nil
}
