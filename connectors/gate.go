package connectors

import "github.com/syncctl/syncctl/connectors/shopgate"

// Gate returns the gate a connector sends each of the shop's calls through
// (gate.Do): the one every Channel of the shop in this process shares, at
// the shop's gateway, paced at qps. A ban one call meets holds every call to
// the shop, and is shared with the other workers through Bans, or through
// Tokens when the token store keeps bans too (the store does both).
func (c ShopConfig) Gate(qps float64) *shopgate.Gate {
	bans := c.Bans
	if bans == nil {
		bans, _ = c.Tokens.(shopgate.BanStore)
	}
	return shopgate.For(c.Ref(), shopgate.Options{QPS: qps, Bans: bans, Endpoint: c.Gateway})
}
