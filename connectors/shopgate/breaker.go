package shopgate

import (
	"context"
	"fmt"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// The circuit breaker of a shop (design: a shop in outage must not eat
// every worker's time, and must not be hammered while it recovers). The
// calls that count are the ones the platform did not answer: EUnavailable
// (connection refused, timeouts, 5xx). A throttle is a ban, not an outage;
// an answer the platform gave (even a refusal) proves it is up.
//
//   - closed: calls go; BreakerThreshold unanswered calls in a row open it;
//   - open: no call goes until the cool-down ends (callers get EUnavailable
//     with the wait as RetryAfter, so workflows wait durably); other shops
//     are not held;
//   - half-open: one probe call goes; an answer closes the breaker, no
//     answer opens it again for twice the cool-down (up to BreakerMaxCooldown).
const (
	BreakerThreshold   = 5
	BreakerCooldown    = 30 * time.Second
	BreakerMaxCooldown = 5 * time.Minute
)

// The breaker's snapshot and states are domain types: the store keeps
// them and the CLI shows them.
type (
	BreakerState = domain.BreakerState
	Breaker      = domain.ShopBreaker
)

// Breaker states (see domain).
const (
	BreakerClosed   = domain.BreakerClosed
	BreakerOpen     = domain.BreakerOpen
	BreakerHalfOpen = domain.BreakerHalfOpen
)

// BreakerStore keeps each shop's breaker where every worker and the CLI
// see it (store.Store is one). A gate saves its breaker when the state
// changes.
type BreakerStore interface {
	SaveBreaker(ctx context.Context, b Breaker) error
}

type breaker struct {
	state     BreakerState
	failures  int
	cooldown  time.Duration
	openUntil time.Time
	probing   bool
	lastErr   string
	since     time.Time
}

// Breaker returns the shop's breaker as known here.
func (g *Gate) Breaker() Breaker {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.breakerLocked()
}

func (g *Gate) breakerLocked() Breaker {
	b := g.brk
	state := b.state
	if state == "" {
		state = BreakerClosed
	}
	return Breaker{Shop: g.shop, State: state, Failures: b.failures, OpenUntil: b.openUntil, LastError: b.lastErr, Since: b.since}
}

// admit decides whether a call may go past the breaker now: nil, or the
// error that holds it (EUnavailable with the wait as RetryAfter).
func (g *Gate) admit(ctx context.Context, now time.Time) error {
	var changed *Breaker
	defer func() { g.publish(ctx, changed) }()
	g.mu.Lock()
	defer g.mu.Unlock()
	b := &g.brk
	switch b.state {
	case BreakerOpen:
		if now.Before(b.openUntil) {
			return g.openErr(b.openUntil.Sub(now))
		}
		b.state, b.since, b.probing = BreakerHalfOpen, now, true
		snap := g.breakerLocked()
		changed = &snap
		return nil // this call is the probe
	case BreakerHalfOpen:
		if b.probing {
			return g.openErr(time.Second) // the probe decides; the others wait for it
		}
		b.probing = true
		return nil
	}
	return nil
}

func (g *Gate) openErr(wait time.Duration) error {
	return &domain.Error{Code: domain.EUnavailable, RetryAfter: wait,
		Message: fmt.Sprintf("shop %s: circuit breaker %s after %d unanswered calls in a row (last: %s); next try in %s",
			g.shop, g.brk.state, g.brk.failures, g.brk.lastErr, wait.Round(time.Second))}
}

// learn updates the breaker from a call's outcome.
func (g *Gate) learn(ctx context.Context, err error) {
	var changed *Breaker
	defer func() { g.publish(context.WithoutCancel(ctx), changed) }()
	g.mu.Lock()
	defer g.mu.Unlock()
	b := &g.brk
	if ctx.Err() != nil {
		b.probing = false // the caller gave up: says nothing of the shop; the next call probes
		return
	}
	now := time.Now()
	if domain.ErrorCode(err) != domain.EUnavailable {
		wasOpen := b.state == BreakerOpen || b.state == BreakerHalfOpen
		if wasOpen || b.failures > 0 {
			*b = breaker{state: BreakerClosed, since: now}
			if wasOpen {
				snap := g.breakerLocked()
				changed = &snap
			}
		}
		return
	}
	b.failures++
	b.lastErr = domain.Describe(err)
	switch {
	case b.state == BreakerHalfOpen:
		b.cooldown = min(2*b.cooldown, BreakerMaxCooldown)
	case b.state != BreakerOpen && b.failures >= g.threshold:
		b.cooldown = g.cooldown
	default:
		return
	}
	b.state, b.since, b.openUntil, b.probing = BreakerOpen, now, now.Add(b.cooldown), false
	snap := g.breakerLocked()
	changed = &snap
}

// publish saves a changed breaker for the other workers and the CLI,
// outside the gate's lock (best effort: a store that cannot be written
// leaves it to this process). Changes are rare: a store write each.
func (g *Gate) publish(ctx context.Context, b *Breaker) {
	if b == nil {
		return
	}
	if o := observe(); o != nil {
		o.Breaker(b.Shop, b.State)
	}
	g.mu.Lock()
	bs, ok := g.bans.(BreakerStore)
	g.mu.Unlock()
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_ = bs.SaveBreaker(ctx, *b)
}
