package kuaishou

import "testing"

// TestSignVectors: the computed examples of channels.md §6.2, signed by
// this package alone.
func TestSignVectors(t *testing.T) {
	base := map[string]string{"access_token": "tok", "appkey": "ks123", "method": "open.order.cursor.list",
		"param":     `{"beginTime":1700000000000,"cursor":"","endTime":1700086400000,"pageSize":50,"queryType":2}`,
		"timestamp": "1700086400000", "version": "1"}
	for _, c := range []struct{ method, want string }{
		{SignMD5, "b142c39fbf420f4c49c745804b7acb22"},
		{SignHMACSHA256, "e7dwnMw50GZwMpNdb7gl2+26qyE4na7UVubhUYJ6a24="},
	} {
		p := map[string]string{"signMethod": c.method, "sign": "ignored"}
		for k, v := range base {
			p[k] = v
		}
		got, err := Sign(c.method, "sec", p)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q %v, want %q", c.method, got, err, c.want)
		}
	}
	if _, err := Sign("HMAC_MD5", "sec", base); err == nil {
		t.Error("an unknown sign method signed")
	}
}
