package vipshop

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// refreshResult is refreshToken's result. expires_time and
// refresh_expires_time are read as epoch seconds, or milliseconds when
// larger than any second count (their unit is UNCONFIRMED); expires_in
// (seconds) decides the access token's expiry.
type refreshResult struct {
	AccessToken        string      `json:"access_token"`
	RefreshToken       string      `json:"refresh_token"`
	ExpiresIn          json.Number `json:"expires_in"`
	ExpiresTime        vipmap.Str  `json:"expires_time"`
	RefreshExpiresTime vipmap.Str  `json:"refresh_expires_time"`
}

// mint refreshes the access token with refreshToken: with the stored
// refresh token when there is one (the platform may rotate it: each new one
// is kept), else with the configured one. A stored refresh token the
// platform refuses is followed by the configured one, when it differs (the
// operator re-authorized the shop).
func (c *Channel) mint(ctx context.Context, cur connectors.Token, have bool) (connectors.Token, error) {
	configured := c.refresh.Reveal()
	use := configured
	if have && cur.Refresh != "" {
		use = cur.Refresh.Reveal()
	}
	tok, err := c.refreshWith(ctx, use)
	if isCode(err, CodeTokenInvalid) && use != configured {
		tok, err = c.refreshWith(ctx, configured)
	}
	if isCode(err, CodeTokenInvalid) {
		return connectors.Token{}, &domain.Error{Code: domain.EAuth, Platform: platformName, PlatformCode: CodeTokenInvalid,
			Message: "refreshToken: the refresh token is refused (expired or revoked); authorize the app for the shop again at auth.vip.com and configure the new refresh_token"}
	}
	return tok, err
}

func (c *Channel) refreshWith(ctx context.Context, refresh string) (connectors.Token, error) {
	in := map[string]any{"request": map[string]string{"refresh_token": refresh, "client_id": c.appKey,
		"client_secret": c.secret.Reveal(), "request_client_ip": c.clientIP}}
	body, err := json.Marshal(in)
	if err != nil {
		return connectors.Token{}, domain.Errorf(domain.EInternal, "refreshToken: encode the request: %v", err)
	}
	var r refreshResult
	if err := c.send(ctx, svcOauth, "refreshToken", "", body, &r); err != nil {
		return connectors.Token{}, err
	}
	secs, err := r.ExpiresIn.Int64()
	if r.AccessToken == "" || err != nil || secs <= 0 {
		return connectors.Token{}, unavailable(nil, "refreshToken: the result has no access_token or expires_in")
	}
	now := c.now()
	tok := connectors.Token{Access: connectors.Secret(r.AccessToken), Refresh: connectors.Secret(r.RefreshToken),
		Expires: now.Add(time.Duration(secs) * time.Second)}
	if t, ok := epoch(r.RefreshExpiresTime); ok {
		tok.RefreshExpires = t
	}
	return tok, nil
}

// epoch reads an epoch time in seconds or milliseconds.
func epoch(s vipmap.Str) (time.Time, bool) {
	n, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	if n > 1e11 { // later than year 5138 in seconds: milliseconds
		return time.UnixMilli(n), true
	}
	return time.Unix(n, 0), true
}
