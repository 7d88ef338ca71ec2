package shopgate

import (
	"sort"
	"sync/atomic"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// Observer hears what the gates do, for whoever runs syncctl (package
// metrics implements it). Its methods are called on the callers' goroutines,
// outside the gates' locks, so they must be quick and safe for concurrent
// use. Nothing passed to it carries a secret: shops are the operators' names.
type Observer interface {
	// Call: a call was made to the shop; outcome is one of the Outcome kinds.
	Call(shop domain.ShopRef, outcome string)
	// Held: a call was not made; reason is one of the Held kinds.
	Held(shop domain.ShopRef, reason string)
	// BanWait: a caller was held d by the shop's ban: slept here, or handed
	// to Temporal as the wait before the retry.
	BanWait(shop domain.ShopRef, d time.Duration)
	// PaceWait: a caller was held d for a slot of the shop's quota (slept
	// here, or handed to Temporal).
	PaceWait(shop domain.ShopRef, d time.Duration)
	// Breaker: the shop's circuit breaker changed to state.
	Breaker(shop domain.ShopRef, state BreakerState)
}

// Outcome kinds of a call, from its error's domain code.
const (
	OutcomeOK          = "ok"
	OutcomeThrottle    = "throttle"    // domain.ERateLimited: the platform refused the rate
	OutcomeAuth        = "auth"        // domain.EAuth: credentials refused
	OutcomeInvalid     = "invalid"     // domain.EInvalid: the request refused
	OutcomeUnavailable = "unavailable" // domain.EUnavailable: no answer (what the breaker counts)
	OutcomeOther       = "other"       // not found, conflict, an unexpected answer
)

// Held kinds: why a call was not made.
const (
	HeldBan     = "ban"     // the shop's ban lasts longer than may be slept: handed to Temporal
	HeldPace    = "pace"    // the next slot of the quota is too far: handed to Temporal
	HeldBreaker = "breaker" // the shop's circuit breaker is open (or probing)
	HeldPaused  = "paused"  // an operator paused the shop
)

// Outcome is the kind of a call's outcome.
func Outcome(err error) string {
	switch domain.ErrorCode(err) {
	case "":
		return OutcomeOK
	case domain.ERateLimited:
		return OutcomeThrottle
	case domain.EAuth:
		return OutcomeAuth
	case domain.EInvalid:
		return OutcomeInvalid
	case domain.EUnavailable:
		return OutcomeUnavailable
	}
	return OutcomeOther
}

type observerBox struct{ Observer }

var observer atomic.Pointer[observerBox]

// SetObserver makes o hear every gate of this process (nil: none).
func SetObserver(o Observer) {
	if o == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&observerBox{o})
}

// observe returns the observer, or nil when none is set.
func observe() Observer {
	if b := observer.Load(); b != nil {
		return b.Observer
	}
	return nil
}

// Gates returns every gate of this process (For), sorted by shop: what a
// metrics collector reads the shops' quotas and breakers from.
func Gates() []*Gate {
	registryMu.Lock()
	out := make([]*Gate, 0, len(registry))
	for _, g := range registry {
		out = append(out, g)
	}
	registryMu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].shop.String() < out[j].shop.String() })
	return out
}
