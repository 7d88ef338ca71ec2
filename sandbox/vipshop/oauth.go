package vipshop

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// refreshToken serves vipapis.oauth.OauthService.refreshToken:
// {"request":{refresh_token, client_id, client_secret, request_client_ip}}.
func (s *Server) refreshToken(body []byte) (any, *apiErr) {
	var in struct {
		Request *struct {
			RefreshToken string `json:"refresh_token"`
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			ClientIP     string `json:"request_client_ip"`
		} `json:"request"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	r := in.Request
	switch {
	case r == nil:
		return nil, errf(CodeMissParam, "missing argument request")
	case r.RefreshToken == "" || r.ClientID == "" || r.ClientSecret == "":
		return nil, errf(CodeMissParam, "request needs refresh_token, client_id and client_secret")
	case !kit.Equal(r.ClientID, s.cfg.AppKey) || !kit.Equal(r.ClientSecret, s.cfg.AppSecret):
		return nil, errf(CodeTokenInvalid, "oauth invalidate failure: client_id or client_secret wrong")
	}
	now := s.cfg.Now()
	exp, ok := s.refresh[r.RefreshToken]
	if !ok || !now.Before(exp) {
		return nil, errf(CodeTokenInvalid, "oauth invalidate failure: refresh_token invalid or expired")
	}
	if RefreshRotates {
		delete(s.refresh, r.RefreshToken)
	}
	if r.RefreshToken == s.cfg.RefreshToken {
		s.initialUsed = true
	}
	access, refresh := "vipsbx_"+kit.RandHex(20), "vipsbr_"+kit.RandHex(20)
	s.access[access] = now.Add(TokenLifetime)
	s.refresh[refresh] = now.Add(RefreshLifetime)
	return map[string]any{"access_token": access, "refresh_token": refresh, "expires_in": int64(TokenLifetime.Seconds()),
		"expires_time": now.Add(TokenLifetime).Unix(), "refresh_expires_time": now.Add(RefreshLifetime).Unix()}, nil
}

// fen reads a yuan amount sent as a JSON number with at most two decimals
// (739.00, 739, 739.5) into fen, exactly. A string, an exponent, a
// negative or a third decimal is refused naming the field: the gateway's
// IDL types money as double, and a client that formats through float64
// drifts (739.00000000001).
func fen(field string, v json.RawMessage, required bool) (int64, bool, *apiErr) {
	s := strings.TrimSpace(string(v))
	if s == "" || s == "null" {
		if required {
			return 0, false, errf(CodeMissParam, "missing argument %s", field)
		}
		return 0, false, nil
	}
	if s[0] == '"' {
		return 0, false, badParam(field, "%s is a string; money is a JSON number of yuan", s)
	}
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || !digits(whole) || (frac != "" && !digits(frac)) || len(whole) > 12 {
		return 0, false, badParam(field, "%s is not yuan with at most two decimals", s)
	}
	var n int64
	for _, c := range whole + (frac + "00")[:2] {
		n = n*10 + int64(c-'0')
	}
	return n, true, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// yuanString writes fen as a yuan decimal string with two decimals.
func yuanString(f int64) string { return fmt.Sprintf("%d.%02d", f/100, f%100) }
