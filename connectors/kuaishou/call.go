package kuaishou

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
)

// Result codes. 1 (success) and 24 (AUTHORIZATION_REVOKED) are documented,
// as are the 3000xx order-query codes; the numbers of the others are
// UNCONFIRMED — the platform's TEXT is what sources show — and are kept in
// this one table, with sandbox/kuaishou making the same choice.
const (
	codeOK           = 1
	codeSystem       = 2    // 系统繁忙: retry
	codeRevoked      = 24   // the shop withdrew the authorisation
	codeSignInvalid  = 27   // 签名校验失败, or appkey / timestamp / version / signMethod refused
	codeTokenInvalid = 28   // 鉴权失败 / TOKEN过期: refresh once
	codeThrottled    = 1017 // a throttle whose text names no kind: a QPS one
	codeNotFound     = 2002
	codeConflict     = 2003
	codeBusiness     = 2000 // results from here on are business refusals: invalid unless listed
)

// Throttle waits. The QPS wait is UNCONFIRMED (the text names none); a
// quota lasts the GMT+8 day ("次日再进行调用", K1008).
const qpsWait = time.Second

var gmt8 = time.FixedZone("GMT+8", 8*3600)

// untilTomorrow is the wait until the next GMT+8 midnight.
func untilTomorrow(now time.Time) time.Duration {
	t := now.In(gmt8)
	return time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, gmt8).Sub(now)
}

// answer is every field an answer may carry.
type answer struct {
	Result   *int            `json:"result"`
	ErrorMsg string          `json:"error_msg"`
	Msg      string          `json:"msg"`
	SubMsg   string          `json:"subMsg"`
	ErrMsg2  string          `json:"errorMsg"`
	Data     json.RawMessage `json:"data"`
}

func (a answer) text() string {
	for _, s := range []string{a.SubMsg, a.ErrMsg2, a.ErrorMsg, a.Msg} {
		if s != "" {
			return s
		}
	}
	return "(no message)"
}

// mapError turns an error answer into a coded domain error. The throttle
// texts decide before any number: "[1017] exceed quota limit" is one API's
// daily quota (apiQuota: that API waits until tomorrow, the shop does not),
// "Exceed quota limit" the app's or test user's daily quota (the shop waits
// until tomorrow), "Exceed qps limit" a pause.
func mapError(method string, a answer, now time.Time) error {
	code := *a.Result
	all := strings.ToLower(strings.Join([]string{a.SubMsg, a.ErrMsg2, a.ErrorMsg, a.Msg}, " "))
	e := &domain.Error{Platform: platformName, PlatformCode: strconv.Itoa(code), Message: method + ": " + a.text()}
	switch {
	case strings.Contains(all, "[1017]"):
		e.Code, e.RetryAfter = domain.ERateLimited, untilTomorrow(now)
		return apiQuota{e}
	case strings.Contains(all, "exceed quota limit"):
		e.Code, e.RetryAfter = domain.ERateLimited, untilTomorrow(now)
	case strings.Contains(all, "exceed qps limit") || code == codeThrottled:
		e.Code, e.RetryAfter = domain.ERateLimited, qpsWait
	case code == codeTokenInvalid:
		e.Code = tokenError
	case code == codeRevoked:
		e.Code, e.Message = domain.EAuth, e.Message+" (the shop withdrew the app's authorisation: authorise it again)"
	case code == codeSignInvalid:
		e.Code, e.Message = domain.EAuth, e.Message+" (check appkey, sign_secret, sign_method and the clock)"
	case code == codeSystem:
		e.Code = domain.EUnavailable
	case code == codeNotFound:
		e.Code = domain.ENotFound
	case code == codeConflict:
		e.Code = domain.EConflict
	case code >= codeBusiness:
		e.Code = domain.EInvalid // the subMsg names the field
	default:
		e.Code = domain.EUnavailable
	}
	return e
}

// tokenError marks a refused access token until call decides.
const tokenError = "kuaishou_token"

func isTokenError(err error) bool {
	var e *domain.Error
	return errors.As(err, &e) && e.Code == tokenError
}

