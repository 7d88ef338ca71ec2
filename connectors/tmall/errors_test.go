package tmall_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// The platform code decides; sub_code decides only under code 15 (or an
// unknown code). Rows marked "disagree" pin which one wins.
func TestErrorMapping(t *testing.T) {
	cases := []struct {
		name      string
		code      int
		sub, msg  string
		want      string
		retryWait time.Duration
	}{
		{"app call limited with ban", 7, "accesscontrol.limited-by-app-access-count", "This ban will last for 12 more seconds", domain.ERateLimited, 13 * time.Second},
		{"user call limited", 4, "", "", domain.ERateLimited, time.Second},
		{"session call limited", 5, "", "This ban will last for 3 more seconds", domain.ERateLimited, 4 * time.Second},
		{"partner call limited", 6, "", "", domain.ERateLimited, time.Second},
		{"frequency", 8, "", "", domain.ERateLimited, time.Second},
		{"isp.call-limited under 15", 15, "isp.call-limited", "This ban will last for 30 more seconds", domain.ERateLimited, 31 * time.Second},
		{"accesscontrol under 15", 15, "accesscontrol.limited-by-api-access-count", "", domain.ERateLimited, time.Second},
		{"service unavailable", 10, "", "", domain.EUnavailable, 0},
		{"isv permissions", 11, "", "", domain.EAuth, 0},
		{"user permissions", 12, "", "", domain.EAuth, 0},
		{"partner permissions", 13, "", "", domain.EAuth, 0},
		{"missing signature", 24, "", "", domain.EAuth, 0},
		{"invalid signature", 25, "", "", domain.EAuth, 0},
		{"missing session", 26, "", "", domain.EAuth, 0},
		{"invalid session", 27, "invalid-sessionkey", "SessionKey非法", domain.EAuth, 0},
		{"missing app key", 28, "", "", domain.EAuth, 0},
		{"invalid app key", 29, "", "", domain.EAuth, 0},
		{"invalid timestamp", 31, "", "", domain.EInvalid, 0},
		{"missing method", 21, "", "", domain.EInvalid, 0},
		{"invalid method", 22, "", "", domain.EInvalid, 0},
		{"invalid format", 23, "", "", domain.EInvalid, 0},
		{"version", 32, "", "", domain.EInvalid, 0},
		{"version", 33, "", "", domain.EInvalid, 0},
		{"version", 34, "", "", domain.EInvalid, 0},
		{"missing arguments", 40, "missing-parameter:num_iid", "", domain.EInvalid, 0},
		{"invalid arguments", 41, "", "", domain.EInvalid, 0},
		{"parameter error", 43, "", "", domain.EInvalid, 0},
		{"isv invalid parameter", 15, "isv.invalid-parameter:title", "标题太长", domain.EInvalid, 0},
		{"isp timeout", 15, "isp.top-remote-connection-timeout", "", domain.EUnavailable, 0},
		{"sdk-retried stock error", 15, "isv.item-quantity-item-update-service-error-tmall", "", domain.EUnavailable, 0},
		{"item not found", 15, "isv.item-not-exist", "", domain.ENotFound, 0},
		{"trade not found", 15, "isv.trade-not-exist", "", domain.ENotFound, 0},
		{"duplicate", 15, "isv.item-duplicate-outer-id", "", domain.EConflict, 0},
		{"cannot ship in this state", 15, "isv.logistics-offline-service-error", "交易状态不能发货", domain.EConflict, 0},
		{"remote error without sub_code", 15, "", "", domain.EUnavailable, 0},
		{"unknown code", 99, "", "", domain.EUnavailable, 0},
		// Disagreements: the platform code wins.
		{"disagree: 7 with an isv sub_code", 7, "isv.invalid-parameter", "", domain.ERateLimited, time.Second},
		{"disagree: 27 with an isp sub_code", 27, "isp.unknown-error", "", domain.EAuth, 0},
		{"disagree: 41 with isp.call-limited", 41, "isp.call-limited", "", domain.EInvalid, 0},
		{"disagree: 10 with an isv sub_code", 10, "isv.invalid-parameter:x", "", domain.EUnavailable, 0},
		{"disagree: 25 with accesscontrol", 25, "accesscontrol.limited-by-app-access-count", "", domain.EAuth, 0},
	}
	for _, c := range cases {
		body := fmt.Sprintf(`{"error_response":{"code":%d,"msg":"m","sub_code":%q,"sub_msg":%q,"request_id":"r1"}}`, c.code, c.sub, c.msg)
		g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
			"taobao.item.update.delisting": func(map[string]string) string { return body },
		}}
		err := open(t, g).SetListed(context.Background(), connectors.ProductIDs{ItemID: "1"}, false)
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != c.want || de.RetryAfter != c.retryWait {
			t.Errorf("%s (code %d, %s) → %#v, want %s wait %s", c.name, c.code, c.sub, err, c.want, c.retryWait)
			continue
		}
		if !strings.Contains(de.PlatformCode, fmt.Sprint(c.code)) || (c.sub != "" && !strings.Contains(de.PlatformCode, c.sub)) {
			t.Errorf("%s: platform code %q", c.name, de.PlatformCode)
		}
		for _, s := range []string{secret, session} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q leaks a secret", err)
			}
		}
		if c.code == 31 && !strings.Contains(err.Error(), "clock") {
			t.Errorf("invalid timestamp error %q does not tell to check the clock", err)
		}
	}
}

func TestMalformedAnswersAreRetryable(t *testing.T) {
	for _, body := range []string{`{"item_update_delisting_response":{"trun`, `{"something_else_response":{}}`, `<html>`, `{"error_response":"x"}`} {
		g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
			"taobao.item.update.delisting": func(map[string]string) string { return body },
		}}
		err := open(t, g).SetListed(context.Background(), connectors.ProductIDs{ItemID: "1"}, false)
		if domain.ErrorCode(err) != domain.EUnavailable {
			t.Errorf("%s → %v, want unavailable", body, err)
		}
	}
}
