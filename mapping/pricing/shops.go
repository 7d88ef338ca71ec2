package pricing

import (
	"fmt"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// ShopPattern selects shops by channel and shop name, either of which may
// be "*": "tmall/flagship" is one shop, "kuaishou/*" every Kuaishou shop,
// "*/outlet" every shop named outlet, "*" every shop. Channels are matched
// as the shop is configured (an alias such as "taobao" is its own channel
// here).
type ShopPattern struct {
	Channel string // platform id or "*"
	Shop    string // shop name or "*"
}

// AnyShop matches every shop.
var AnyShop = ShopPattern{Channel: "*", Shop: "*"}

// ParseShopPattern reads "channel/shop", "channel/*", "*/shop" or "*".
func ParseShopPattern(s string) (ShopPattern, error) {
	s = strings.TrimSpace(s)
	if s == "*" {
		return AnyShop, nil
	}
	ch, shop, ok := strings.Cut(s, "/")
	if !ok || ch == "" || shop == "" || strings.Contains(shop, "/") {
		return ShopPattern{}, fmt.Errorf("%q is not a shop pattern (write \"tmall/flagship\", \"kuaishou/*\" or \"*\")", s)
	}
	for _, part := range []string{ch, shop} {
		if part != "*" && strings.Contains(part, "*") {
			return ShopPattern{}, fmt.Errorf("%q: \"*\" stands for a whole channel or shop name, not part of one", s)
		}
	}
	return ShopPattern{Channel: ch, Shop: shop}, nil
}

// Match reports whether the pattern selects the shop.
func (p ShopPattern) Match(r domain.ShopRef) bool {
	return (p.Channel == "*" || p.Channel == r.Channel) && (p.Shop == "*" || p.Shop == r.Shop)
}

// String writes the pattern as it is configured.
func (p ShopPattern) String() string {
	if p == AnyShop {
		return "*"
	}
	return p.Channel + "/" + p.Shop
}

// specificity orders the patterns that match one shop: one shop (3) over
// a channel (2) over a shop name on any channel (1) over every shop (0).
func (p ShopPattern) specificity() int {
	n := 0
	if p.Channel != "*" {
		n += 2
	}
	if p.Shop != "*" {
		n++
	}
	return n
}

// mostSpecific returns the index of the entry with the pattern that
// matches shop most specifically, or -1. Of two equally specific matches
// the first wins; the configuration refuses a pattern written twice, so
// that only happens with hand-built lists.
func mostSpecific(n int, patterns func(i int) []ShopPattern, shop domain.ShopRef) int {
	best, bestSpec := -1, -1
	for i := 0; i < n; i++ {
		for _, p := range patterns(i) {
			if p.Match(shop) && p.specificity() > bestSpec {
				best, bestSpec = i, p.specificity()
			}
		}
	}
	return best
}

// matchAny reports whether any of the patterns selects the shop.
func matchAny(ps []ShopPattern, shop domain.ShopRef) bool {
	for _, p := range ps {
		if p.Match(shop) {
			return true
		}
	}
	return false
}

// patternList writes patterns as "kuaishou/*, douyin/*".
func patternList(ps []ShopPattern) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}
