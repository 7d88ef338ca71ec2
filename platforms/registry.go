// Package platforms is the platform registration: each platform compiled
// into syncctl registers once (compiled.go lists them), joining its
// connector's declaration (connectors.Platform: channel id, kind, factory,
// credentials, options) with its sandbox's (kit.Platform: how to start it,
// what a shop on it looks like). Configuration, the worker assembly, dev,
// demo, `syncctl sandbox` and the tests read the registrations, so a new
// platform is connectors/<p>, sandbox/<p>, mapping/<p> and one line.
package platforms

import (
	"fmt"
	"sort"
	"sync"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/sandbox/kit"
)

// Registration is one platform: its connector and its sandbox.
type Registration struct {
	Connector connectors.Platform
	Sandbox   kit.Platform
}

// ID is the platform's channel id.
func (r Registration) ID() string { return r.Connector.ID }

var (
	mu    sync.RWMutex
	order []string                    // ids in registration order (dev ports follow it)
	byID  = map[string]Registration{} // ids and aliases
)

// Register adds a platform. A second registration of an id, a connector
// and sandbox that disagree on the id, or a sandbox shop lacking a
// credential the connector requires, are programming errors and panic.
func Register(r Registration) {
	if r.Connector.ID == "" || r.Connector.New == nil || r.Sandbox.Open == nil || r.Sandbox.Shop == nil {
		panic("platforms: a registration needs a connector id and factory and a sandbox")
	}
	if r.Sandbox.ID != r.Connector.ID {
		panic(fmt.Sprintf("platforms: connector %q registered with sandbox %q", r.Connector.ID, r.Sandbox.ID))
	}
	have := map[string]bool{}
	for _, c := range r.Sandbox.Credentials {
		have[c.Name] = true
	}
	for _, c := range r.Connector.Credentials {
		if !c.Minted && !c.Optional && !have[c.Name] {
			panic(fmt.Sprintf("platforms: %s sandbox makes no credential %q the connector requires", r.ID(), c.Name))
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, id := range append([]string{r.ID()}, r.Connector.Aliases...) {
		if _, dup := byID[id]; dup {
			panic("platforms: " + id + " is registered twice")
		}
		byID[id] = r
	}
	order = append(order, r.ID())
}

// Lookup returns the registration of a channel id (or alias).
func Lookup(channel string) (Registration, bool) {
	mu.RLock()
	defer mu.RUnlock()
	r, ok := byID[channel]
	return r, ok
}

// All returns every registration in registration order.
func All() []Registration {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Registration, 0, len(order))
	for _, id := range order {
		out = append(out, byID[id])
	}
	return out
}

// IDs lists the registered channel ids and aliases, sorted.
func IDs() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(byID))
	for id := range byID {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Open checks a shop's credentials and options against its platform's
// declaration and builds its connector.
func Open(cfg connectors.ShopConfig) (connectors.Channel, error) {
	r, ok := Lookup(cfg.Channel)
	if !ok {
		return nil, domain.Errorf(domain.EInvalid, "shop %s: unknown channel %q (this syncctl has %s)", cfg.Ref(), cfg.Channel, domain.List(IDs()))
	}
	cfg, err := r.Connector.CheckShop(cfg)
	if err != nil {
		return nil, err
	}
	return r.Connector.New(cfg)
}

// OpenShops opens every shop; tokens (may be nil) keeps the tokens their
// connectors mint. A shop configured twice is an error.
func OpenShops(cfgs []connectors.ShopConfig, tokens connectors.TokenStore) (connectors.Shops, error) {
	out := connectors.Shops{}
	for _, c := range cfgs {
		if _, dup := out[c.Ref()]; dup {
			return nil, domain.Errorf(domain.EInvalid, "shop %s is configured twice", c.Ref())
		}
		if c.Tokens == nil {
			c.Tokens = tokens
		}
		ch, err := Open(c)
		if err != nil {
			return nil, err
		}
		out[c.Ref()] = ch
	}
	return out, nil
}
