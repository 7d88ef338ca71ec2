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

// platformCodes maps TOP's numeric platform codes to domain codes (one
// table, so an UNCONFIRMED meaning is changed in one place).
var platformCodes = map[int]string{
	4: domain.ERateLimited, 5: domain.ERateLimited, 6: domain.ERateLimited, 7: domain.ERateLimited, 8: domain.ERateLimited,
	9: domain.EInvalid, 10: domain.EUnavailable,
	11: domain.EAuth, 12: domain.EAuth, 13: domain.EAuth,
	21: domain.EInvalid, 22: domain.EInvalid, 23: domain.EInvalid,
	24: domain.EAuth, 25: domain.EAuth, 26: domain.EAuth, 27: domain.EAuth, 28: domain.EAuth, 29: domain.EAuth,
	30: domain.EInvalid, 31: domain.EUnavailable, // a stale timestamp is our clock: retry with a fresh one
	32: domain.EInvalid, 33: domain.EInvalid, 34: domain.EInvalid,
	40: domain.EInvalid, 41: domain.EInvalid, 42: domain.EInvalid, 43: domain.EInvalid,
}

// retryableSubCodes are business sub_codes TOP SDKs retry.
var retryableSubCodes = []string{"isv.item-quantity-item-update-service-error", "isp.call-limited"}

var banRE = regexp.MustCompile(`ban will last for (\d+) more seconds`)

// mapError turns an error_response into a coded domain error. Its text
// carries code, sub_code and messages, never the request parameters.
func mapError(api string, e topError) *domain.Error {
	out := &domain.Error{Platform: "tmall", PlatformCode: strconv.Itoa(e.Code),
		Message: fmt.Sprintf("%s: %s", api, strings.TrimSpace(e.Msg+" "+e.SubMsg))}
	if e.SubCode != "" {
		out.PlatformCode += "/" + e.SubCode
	}
	code, ok := platformCodes[e.Code]
	switch {
	case strings.HasPrefix(e.SubCode, "accesscontrol.limited-by"):
		code = domain.ERateLimited
	case hasAnyPrefix(e.SubCode, retryableSubCodes):
		code = domain.EUnavailable
	case strings.HasPrefix(e.SubCode, "isp."):
		code = domain.EUnavailable // server side: retry later
	case strings.Contains(e.SubCode, "not-exist") || strings.Contains(e.SubCode, "not-found"):
		code = domain.ENotFound
	case strings.HasPrefix(e.SubCode, "isv."):
		code = domain.EInvalid
	case !ok:
		code = domain.EUnavailable
	}
	out.Code = code
	if code == domain.ERateLimited {
		out.RetryAfter = time.Second
		if m := banRE.FindStringSubmatch(e.SubMsg); m != nil {
			n, _ := strconv.Atoi(m[1])
			out.RetryAfter = time.Duration(n+1) * time.Second
		}
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}
