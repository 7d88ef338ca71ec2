package kit

import (
	"maps"
	"net/http"
	"sync"
	"time"
)

// Base is the machinery every sandbox's Server embeds: the mux it serves,
// faults, the QPS limiter, call statistics, the state file, a count of
// calls by method and the order generators, with ServeHTTP and Close. The
// sandbox keeps its protocol, its shop and its lock; Base has locks of its
// own.
type Base struct {
	Mux     *http.ServeMux
	Faults  *Faults
	Limiter *Limiter
	Stats   *Stats
	Persist *StateFile

	callsMu sync.Mutex
	calls   map[string]int
	gens    []*Generator
}

// BaseConfig builds a Base.
type BaseConfig struct {
	Name         string // "douyin sandbox", in state file messages
	StateFile    string // "" = memory only
	StateVersion int
	// Snapshot marshals the shop under the sandbox's own lock (StateFile).
	Snapshot func() ([]byte, error)
	QPS      float64 // per app (0 = unlimited)
	Seed     int64   // fault ratios
	Now      func() time.Time
}

// NewBase returns a Base with an empty mux; the sandbox registers its
// gateway and Admin, then starts its generators.
func NewBase(c BaseConfig) Base {
	return Base{
		Mux:     http.NewServeMux(),
		Faults:  NewFaults(c.Seed, c.Now),
		Limiter: NewLimiter(c.QPS, c.Now),
		Stats:   NewStats(),
		Persist: NewStateFile(c.StateFile, c.Name, c.StateVersion, c.Snapshot),
		calls:   map[string]int{},
	}
}

// Admin registers the common admin API for shop.
func (b *Base) Admin(shop Shop) { Admin(b.Mux, shop, b.Faults, b.Stats) }

// StartGenerator runs fn perMinute times a minute until Close.
func (b *Base) StartGenerator(perMinute float64, fn func()) {
	b.gens = append(b.gens, StartGenerator(perMinute, fn))
}

// Close stops the generators and writes the state file (if any).
func (b *Base) Close() error {
	for _, g := range b.gens {
		g.Stop()
	}
	return b.Persist.Flush(true)
}

func (b *Base) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.Mux.ServeHTTP(w, r) }

// Calls returns how many times a method was called past the sandbox's
// signature and token checks (Admit counts them).
func (b *Base) Calls(method string) int {
	b.callsMu.Lock()
	defer b.callsMu.Unlock()
	return b.calls[method]
}

// CallCounts copies every method's count.
func (b *Base) CallCounts() map[string]int {
	b.callsMu.Lock()
	defer b.callsMu.Unlock()
	return maps.Clone(b.calls)
}

// ResetCalls forgets the counts, as the admin reset does.
func (b *Base) ResetCalls() {
	b.callsMu.Lock()
	b.calls = map[string]int{}
	b.callsMu.Unlock()
}

// Gate says how a sandbox answers what Admit finds, in its own envelope.
type Gate struct {
	App string // the caller's app key: its QPS bucket
	// Truncated is the body a malformed fault answers (ServeFault).
	Truncated []byte
	// Fault answers a matched error or rate_limit fault with status.
	Fault func(f Fault, status int)
	// Quota, when set, is checked after faults and before the QPS (a daily
	// quota, an app's ban); it answers the call itself and returns false
	// to stop it.
	Quota func() bool
	// Throttle answers a call over the app's QPS; wait is how long until
	// its next token.
	Throttle func(wait time.Duration)
}

// Admit runs the checks every sandbox makes once a call is authenticated,
// in this order: it counts the call, acts out a matching fault (so an
// unauthenticated call never uses up a count-limited one; latency waits
// and goes on), then the Quota, then the app's QPS. It reports whether the
// call goes on to the method.
func (b *Base) Admit(w http.ResponseWriter, r *http.Request, method string, g Gate) bool {
	b.callsMu.Lock()
	b.calls[method]++
	b.callsMu.Unlock()
	if f, ok := b.Faults.Match(method); ok {
		b.Stats.Fault()
		status, answered := ServeFault(w, r, f, b.Stats, g.Truncated)
		switch {
		case f.Kind == FaultLatency:
		case answered:
			return false
		default:
			g.Fault(f, status)
			return false
		}
	}
	if g.Quota != nil && !g.Quota() {
		return false
	}
	if ok, wait := b.Limiter.Allow(g.App); !ok {
		g.Throttle(wait)
		return false
	}
	return true
}
