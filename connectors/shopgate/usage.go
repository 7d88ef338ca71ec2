package shopgate

import (
	"sync"
	"time"
)

// usage counts the calls a gate let through in the last minute, in
// one-second buckets: what `channels status` shows as quota use (every
// worker process publishes its count; the store sums them).
type usage struct {
	mu      sync.Mutex
	buckets [60]int
	stamps  [60]int64 // the Unix second each bucket counts
}

func (u *usage) add(now time.Time) {
	sec := now.Unix()
	i := int(sec % 60)
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stamps[i] != sec {
		u.stamps[i], u.buckets[i] = sec, 0
	}
	u.buckets[i]++
}

func (u *usage) lastMinute(now time.Time) int {
	sec := now.Unix()
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for i := range u.buckets {
		if sec-u.stamps[i] < 60 && u.stamps[i] <= sec {
			n += u.buckets[i]
		}
	}
	return n
}

// CallsLastMinute is how many calls this gate let through in the minute
// before now (this process's share of the shop's quota use).
func (g *Gate) CallsLastMinute(now time.Time) int { return g.used.lastMinute(now) }

// Quota is the shop's whole quota in calls per second (0: unlimited).
func (g *Gate) Quota() float64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.qps
}
