package kuaishou

import (
	"net/http"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// refreshToken is one refresh token the platform issued.
type refreshToken struct {
	Expires time.Time `json:"expires"`
	// Rotated is when a refresh replaced it (zero: live). It still
	// refreshes for the grace, then it is discarded.
	Rotated time.Time `json:"rotated,omitzero"`
}

// scopes granted to every token of the sandbox shop.
var scopes = []string{"merchant_item", "merchant_order", "merchant_distribution", "merchant_logistics"}

// serveRefresh answers POST /oauth2/refresh_token.
func (s *Server) serveRefresh(w http.ResponseWriter, r *http.Request) {
	fail := func(code int, kind, msg string) {
		s.Stats.Reject(strconv.Itoa(code))
		kit.WriteJSON(w, http.StatusOK, map[string]any{"result": code, "error": kind, "error_msg": msg})
	}
	r.Body = http.MaxBytesReader(w, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		fail(OAuthInvalidRequest, "invalid_request", "form: "+err.Error())
		return
	}
	switch {
	case r.Form.Get("grant_type") != "refresh_token":
		fail(OAuthUnsupportedGrant, "unsupported_grant_type", "grant_type must be refresh_token")
		return
	case !kit.Equal(r.Form.Get("app_id"), s.cfg.AppKey) || !kit.Equal(r.Form.Get("app_secret"), s.cfg.AppSecret):
		fail(OAuthUnauthorized, "unauthorized_client", "app 非法")
		return
	case r.Form.Get("refresh_token") == "":
		fail(OAuthInvalidRequest, "invalid_request", "refresh_token is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	old := s.refresh[r.Form.Get("refresh_token")]
	switch {
	case old == nil:
		fail(OAuthAccessDenied, "access_denied", "invalid refresh_token")
		return
	case !now.Before(old.Expires):
		fail(OAuthAccessDenied, "access_denied", "refreshToken.expired")
		return
	case !old.Rotated.IsZero() && !now.Before(old.Rotated.Add(s.grace)):
		fail(OAuthAccessDenied, "access_denied", "refreshToken.discarded")
		return
	case !old.Rotated.IsZero():
		s.reuses++ // still inside the grace: the platform lets it through
	default:
		old.Rotated = now
	}
	access, next := kit.RandHex(16), kit.RandHex(16)
	s.access[access] = now.Add(AccessLifetime)
	s.refresh[next] = &refreshToken{Expires: old.Expires} // the new one inherits the old expiry
	s.refreshes++
	s.Persist.Changed()
	s.Stats.Serve("oauth2.refresh_token")
	kit.WriteJSON(w, http.StatusOK, map[string]any{"result": CodeOK, "access_token": access, "expires_in": int(AccessLifetime.Seconds()),
		"refresh_token": next, "refresh_token_expires_in": int(old.Expires.Sub(now).Seconds()), "scopes": scopes, "open_id": "f" + s.cfg.AppKey})
}

// pruneTokens drops tokens that can never be used again, so the state file
// does not grow forever.
func (s *Server) pruneTokens(now time.Time) {
	for t, exp := range s.access {
		if !now.Before(exp) {
			delete(s.access, t)
		}
	}
	for t, rt := range s.refresh {
		// A rotated token is kept until its expiry, so a reuse is answered
		// "discarded"; the configured one always, so a restart never seeds
		// it again.
		if !now.Before(rt.Expires) && t != s.cfg.RefreshToken {
			delete(s.refresh, t)
		}
	}
}
