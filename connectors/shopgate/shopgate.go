// Package shopgate holds the calls of every connector to one shop: a
// throttle or ban answer is a fact about the shop, not about one request
// (design.md §2), so it must hold every call to that shop — every chunk of a
// push, and every worker — until it ends; and each shop is paced at its
// configured quota.
//
// A connector wraps each platform call in its shop's Gate:
//
//	err := gate.Do(ctx, func(ctx context.Context) error { return send(ctx) })
//
// Before the call, Do waits until any ban of the shop has ended and the
// pacer (QPS, burst 1, so pacing never exceeds the quota, not even at start)
// grants a slot, and asks the shop's circuit breaker (breaker.go), which
// holds every call after repeated unanswered ones. After it, an error whose domain code is ERateLimited bans
// the whole shop for the error's RetryAfter (the platform's announced ban;
// DefaultBan when it announces none). A wait longer than MaxInlineWait is not
// slept: Do returns a *domain.Error{Code: ERateLimited, RetryAfter: wait} at
// once, so Temporal waits durably instead of a goroutine.
//
// Every Channel of one shop in one process shares one Gate (For). Across
// processes, a Gate publishes each ban it learns to a BanStore and reads the
// shop's shared ban before calling, at most every SyncEvery.
//
// An Observer (SetObserver; package metrics is one) hears every call's
// outcome, every call held, the waits bans and pacing cause and the
// breakers' changes, without this package knowing how they are exported.
package shopgate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/syncctl/syncctl/connectors/httpx"
	"github.com/syncctl/syncctl/domain"
)

// BanStore shares the shops' bans between workers (store.Store is one).
// Times are absolute, so the workers' clocks must agree (NTP) to well under
// a second.
type BanStore interface {
	// SaveBan records that the shop is banned until the given time. A later
	// ban extends the stored one; an earlier one never shortens it.
	SaveBan(ctx context.Context, shop domain.ShopRef, until time.Time) error
	// LoadBan returns the end of the shop's stored ban: the zero time when
	// there was none (a past time means the ban is over).
	LoadBan(ctx context.Context, shop domain.ShopRef) (until time.Time, err error)
}

// PauseStore is a BanStore that also keeps operators' pauses of shops
// (store.Store is one): a paused shop gets no call from any worker.
type PauseStore interface {
	LoadPause(ctx context.Context, shop domain.ShopRef) (p domain.ShopPause, ok bool, err error)
}

// PausedRetry is how often a caller held by a pause tries again (the
// workflows wait it out on a durable timer, so a resume is seen within it).
const PausedRetry = 15 * time.Second

// Defaults of Options.
const (
	// DefaultMaxInlineWait is the longest wait (ban or pacing) slept
	// in-process, as connectors/httpx's DefaultMaxInlineWait.
	DefaultMaxInlineWait = 5 * time.Second
	// DefaultBan is the ban after a throttle answer that names no wait.
	DefaultBan = time.Second
	// DefaultSyncEvery is how often, at most, a gate reads the shared ban.
	DefaultSyncEvery = 500 * time.Millisecond
)

// Options configure a gate; zero values take the defaults.
type Options struct {
	QPS float64 // the shop's quota in calls per second; ≤ 0: not paced
	// Bans shares bans with the other workers (nil: this process only).
	Bans BanStore
	// Endpoint is the gateway the shop is called at. For keeps one gate per
	// shop and endpoint, so a shop name reused against another gateway (a
	// sandbox, a test server) never inherits a ban it did not earn.
	Endpoint      string
	MaxInlineWait time.Duration
	DefaultBan    time.Duration
	SyncEvery     time.Duration
	// BreakerThreshold and BreakerCooldown tune the circuit breaker
	// (defaults BreakerThreshold, BreakerCooldown).
	BreakerThreshold int
	BreakerCooldown  time.Duration
}

// Gate holds and paces the calls to one shop. It is safe for concurrent use.
type Gate struct {
	shop       domain.ShopRef
	pace       *rate.Limiter
	maxInline  time.Duration
	defaultBan time.Duration
	syncEvery  time.Duration

	mu        sync.Mutex
	until     time.Time         // end of the shop's ban as known here
	pause     *domain.ShopPause // the operator's pause, as last read from the store
	bans      BanStore
	synced    time.Time // last read of the shared ban
	syncing   bool
	brk       breaker // the shop's circuit breaker (breaker.go)
	threshold int
	cooldown  time.Duration
	qps       float64 // the shop's whole quota
	workers   int     // processes sharing it (SetWorkers; ≥ 1)
	used      usage   // calls let through, per second, for the last minute
}

