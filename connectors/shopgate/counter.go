package shopgate

import (
	"context"
	"sync/atomic"

	"github.com/syncctl/syncctl/domain"
)

// Counter counts the calls made through gates with a context: every
// request sent to the platform (read-backs and refused ones included), and
// of those the ones a throttle refused. Activities count what happened
// with it, whatever the connector's own bookkeeping.
type Counter struct{ sent, throttled atomic.Int64 }

type counterKey struct{}

// chain links the counters of nested contexts.
type chain struct {
	c      *Counter
	parent *chain
}

// WithCounter returns a context whose calls are counted by the returned
// Counter (and by any counter of ctx: counts nest).
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	parent, _ := ctx.Value(counterKey{}).(*chain)
	return context.WithValue(ctx, counterKey{}, &chain{c, parent}), c
}

// Sent is the number of requests sent.
func (c *Counter) Sent() int { return int(c.sent.Load()) }

// Throttled is the number of them a throttle refused.
func (c *Counter) Throttled() int { return int(c.throttled.Load()) }

// count adds one sent call, throttled or not, to every counter of ctx.
func count(ctx context.Context, err error) {
	throttled := domain.ErrorCode(err) == domain.ERateLimited
	for ch, _ := ctx.Value(counterKey{}).(*chain); ch != nil; ch = ch.parent {
		ch.c.sent.Add(1)
		if throttled {
			ch.c.throttled.Add(1)
		}
	}
}
