package kuaishou

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
)

// OAuth result codes of /oauth2/refresh_token (APP授权说明.md §4).
const (
	oauthUnauthorized = 100200101 // appkey / app_secret wrong
	oauthAccessDenied = 100200102 // refresh token invalid, discarded (used already) or authorisation revoked
	oauthServerError  = 100200500
)

// mint is the TokenSource's Mint: it runs under the shop's refresh lease,
// with the pair the store holds (the one that is current across every
// worker), so the refresh token it sends was never sent before. The first
// time (nothing stored) it uses the configured refresh_token.
//
// A refresh whose answer is lost may be sent again (in-process retry): the
// platform rotated the token, but the old one still refreshes for minutes.
//
// When the stored refresh token is refused and the configured one is
// another (the shop was authorised again and the operator set its new
// refresh_token), the configured one is tried once.
func (c *Channel) mint(ctx context.Context, cur connectors.Token, have bool) (connectors.Token, error) {
	ctx, cancel := context.WithTimeout(ctx, c.mintDeadline)
	defer cancel()
	rt := c.seedRefresh
	if have && cur.Refresh != "" {
		rt = cur.Refresh
	}
	tok, err := c.refresh(ctx, rt)
	if oauthCode(err) == oauthAccessDenied && rt != c.seedRefresh {
		if again, err2 := c.refresh(ctx, c.seedRefresh); err2 == nil {
			return again, nil
		}
	}
	return tok, err
}

func oauthCode(err error) int {
	var e *domain.Error
	if !errors.As(err, &e) {
		return 0
	}
	n, _ := strconv.Atoi(e.PlatformCode)
	return n
}

// refresh posts /oauth2/refresh_token. Its errors name no token.
func (c *Channel) refresh(ctx context.Context, rt connectors.Secret) (connectors.Token, error) {
	form := url.Values{"app_id": {c.appKey}, "app_secret": {c.appSecret.Reveal()}, "grant_type": {"refresh_token"}, "refresh_token": {rt.Reveal()}}
	var r struct {
		Result           *int   `json:"result"`
		Error            string `json:"error"`
		ErrorMsg         string `json:"error_msg"`
		AccessToken      string `json:"access_token"`
		ExpiresIn        int64  `json:"expires_in"`
		RefreshToken     string `json:"refresh_token"`
		RefreshExpiresIn int64  `json:"refresh_token_expires_in"`
	}
	var tok connectors.Token
	err := c.gate.Do(ctx, func(ctx context.Context) error {
		raw, err := httpx.Post(httpx.AllowRetry(ctx), c.http, platformName, "oauth2.refresh_token", c.gateway+"/oauth2/refresh_token",
			"application/x-www-form-urlencoded;charset=UTF-8", strings.NewReader(form.Encode()), nil)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &r); err != nil || r.Result == nil {
			return unavailable(err, "oauth2.refresh_token: malformed response body")
		}
		if *r.Result != codeOK {
			e := &domain.Error{Code: domain.EAuth, Platform: platformName, PlatformCode: strconv.Itoa(*r.Result),
				Message: "oauth2.refresh_token: " + r.Error + " " + r.ErrorMsg}
			switch *r.Result {
			case oauthServerError:
				e.Code = domain.EUnavailable
			case oauthUnauthorized:
				e.Message += " (check appkey and app_secret)"
			case oauthAccessDenied:
				e.Message += " (the refresh token is dead: authorise the app for the shop again and set its new refresh_token)"
			}
			return e
		}
		if r.AccessToken == "" || r.ExpiresIn <= 0 || r.RefreshToken == "" {
			return unavailable(nil, "oauth2.refresh_token: the answer lacks access_token, expires_in or refresh_token")
		}
		now := c.now()
		tok = connectors.Token{Access: connectors.Secret(r.AccessToken), Refresh: connectors.Secret(r.RefreshToken),
			Expires: now.Add(time.Duration(r.ExpiresIn) * time.Second)}
		if r.RefreshExpiresIn > 0 {
			tok.RefreshExpires = now.Add(time.Duration(r.RefreshExpiresIn) * time.Second)
		}
		return nil
	})
	return tok, err
}
