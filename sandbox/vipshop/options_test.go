package vipshop_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/sandbox/vipshop"
)

// review_delay and reject_rate reach the sandbox through its declaration:
// declared names open it, a misspelt name or a malformed value is refused
// naming it.
func TestOptions(t *testing.T) {
	creds := vipshop.Platform.NewCredentials()
	sb, err := vipshop.Platform.Start(kit.Config{Credentials: creds, Options: map[string]string{"review_delay": "2m", "reject_rate": "0"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = sb.Close()
	for opts, want := range map[[2]string]string{
		{"review_delay", "10"}:  "review_delay",
		{"review_delay", "-5m"}: "review_delay",
		{"reject_rate", "-0.1"}: "reject_rate",
		{"reject_rate", "1.01"}: "reject_rate",
		{"reject_rate", "half"}: "reject_rate",
		{"review", "1s"}:        "review",
		{"cancel_rate", "0.5"}:  "cancel_rate",
	} {
		sb, err := vipshop.Platform.Start(kit.Config{Credentials: creds, Options: map[string]string{opts[0]: opts[1]}})
		if err == nil {
			_ = sb.Close()
			t.Errorf("%s=%s opened", opts[0], opts[1])
		} else if !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: %v does not name %s", opts[0], opts[1], err, want)
		}
	}
}

// The options' effect: a review ends review_delay after submitProducts,
// and at reject_rate 1 it fails with an audit_remark; "0s" ends a review at
// the next read.
func TestOptionsReview(t *testing.T) {
	e := start(t, func(c *vipshop.Config) {
		if err := vipshop.ApplyOptions(c, map[string]string{"review_delay": "90s", "reject_rate": "1"}); err != nil {
			t.Fatal(err)
		}
	})
	e.login()
	spu := e.ok(svcProduct, "addProduct", addBody).(map[string]any)["spu_id"].(string)
	status := func() map[string]any {
		r := e.ok(svcProduct, "getProducts", `{"request":{"spu_id":"`+spu+`","page":1,"limit":1}}`).(map[string]any)
		return r["products"].([]any)[0].(map[string]any)
	}
	e.ok(svcProduct, "submitProducts", `{"spu_ids":["`+spu+`"]}`)
	e.clk.Advance(89 * time.Second)
	if p := status(); p["audit_status"] != "12" {
		t.Fatalf("89 s into a 90 s review: %v", p)
	}
	e.clk.Advance(time.Second)
	if p := status(); p["audit_status"] != "14" || p["audit_remark"] == "" {
		t.Fatalf("after the delay at reject rate 1: %v", p)
	}

	e = start(t, func(c *vipshop.Config) {
		if err := vipshop.ApplyOptions(c, map[string]string{"review_delay": "0s"}); err != nil {
			t.Fatal(err)
		}
	})
	e.login()
	spu = e.ok(svcProduct, "addProduct", addBody).(map[string]any)["spu_id"].(string)
	e.ok(svcProduct, "submitProducts", `{"spu_ids":["`+spu+`"]}`)
	e.clk.Advance(time.Second) // the test's clock stands still; the default would take 3 s
	if p := status(); p["audit_status"] != "13" {
		t.Fatalf("review_delay 0s: %v", p)
	}
}