// New returns a gate of its own for the shop; connectors use For, which
// shares one per shop.
func New(shop domain.ShopRef, o Options) *Gate {
	g := &Gate{shop: shop, pace: rate.NewLimiter(limit(o.QPS), 1), maxInline: o.MaxInlineWait, qps: o.QPS, workers: 1,
		defaultBan: o.DefaultBan, syncEvery: o.SyncEvery, bans: o.Bans}
	if g.maxInline <= 0 {
		g.maxInline = DefaultMaxInlineWait
	}
	if g.defaultBan <= 0 {
		g.defaultBan = DefaultBan
	}
	if g.syncEvery <= 0 {
		g.syncEvery = DefaultSyncEvery
	}
	g.threshold, g.cooldown = cmp.Or(o.BreakerThreshold, BreakerThreshold), cmp.Or(o.BreakerCooldown, BreakerCooldown)
	return g
}

func limit(qps float64) rate.Limit {
	if qps <= 0 {
		return rate.Inf
	}
	return rate.Limit(qps)
}

type key struct {
	shop     domain.ShopRef
	endpoint string
}

var (
	registryMu sync.Mutex
	registry   = map[key]*Gate{}
)

// For returns this process's gate of the shop (at o.Endpoint), making it
// on first use: every Channel instance of the shop shares it, so a ban one
// of them meets holds them all. A later call with other options re-paces
// the gate at o.QPS (the latest configuration wins) and, when o.Bans is
// set, shares its bans there; the ban it knows is kept.
func For(shop domain.ShopRef, o Options) *Gate {
	registryMu.Lock()
	defer registryMu.Unlock()
	k := key{shop, o.Endpoint}
	g, ok := registry[k]
	if !ok {
		g = New(shop, o)
		registry[k] = g
		return g
	}
	g.mu.Lock()
	g.qps = o.QPS
	g.pace.SetLimit(limit(g.qps / float64(g.workers)))
	if o.Bans != nil {
		g.bans = o.Bans
	}
	g.mu.Unlock()
	return g
}

// SetWorkers shares the shop's quota among the worker processes that
// serve it: each paces at QPS / n, so all of them together stay within
// the platform's quota. n < 1 counts as 1.
func (g *Gate) SetWorkers(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.workers = max(n, 1)
	g.pace.SetLimit(limit(g.qps / float64(g.workers)))
}

// Workers is how many worker processes share the quota, as last set.
func (g *Gate) Workers() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.workers
}

// Shop is the shop the gate holds.
func (g *Gate) Shop() domain.ShopRef { return g.shop }

// Limit is the pace in calls per second (rate.Inf when not paced).
func (g *Gate) Limit() rate.Limit { return g.pace.Limit() }

// BannedFor is how long the shop's ban, as known here, still lasts.
func (g *Gate) BannedFor() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	return max(0, time.Until(g.until))
}

// Do waits for the shop (Wait), makes the call and reports its outcome
// (Report). It returns the call's error unchanged, or the gate's own when
// the call was not made.
func (g *Gate) Do(ctx context.Context, call func(context.Context) error) error {
	if err := g.Wait(ctx); err != nil {
		return err
	}
	// The breaker is asked last, right before the call: a probe it lets
	// through is always made.
	if err := g.admit(ctx, time.Now()); err != nil {
		g.held(HeldBreaker)
		return err
	}
	err := call(httpx.WithRetryGate(ctx, g.beforeRetry))
	count(ctx, err)
	if o := observe(); o != nil {
		o.Call(g.shop, Outcome(err))
	}
	g.Report(ctx, err)
	g.learn(ctx, err)
	return err
}

// beforeRetry is asked before an in-process retry of a call Do let
// through (httpx.WithRetryGate): the retry is a call too, so it waits for
// the shop as one does (ban, pause, pace), and the breaker, which may have
// opened since the first attempt, must let it through.
func (g *Gate) beforeRetry(ctx context.Context) error {
	if err := g.Wait(ctx); err != nil {
		return err
	}
	if err := g.admit(ctx, time.Now()); err != nil {
		g.held(HeldBreaker)
		return err
	}
	return nil
}

// Wait returns when the shop may be called: its ban (here or shared) is
// over and the pacer granted a slot. A wait longer than the maximum inline
// wait, or than ctx allows, returns at once an ERateLimited error carrying
// the wait as RetryAfter; a cancelled ctx returns EUnavailable wrapping
// ctx.Err().
func (g *Gate) Wait(ctx context.Context) error {
	for {
		g.sync(ctx)
		if p := g.paused(); p != nil {
			g.held(HeldPaused)
			return &domain.Error{Code: domain.EUnavailable, RetryAfter: PausedRetry,
				Message: fmt.Sprintf("shop %s is paused by %s since %s: %s (syncctl channels resume %s)",
					g.shop, cmp.Or(p.By, "an operator"), p.At.Format(time.RFC3339), p.Reason, g.shop)}
		}
		if left := g.BannedFor(); left > 0 {
			if err := g.sleep(ctx, left, HeldBan, "banned by the platform"); err != nil {
				return err
			}
			continue // the ban may have been extended meanwhile
		}
		now := time.Now()
		r := g.pace.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			if err := g.sleep(ctx, d, HeldPace, "paced at its quota"); err != nil {
				r.CancelAt(time.Now())
				return err
			}
		}
		// A ban met by another call while this one waited for its slot
		// holds it too.
		if g.BannedFor() > 0 {
			r.CancelAt(time.Now())
			continue
		}
		g.used.add(time.Now())
		return nil
	}
}

