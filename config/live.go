package config

import (
	"context"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
	"github.com/syncctl/syncctl/mapping/pricing"
)

// Live is the channel protection of a configuration file as it stands
// now: the price rules and guards (`pricing:`) and the stock allocation
// (`stock:`). A running worker reads them through Pricing and Allocation
// before every push, and a changed file is read again (looked at no more
// than once a second), so an edited rule applies without a restart. A file
// that no longer parses or validates keeps the last good policy in force,
// and the error is logged once for each version of the file. Shops, stores
// and credentials are not reloaded: they need a restart.
type Live struct {
	path string
	base Config // what the file is read over: the defaults and the sandbox shops
	log  *slog.Logger
	now  func() time.Time

	mu      sync.Mutex
	checked time.Time
	mod     time.Time
	size    int64
	pricing pricing.Policy
	stock   mapping.Allocation
	badMod  time.Time // the version of the file whose error was logged
	version int       // versions taken since the start
}

// NewLive starts from cfg (already loaded from path and valid). An empty
// path (no file) never changes.
func NewLive(path string, cfg Config, log *slog.Logger) (*Live, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := Default()
	base.SandboxShops = cfg.SandboxShops
	l := &Live{path: path, base: base, log: log, now: time.Now}
	pol, alloc, err := protection(cfg)
	if err != nil {
		return nil, err
	}
	l.pricing, l.stock = pol, alloc
	if path != "" {
		if fi, err := os.Stat(path); err == nil {
			l.mod, l.size = fi.ModTime(), fi.Size()
		}
	}
	l.checked = l.now()
	return l, nil
}

func protection(c Config) (pricing.Policy, mapping.Allocation, error) {
	pol, err := c.PricingPolicy()
	if err != nil {
		return pol, nil, err
	}
	alloc, err := c.Allocation()
	return pol, alloc, err
}

// Pricing is the pricing policy in force.
func (l *Live) Pricing() pricing.Policy {
	l.refresh()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pricing
}

// Allocation gives each shop's stock by the stock policy in force at the
// time of the call.
func (l *Live) Allocation(shop domain.ShopRef, s domain.SKU, reserved []pricing.Reservation, at time.Time) int {
	l.refresh()
	l.mu.Lock()
	alloc := l.stock
	l.mu.Unlock()
	if alloc == nil {
		return mapping.ChannelStock(shop, s, reserved, at)
	}
	return alloc(shop, s, reserved, at)
}

// Watch looks at the file every interval until ctx ends, and calls
// changed after each change it took (not after one it refused).
func (l *Live) Watch(ctx context.Context, every time.Duration, changed func()) {
	if l.path == "" {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	seen := 0 // versions are counted from NewLive: one taken before the watch started is reported too
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// A push may have taken the new version first (Pricing refreshes too).
			l.refresh()
			if v := l.taken(); v != seen {
				seen = v
				changed()
			}
		}
	}
}

func (l *Live) taken() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.version
}

// refresh reads the file again when it changed since it was last read,
// and reports whether it took a new version.
func (l *Live) refresh() bool {
	if l.path == "" {
		return false
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.checked) < time.Second {
		return false
	}
	l.checked = now
	fi, err := os.Stat(l.path)
	if err != nil || (fi.ModTime().Equal(l.mod) && fi.Size() == l.size) {
		return false
	}
	mod, size := fi.ModTime(), fi.Size()
	cfg, err := LoadOver(l.base, l.path)
	var pol pricing.Policy
	var alloc mapping.Allocation
	if err == nil {
		pol, alloc, err = protection(cfg)
	}
	if err != nil {
		if !mod.Equal(l.badMod) {
			l.badMod = mod
			l.log.Error("configuration changed but is not valid: the pricing and stock policy in force stay as they were", "file", l.path, "error", err)
		}
		return false
	}
	l.mod, l.size, l.pricing, l.stock = mod, size, pol, alloc
	l.version++
	l.log.Info("configuration reloaded: pricing and stock policy", "file", l.path, "price_rules", len(pol.Rules), "parity_rules", len(pol.Parity))
	return true
}
