package vipshop

import (
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// The computed vectors of channels.md §4a (secret test_secret, appKey
// test_key, timestamp 1700000000, format json, version 1.0.0).
func TestSignVectors(t *testing.T) {
	base := func(service, method string) map[string]string {
		return map[string]string{"service": service, "method": method, "version": "1.0.0", "timestamp": "1700000000", "format": "json", "appKey": "test_key"}
	}
	a := base("vipapis.marketplace.delivery.SovDeliveryService", "getOrders")
	b := base("vipapis.marketplace.delivery.SovDeliveryService", "getOrders")
	b["accessToken"] = "test_token"
	b["sign"] = "ignored: sign is never signed"
	cases := []struct {
		name   string
		params map[string]string
		body   string
		want   string
	}{
		{"A", a, `{"request":{"page":1,"limit":50}}`, "C427D2864DFFEDEA63B7F3D5FA8AC1B2"},
		{"B", b, `{"request":{"page":1,"limit":50}}`, "45228F46C86137FC311D5129D454A0CE"},
		{"C", base("vipapis.inventory.InventoryService", "healthCheck"), `{}`, "4DA9F0E822C45DFBCEE7D31917A0CCA9"},
	}
	for _, c := range cases {
		if got := Sign("test_secret", c.params, []byte(c.body)); got != c.want {
			t.Errorf("vector %s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestMapError(t *testing.T) {
	cases := []struct {
		code, want string
		wait       time.Duration
	}{
		{CodeSignMismatch, domain.EInvalid, 0},
		{CodeAppKeyUnknown, domain.EAuth, 0},
		{CodeTokenInvalid, domain.EAuth, 0},
		{CodeFlowOverrun, domain.ERateLimited, ThrottleWait},
		{CodeMissParam, domain.EInvalid, 0},
		{CodeParamMismatch, domain.EInvalid, 0},
		{CodeNoPermission, domain.EAuth, 0},
		{CodeIPBlacklisted, domain.EAuth, 0},
		{CodeNoWhiteIP, domain.EAuth, 0},
		{CodeRequestTooBig, domain.EInvalid, 0},
		{CodeTimeout, domain.EUnavailable, 0},
		{CodeSysError, domain.EUnavailable, 0},
		{CodeNotFound, domain.ENotFound, 0},
		{CodeStateConflict, domain.EConflict, 0},
		{"vipapis.something-new", domain.EUnavailable, 0},
	}
	for _, c := range cases {
		e := mapError("getOrders", c.code, "msg")
		if e.Code != c.want || e.RetryAfter != c.wait || e.PlatformCode != c.code || e.Platform != "vipshop" {
			t.Errorf("%s: %s after %s, want %s after %s", c.code, e.Code, e.RetryAfter, c.want, c.wait)
		}
	}
	if !domain.Retryable(mapError("m", CodeFlowOverrun, "").Code) || domain.Retryable(mapError("m", CodeSignMismatch, "").Code) {
		t.Error("the throttle must be retryable and a bad signature never")
	}
}

func TestEpoch(t *testing.T) {
	if tm, ok := epoch("1700000000"); !ok || tm.Unix() != 1700000000 {
		t.Errorf("seconds: %v", tm)
	}
	if tm, ok := epoch("1700000000123"); !ok || tm.UnixMilli() != 1700000000123 {
		t.Errorf("ms: %v", tm)
	}
	if _, ok := epoch(""); ok {
		t.Error("empty")
	}
}
