package erp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// Client delivers order webhooks to one ERP endpoint.
type Client struct {
	URL    string
	secret []byte
	http   *retryablehttp.Client
	now    func() time.Time
}

// NewClient returns a client for url signing with secret. httpClient is the
// project's shared retryablehttp setup (connectors/httpx); its in-process
// retries cover blips, and Temporal's activity retries cover outages.
func NewClient(url string, secret []byte, httpClient *retryablehttp.Client) (*Client, error) {
	if url == "" {
		return nil, domain.Errorf(domain.EInvalid, "erp: url is empty")
	}
	if len(secret) == 0 {
		return nil, domain.Errorf(domain.EInvalid, "erp: signing secret is empty (set it through an env var or a file)")
	}
	return &Client{URL: url, secret: secret, http: httpClient, now: time.Now}, nil
}

// Result is what the ERP answered to one delivery attempt.
type Result struct {
	HTTPStatus int
	Accepted   bool
}

// Deliver POSTs one delivery. It returns Accepted for a 2xx. Any other
// answer is a retryable *domain.Error (EUnavailable; ERateLimited with the
// ERP's Retry-After on 429) whose text names the delivery and the status,
// never the secret or the signature.
func (c *Client) Deliver(ctx context.Context, d store.Delivery) (Result, error) {
	body, err := EnvelopeFor(d)
	if err != nil {
		return Result{}, domain.Errorf(domain.EInternal, "delivery %s: encode: %v", d.ID, err)
	}
	ts := c.now().Unix()
	// A delivery is idempotent (the ERP dedupes by X-Syncctl-Delivery), so a
	// dropped connection or a 502 may be retried at once; the signature is
	// over this attempt's timestamp, which stays well inside the tolerance.
	req, err := retryablehttp.NewRequestWithContext(httpx.AllowRetry(ctx), http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return Result{}, domain.Errorf(domain.EInvalid, "delivery %s: erp url: %v", d.ID, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderEvent, string(d.Event))
	req.Header.Set(HeaderDelivery, d.ID)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderSignature, Sign(c.secret, ts, body))
	resp, err := c.http.Do(req)
	if err != nil {
		return Result{}, &domain.Error{Code: domain.EUnavailable, Platform: "erp",
			Message: fmt.Sprintf("delivery %s: erp unreachable", d.ID), Err: stripURL(err)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return Result{HTTPStatus: resp.StatusCode, Accepted: true}, nil
	}
	e := &domain.Error{Code: domain.EUnavailable, Platform: "erp", PlatformCode: strconv.Itoa(resp.StatusCode),
		Message: fmt.Sprintf("delivery %s: erp answered HTTP %d: %s", d.ID, resp.StatusCode, bytes.TrimSpace(snippet))}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		// The ERP's own wait (seconds or an HTTP-date) becomes the next retry delay.
		if resp.StatusCode == http.StatusTooManyRequests {
			e.Code = domain.ERateLimited
		}
		e.RetryAfter = httpx.RetryAfter(resp)
	}
	return Result{HTTPStatus: resp.StatusCode}, e
}

// stripURL drops the URL from transport errors: an ERP URL may carry a
// token in its query string, and retryablehttp puts the URL in its text.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	return errors.New("request failed after retries")
}
