package kit

import (
	"math"
	"sync"
	"time"
)

// Bans are the bans a gateway has put on apps, as TOP does after a
// throttle: for the ban's length every call of the app is refused with the
// throttle answer, the remaining seconds counting down ("This ban will last
// for N more seconds"). A sandbox starts one whenever it answers a throttle
// (its QPS limit, or an injected rate_limit fault).
type Bans struct {
	mu  sync.Mutex
	m   map[string]ban
	now func() time.Time
}

type ban struct {
	until  time.Time
	reason string // the platform's sub-code of the throttle that started it
}

// NewBans returns a gateway without bans.
func NewBans(now func() time.Time) *Bans { return &Bans{m: map[string]ban{}, now: now} }

// Start bans app for d from now. A ban already running longer is kept
// (with its reason): a ban is extended, never shortened.
func (b *Bans) Start(app string, d time.Duration, reason string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	until := b.now().Add(d)
	if cur, ok := b.m[app]; ok && !until.After(cur.until) {
		return
	}
	b.m[app] = ban{until: until, reason: reason}
}

// Check reports whether app is banned now, how long the ban still lasts
// and the reason it was started with.
func (b *Bans) Check(app string) (left time.Duration, reason string, banned bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	cur, ok := b.m[app]
	if !ok {
		return 0, "", false
	}
	left = cur.until.Sub(b.now())
	if left <= 0 {
		delete(b.m, app)
		return 0, "", false
	}
	return left, cur.reason, true
}

// Clear lifts every ban.
func (b *Bans) Clear() {
	b.mu.Lock()
	b.m = map[string]ban{}
	b.mu.Unlock()
}

// Seconds is a wait as a platform announces it: whole seconds, rounded up,
// at least 1.
func Seconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }
