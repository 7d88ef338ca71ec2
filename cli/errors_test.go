package cli

import (
	"errors"
	"fmt"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/syncctl/syncctl/domain"
)

func TestHumanErrorDropsCodes(t *testing.T) {
	inner := &domain.Error{Code: domain.ERateLimited, Platform: "tmall", PlatformCode: "7", Message: "App Call Limited", Err: errors.New("ban 3s")}
	cases := []struct {
		err  error
		want string
	}{
		{domain.Errorf(domain.ENotFound, "product NOPE is not in the catalog"), "product NOPE is not in the catalog"},
		{fmt.Errorf("open shops: %w", domain.Errorf(domain.EInvalid, "shop tmall/a, field gateway: required")), "open shops: shop tmall/a, field gateway: required"},
		{inner, "tmall: App Call Limited [7]: ban 3s"},
		{fmt.Errorf("catalog push: %w", temporal.NewNonRetryableApplicationError("shop tmall/x is not configured", domain.EInvalid, nil)),
			"catalog push: shop tmall/x is not configured"},
		{temporal.NewApplicationError("tmall: App Call Limited [7]", domain.ERateLimited), "tmall: App Call Limited [7]"},
		// A message is never cut, even where it looks like a code.
		{temporal.NewApplicationError("invalid: is a word here", domain.EInvalid), "invalid: is a word here"},
		{errors.New("plain: stays as it is"), "plain: stays as it is"},
	}
	for _, c := range cases {
		if got := humanError(c.err); got != c.want {
			t.Errorf("humanError(%q) = %q, want %q", c.err, got, c.want)
		}
	}
	// The code still decides the exit status.
	if exitCode(usageError{domain.Errorf(domain.EInvalid, "x")}) != ExitUsage || exitCode(partialError{"x"}) != ExitPartial ||
		exitCode(domain.Errorf(domain.ENotFound, "x")) != ExitError {
		t.Fatal("exit codes")
	}
}
