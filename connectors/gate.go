package connectors

import "github.com/syncctl/syncctl/connectors/shopgate"

// Gate returns the gate a connector sends each of the shop's calls through
// (gate.Do): the one every Channel of the shop in this process shares, at
// the shop's gateway, paced at the shop's QPS (defaultQPS, the platform's, when it names none). A ban one call meets holds every call to
// the shop, and is shared with the other workers through Bans, or through
// Tokens when the token store keeps bans too (the store does both).
func (c ShopConfig) Gate(defaultQPS float64) *shopgate.Gate {
	qps := c.QPS
	if qps <= 0 {
		qps = defaultQPS // the platform's own when the shop names none
	}
	bans := c.Bans
	if bans == nil {
		bans, _ = c.Tokens.(shopgate.BanStore)
	}
	return shopgate.For(c.Ref(), shopgate.Options{QPS: qps, Bans: bans, Endpoint: c.Gateway})
}
