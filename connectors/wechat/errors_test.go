package wechat

import (
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
)

func TestMapError(t *testing.T) {
	// 23:59:40 GMT+8 on a day: the minute ends in 20 s, the quota day too.
	now := time.Date(2026, 12, 1, 23, 59, 40, 0, gmt8)
	cases := []struct {
		code  int
		want  string
		after time.Duration
	}{
		{-1, domain.EUnavailable, 0},
		{45011, domain.ERateLimited, 20 * time.Second},
		{45009, domain.ERateLimited, 20 * time.Second},
		{10020112, domain.ERateLimited, skuStockWait},
		{40001, domain.EAuth, 0}, {42001, domain.EAuth, 0}, {40014, domain.EAuth, 0}, {40125, domain.EAuth, 0},
		{10020052, domain.ENotFound, 0},
		{10020217, domain.EConflict, 0}, {10020289, domain.EConflict, 0}, {10020047, domain.EConflict, 0},
		{10020218, domain.EInvalid, 0}, {40097, domain.EInvalid, 0},
	}
	for _, c := range cases {
		e := mapError("m", c.code, "msg", now)
		if e.Code != c.want || e.RetryAfter != c.after {
			t.Errorf("mapError(%d) = %s after %s, want %s after %s", c.code, e.Code, e.RetryAfter, c.want, c.after)
		}
	}
	// At noon GMT+8 the daily quota waits 12 h, the minute quota to the next minute.
	noon := time.Date(2026, 12, 1, 12, 0, 15, 0, gmt8)
	if e := mapError("m", 45009, "", noon); e.RetryAfter != 12*time.Hour-15*time.Second {
		t.Errorf("45009 at noon: %s", e.RetryAfter)
	}
	if e := mapError("m", 45011, "", noon); e.RetryAfter != 45*time.Second {
		t.Errorf("45011: %s", e.RetryAfter)
	}
}
