package tmall

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// topError is TOP's error_response.
type topError struct {
	Code      int    `json:"code"`
	Msg       string `json:"msg"`
	SubCode   string `json:"sub_code"`
	SubMsg    string `json:"sub_msg"`
	RequestID string `json:"request_id"`
}

// platformCodes classifies TOP's numeric platform codes (channels.md §3.3).
// The platform code wins over sub_code: it is the gateway's verdict on the
// call itself, while a sub_code is only a detail. Code 15 (Remote Service
// Error) is absent on purpose: it only says "the business API failed", so
// its sub_code decides. One table, so an UNCONFIRMED meaning is changed in
// one place.
var platformCodes = map[int]string{
	3: domain.EUnavailable, // Upload Fail
	// 4 User / 5 Session / 6 Partner / 7 App Call Limited, 8 App Call Exceeds Limited Frequency.
	4: domain.ERateLimited, 5: domain.ERateLimited, 6: domain.ERateLimited, 7: domain.ERateLimited, 8: domain.ERateLimited,
	9:  domain.EInvalid,     // Http Action Not Allowed
	10: domain.EUnavailable, // Service Currently Unavailable
	// Permissions and credentials are shop-wide: EAuth stops the whole push.
	11: domain.EAuth, 12: domain.EAuth, 13: domain.EAuth,
	24: domain.EAuth, 25: domain.EAuth, 26: domain.EAuth, 27: domain.EAuth, 28: domain.EAuth, 29: domain.EAuth,
	21: domain.EInvalid, 22: domain.EInvalid, 23: domain.EInvalid, 30: domain.EInvalid,
	31: domain.EInvalid, // Invalid Timestamp: our clock is off; retrying with the same clock fails the same way
	32: domain.EInvalid, 33: domain.EInvalid, 34: domain.EInvalid,
	40: domain.EInvalid, 41: domain.EInvalid, 42: domain.EInvalid, 43: domain.EInvalid,
}

// subCodeRules classify a sub_code when the platform code leaves it open
// (15 or an unknown code), first match wins. Throttle sub_codes are
// rate-limited whatever the platform code (SDKs retry them with backoff).
var subCodeRules = []struct {
	match func(string) bool
	code  string
}{
	{prefix("accesscontrol."), domain.ERateLimited},
	{prefix("isp.call-limited"), domain.ERateLimited},
	{prefix("isp."), domain.EUnavailable}, // server side: retry later
	// The public SDKs retry this one: a transient stock-service failure.
	{prefix("isv.item-quantity-item-update-service-error"), domain.EUnavailable},
	{contains("not-exist", "not-found", "notexist"), domain.ENotFound},
	{contains("duplicate", "already", "repeat"), domain.EConflict},
	// The trade's state does not allow shipping (already shipped, closed).
	{prefix("isv.logistics-offline-service-error"), domain.EConflict},
	{prefix("isv."), domain.EInvalid},
	{prefix("missing-parameter", "invalid-parameter"), domain.EInvalid},
}

func prefix(ps ...string) func(string) bool {
	return func(s string) bool {
		for _, p := range ps {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
}

func contains(subs ...string) func(string) bool {
	return func(s string) bool {
		for _, x := range subs {
			if strings.Contains(s, x) {
				return true
			}
		}
		return false
	}
}

var banRE = regexp.MustCompile(`ban will last for (\d+) more seconds`)

// defaultThrottleWait is the wait when a throttle does not say how long.
const defaultThrottleWait = time.Second

// mapError turns an error_response into a coded domain error. Its text
// carries code, sub_code and messages, never the request parameters.
func mapError(api string, e topError) *domain.Error {
	out := &domain.Error{Platform: "tmall", PlatformCode: strconv.Itoa(e.Code),
		Message: fmt.Sprintf("%s: %s", api, strings.TrimSpace(e.Msg+" "+e.SubMsg))}
	if e.SubCode != "" {
		out.PlatformCode += "/" + e.SubCode
	}
	out.Code = classify(e.Code, e.SubCode)
	switch {
	case out.Code == domain.ERateLimited:
		out.RetryAfter = defaultThrottleWait
		// TOP says "This ban will last for N more seconds"; the SDKs sleep N+1.
		if m := banRE.FindStringSubmatch(e.SubMsg + " " + e.Msg); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil {
				out.RetryAfter = time.Duration(n+1) * time.Second
			}
		}
	case e.Code == 31:
		out.Message += " (the gateway allows ±10 minutes: check this host's clock, e.g. NTP)"
	}
	return out
}

// classify applies the platform code first and the sub_code where the code
// leaves it open. Unknown answers are retryable: a later attempt (or an
// operator reading the error) decides.
func classify(code int, subCode string) string {
	if c, ok := platformCodes[code]; ok {
		return c
	}
	for _, r := range subCodeRules {
		if r.match(subCode) {
			return r.code
		}
	}
	return domain.EUnavailable
}

// unavailable is an answer the connector cannot use (malformed, or missing
// what it must hold): retryable, for a gateway hiccup is the likely cause.
func unavailable(err error, msg string) *domain.Error {
	return &domain.Error{Code: domain.EUnavailable, Platform: "tmall", Message: msg, Err: err}
}
