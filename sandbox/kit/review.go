package kit

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The options every sandbox that reviews products takes (Config.Options),
// with the same formats on every platform.
const (
	OptionReviewDelay = "review_delay" // a Go duration: the least time a review takes
	OptionRejectRate  = "reject_rate"  // 0 to 1: the share of reviews that fail
)

// ReviewOptionNames are the names of Platform.Options of a reviewing sandbox.
var ReviewOptionNames = []string{OptionReviewDelay, OptionRejectRate}

// ReviewOptions are the review options given: nil where one was not.
type ReviewOptions struct {
	Delay      *time.Duration // ≥ 0; "0s" is a review that ends at the next look
	RejectRate *float64       // 0 to 1
}

// ParseReviewOptions reads review_delay and reject_rate from opts. An
// unknown name or a malformed value is an error that names it, starting
// with the sandbox's name ("douyin sandbox"); names are read in order, so
// the error is the same on every run.
func ParseReviewOptions(sandbox string, opts map[string]string) (ReviewOptions, error) {
	var out ReviewOptions
	names := make([]string, 0, len(opts))
	for name := range opts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := strings.TrimSpace(opts[name])
		switch name {
		case OptionReviewDelay:
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return out, fmt.Errorf("%s option review_delay %q: want a duration such as 30s", sandbox, v)
			}
			out.Delay = &d
		case OptionRejectRate:
			r, err := strconv.ParseFloat(v, 64)
			if err != nil || !(r >= 0 && r <= 1) {
				return out, fmt.Errorf("%s option reject_rate %q: want a number from 0 to 1", sandbox, v)
			}
			out.RejectRate = &r
		default:
			return out, fmt.Errorf("%s: unknown option %q (it takes review_delay, reject_rate)", sandbox, name)
		}
	}
	return out, nil
}