// apiQuota carries a [1017] answer past the shop's gate, which would
// otherwise ban every call of the shop for one API's quota. It has no
// Unwrap on purpose.
type apiQuota struct{ err *domain.Error }

func (q apiQuota) Error() string { return q.err.Error() }

// call sends one method with the shop's token and decodes its data into
// out. A refused token is refreshed (or reloaded, when another worker
// refreshed) and the call sent once more; refused again, it is EAuth. A
// method whose daily quota ran out ([1017]) is not called again until the
// quota resets.
func (c *Channel) call(ctx context.Context, method string, param, out any) error {
	spec, ok := apis[method]
	if !ok {
		return domain.Errorf(domain.EInternal, "kuaishou: %s is not in the connector's API table", method)
	}
	if err := c.quotaLeft(method); err != nil {
		return err
	}
	body, err := json.Marshal(param)
	if err != nil {
		return domain.Errorf(domain.EInternal, "%s: encode the param: %v", method, err)
	}
	return c.tokens.WithToken(ctx, isTokenError, "check the app's scopes for the shop, or authorise it again", func(tok connectors.Token) error {
		err := c.gate.Do(ctx, func(ctx context.Context) error { return c.send(ctx, method, spec, tok, string(body), out) })
		var q apiQuota
		if errors.As(err, &q) {
			c.mu.Lock()
			c.exhausted[method] = c.now().Add(q.err.RetryAfter)
			c.mu.Unlock()
			return q.err
		}
		return err
	})
}

// quotaLeft refuses, without a call, a method whose [1017] quota ran out.
func (c *Channel) quotaLeft(method string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.exhausted[method]
	if !ok {
		return nil
	}
	if wait := until.Sub(c.now()); wait > 0 {
		return &domain.Error{Code: domain.ERateLimited, Platform: platformName, PlatformCode: strconv.Itoa(codeThrottled), RetryAfter: wait,
			Message: method + ": its daily quota for this shop ran out ([1017]); it resets at midnight GMT+8"}
	}
	delete(c.exhausted, method)
	return nil
}

// send is one signed request. Its URL may carry the token, so no error
// names it (httpx names only the method).
func (c *Channel) send(ctx context.Context, method string, spec api, tok connectors.Token, param string, out any) error {
	if spec.idempotent {
		ctx = httpx.AllowRetry(ctx)
	}
	p := map[string]string{"access_token": tok.Access.Reveal(), "appkey": c.appKey, "method": method, "param": param,
		"signMethod": c.signMethod, "timestamp": strconv.FormatInt(c.now().UnixMilli(), 10), "version": "1"}
	sign, err := Sign(c.signMethod, c.signSecret.Reveal(), p)
	if err != nil {
		return domain.Errorf(domain.EInvalid, "shop %s, option sign_method: %v", c.shop, err)
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	form.Set("sign", sign)
	u := c.gateway + "/open/" + strings.ReplaceAll(method, ".", "/")
	var raw []byte
	if spec.get {
		raw, err = c.get(ctx, method, u+"?"+form.Encode())
	} else {
		raw, err = httpx.Post(ctx, c.http, platformName, method, u, "application/x-www-form-urlencoded;charset=UTF-8", strings.NewReader(form.Encode()), nil)
	}
	if err != nil {
		return err
	}
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil || a.Result == nil {
		return unavailable(err, method+": malformed response body")
	}
	if *a.Result != codeOK {
		return mapError(method, a, c.now())
	}
	if out == nil {
		return nil
	}
	if len(a.Data) == 0 || string(a.Data) == "null" {
		return unavailable(nil, method+": the answer has no data")
	}
	if err := json.Unmarshal(a.Data, out); err != nil {
		return unavailable(err, method+": malformed data")
	}
	return nil
}

// get is httpx.Post's GET: the same client, errors and limits.
func (c *Channel) get(ctx context.Context, what, u string) ([]byte, error) {
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, domain.Errorf(domain.EInvalid, "%s: gateway: the URL is malformed", what)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, httpx.TransportError(platformName, what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, httpx.StatusError(platformName, what, resp)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, httpx.MaxBody))
	if err != nil {
		return nil, httpx.TransportError(platformName, what, err)
	}
	return b, nil
}
