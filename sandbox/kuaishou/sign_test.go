package kuaishou_test

import (
	"testing"

	"github.com/syncctl/syncctl/sandbox/kuaishou"
)

// TestSignVectors: the computed examples of channels.md §6.2.
func TestSignVectors(t *testing.T) {
	params := map[string]string{"access_token": "tok", "appkey": "ks123", "method": "open.order.cursor.list",
		"param":     `{"beginTime":1700000000000,"cursor":"","endTime":1700086400000,"pageSize":50,"queryType":2}`,
		"timestamp": "1700086400000", "version": "1"}
	for method, want := range map[string]string{
		kuaishou.SignMD5:        "b142c39fbf420f4c49c745804b7acb22",
		kuaishou.SignHMACSHA256: "e7dwnMw50GZwMpNdb7gl2+26qyE4na7UVubhUYJ6a24=",
	} {
		params["signMethod"] = method
		got, ok := kuaishou.Sign(method, "sec", params)
		if !ok || got != want {
			t.Errorf("%s: got %q, want %q", method, got, want)
		}
	}
	if _, ok := kuaishou.Sign("SHA1", "sec", params); ok {
		t.Error("an unknown sign method signed")
	}
}
