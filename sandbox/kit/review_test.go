package kit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

func TestParseReviewOptions(t *testing.T) {
	o, err := kit.ParseReviewOptions("x sandbox", map[string]string{"review_delay": " 30s", "reject_rate": "0.25"})
	if err != nil || o.Delay == nil || *o.Delay != 30*time.Second || o.RejectRate == nil || *o.RejectRate != 0.25 {
		t.Fatalf("%+v %v", o, err)
	}
	if o, err := kit.ParseReviewOptions("x sandbox", nil); err != nil || o.Delay != nil || o.RejectRate != nil {
		t.Fatalf("no options: %+v %v", o, err)
	}
	for opts, want := range map[[2]string]string{
		{"review_delay", "soon"}: "x sandbox option review_delay",
		{"review_delay", "-1s"}:  "x sandbox option review_delay",
		{"reject_rate", "1.5"}:   "x sandbox option reject_rate",
		{"reject_rate", "NaN"}:   "x sandbox option reject_rate",
		{"reject_rate", "20%"}:   "x sandbox option reject_rate",
		{"rejectrate", "0.1"}:    `x sandbox: unknown option "rejectrate"`,
	} {
		if _, err := kit.ParseReviewOptions("x sandbox", map[string]string{opts[0]: opts[1]}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s=%s: %v, want %q", opts[0], opts[1], err, want)
		}
	}
}