// Report learns from a call's outcome: a rate-limited error (domain code
// ERateLimited) bans the shop for its RetryAfter (DefaultBan when zero), here
// and, when the gate has a BanStore, for every worker. Other outcomes change
// nothing.
func (g *Gate) Report(ctx context.Context, err error) {
	if domain.ErrorCode(err) != domain.ERateLimited {
		return
	}
	wait := g.defaultBan
	var de *domain.Error
	if errors.As(err, &de) && de.RetryAfter > 0 {
		wait = de.RetryAfter
	}
	until := time.Now().Add(wait)
	g.mu.Lock()
	extends := until.After(g.until)
	if extends {
		g.until = until
	}
	bans := g.bans
	g.mu.Unlock()
	if extends && bans != nil {
		// A store that cannot be written leaves the ban to this process:
		// the other workers meet the platform's answer themselves.
		_ = bans.SaveBan(context.WithoutCancel(ctx), g.shop, until)
	}
}

// sync reads the shop's shared ban when the last read is older than
// SyncEvery. One caller reads while the others go on with what is known.
func (g *Gate) sync(ctx context.Context) {
	g.mu.Lock()
	due := g.bans != nil && !g.syncing && time.Since(g.synced) >= g.syncEvery
	if due {
		g.syncing = true
	}
	first := g.bans != nil && g.synced.IsZero() && !due
	bans := g.bans
	g.mu.Unlock()
	if first {
		// Nothing is known of the shop yet (a pause, a ban): wait for the
		// caller reading it instead of calling blind.
		for {
			g.mu.Lock()
			known := !g.synced.IsZero() || !g.syncing
			g.mu.Unlock()
			if known || ctx.Err() != nil {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	if !due {
		return
	}
	until, err := bans.LoadBan(ctx, g.shop)
	var pause *domain.ShopPause
	pauseErr := errors.New("no pause store")
	if ps, ok := bans.(PauseStore); ok {
		p, paused, perr := ps.LoadPause(ctx, g.shop)
		if pauseErr = perr; perr == nil && paused {
			pause = &p
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.syncing = false
	g.synced = time.Now()
	if pauseErr == nil {
		g.pause = pause // an unreadable store keeps what was known
	}
	// A store that cannot be read leaves the gate with the bans it knows:
	// calls go on at the pace, and a platform ban is still learned first-hand.
	if err == nil && until.After(g.until) {
		g.until = until
	}
}

// paused returns the operator's pause as last read (nil: not paused).
func (g *Gate) paused() *domain.ShopPause {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pause
}

// sleep waits d in-process when it may; otherwise it returns the error that
// hands the wait to the caller (and Temporal). kind (HeldBan, HeldPace) says
// what the wait is for, to the observer.
func (g *Gate) sleep(ctx context.Context, d time.Duration, kind, why string) error {
	deadline, hasDeadline := ctx.Deadline()
	if d > g.maxInline || (hasDeadline && time.Until(deadline) < d) {
		g.held(kind)
		g.waited(kind, d)
		return &domain.Error{Code: domain.ERateLimited, RetryAfter: d,
			Message: fmt.Sprintf("shop %s: %s, %s to wait; not called", g.shop, why, d.Round(time.Millisecond))}
	}
	start := time.Now()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		g.waited(kind, time.Since(start))
		return nil
	case <-ctx.Done():
		g.waited(kind, time.Since(start))
		return &domain.Error{Code: domain.EUnavailable, Message: fmt.Sprintf("shop %s: waiting to call", g.shop), Err: ctx.Err()}
	}
}

// held tells the observer a call was not made, and why.
func (g *Gate) held(reason string) {
	if o := observe(); o != nil {
		o.Held(g.shop, reason)
	}
}

// waited tells the observer how long a caller was held by a ban or the
// pace (a wait handed to Temporal counts whole: the retry comes after it).
func (g *Gate) waited(kind string, d time.Duration) {
	o := observe()
	if o == nil {
		return
	}
	switch kind {
	case HeldBan:
		o.BanWait(g.shop, d)
	case HeldPace:
		o.PaceWait(g.shop, d)
	}
}

// MemoryBans is a BanStore in memory: the workers of one process, or tests.
type MemoryBans struct {
	mu sync.Mutex
	m  map[domain.ShopRef]time.Time
}

// SaveBan implements BanStore.
func (m *MemoryBans) SaveBan(_ context.Context, shop domain.ShopRef, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[domain.ShopRef]time.Time{}
	}
	if until.After(m.m[shop]) {
		m.m[shop] = until
	}
	return nil
}

// LoadBan implements BanStore.
func (m *MemoryBans) LoadBan(_ context.Context, shop domain.ShopRef) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.m[shop], nil
}
