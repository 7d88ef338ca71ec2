package workflows

import (
	"context"
	"errors"
	"sort"

	"go.temporal.io/sdk/activity"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/connectors/shopgate"
	"github.com/syncctl/syncctl/domain"
)

// PoolSync is what one pass over a shop's promotion pool did, in products.
type PoolSync struct {
	Joined   int           `json:"joined"`  // products that entered the pool
	Updated  int           `json:"updated"` // products whose commission changed
	Left     int           `json:"left"`    // products that left it: delisted, removed, rejected, or no commission any more
	InPool   int           `json:"in_pool"` // products in the pool after the pass
	Calls    int           `json:"calls"`
	Failures []ItemFailure `json:"failures,omitempty"`
}

// poolProduct is one product of the shop as the pool pass sees it.
type poolProduct struct {
	ids    connectors.ProductIDs
	onSale bool // some SKU is on sale: the product can be promoted
	rate   int  // the commission it has in the pool now (0: not in it)
}

// SyncPromotionPool brings the shop's promotion pool (Kuaishou 分销, Douyin
// 精选联盟, WeChat 优选联盟) in line with its commission policy: a product
// on sale joins at its rate, a changed rate updates its plan, and a product
// no longer on sale (delisted, removed, rejected) or with no commission
// leaves. The rate each product has is kept on its listings, so a pass
// makes channel calls only for what changed, and a retried pass goes on
// where the last one stopped. A product the platform refuses is reported
// and the others go on; a throttle or outage fails the pass for Temporal
// to retry.
func (a *Activities) SyncPromotionPool(ctx context.Context, shop domain.ShopRef) (res PoolSync, _ error) {
	ctx, calls := shopgate.WithCounter(ctx)
	defer func() { res.Calls = calls.Sent() }()
	ch, err := a.Shops.Get(shop)
	if err != nil {
		return res, toTemporal(err)
	}
	pool, ok := ch.(connectors.PromotionPool)
	policy, configured := a.Commission[shop]
	if !ok || !configured {
		return res, nil
	}
	products, err := a.poolProducts(ctx, shop)
	if err != nil {
		return res, toTemporal(err)
	}
	codes := make([]string, 0, len(products))
	for code := range products {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		p := products[code]
		activity.RecordHeartbeat(ctx, code)
		want := 0
		if p.onSale {
			if len(policy.ByCategory) == 0 {
				want = policy.Rate(domain.Product{Code: code})
			} else {
				prod, err := a.Store.GetProduct(ctx, code)
				switch {
				case domain.ErrorCode(err) == domain.ENotFound:
					// it left the catalog: want stays 0 and it leaves the pool
				case err != nil:
					return res, toTemporal(err)
				default:
					want = policy.Rate(prod)
				}
			}
		}
		if want == p.rate {
			if want > 0 {
				res.InPool++
			}
			continue
		}
		if want > 0 {
			err = pool.JoinPromotionPool(ctx, p.ids, want)
		} else {
			err = pool.LeavePromotionPool(ctx, p.ids)
		}
		if err != nil {
			if c := domain.ErrorCode(err); c == domain.ERateLimited || c == domain.EUnavailable || c == domain.EAuth || errors.Is(err, context.Canceled) {
				return res, toTemporal(err)
			}
			if p.rate > 0 {
				res.InPool++
			}
			res.Failures = appendFailure(res.Failures, ItemFailure{Product: code, Code: domain.ErrorCode(err), Reason: err.Error()})
			continue
		}
		if err := a.Store.SetPoolRate(ctx, shop, code, want); err != nil {
			return res, toTemporal(err)
		}
		switch {
		case want == 0:
			res.Left++
		case p.rate == 0:
			res.Joined++
			res.InPool++
		default:
			res.Updated++
			res.InPool++
		}
	}
	return res, nil
}

// poolProducts reads the shop's listings into one entry per product that
// has platform ids.
func (a *Activities) poolProducts(ctx context.Context, shop domain.ShopRef) (map[string]*poolProduct, error) {
	out := map[string]*poolProduct{}
	after := ""
	for {
		page, err := a.Store.ListListings(ctx, shop, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(page) == 0 {
			return out, nil
		}
		after = page[len(page)-1].SKUCode
		for _, l := range page {
			if l.ItemID == "" {
				continue
			}
			p := out[l.ProductCode]
			if p == nil {
				p = &poolProduct{ids: connectors.ProductIDs{ItemID: l.ItemID, SKUIDs: map[string]string{}}}
				out[l.ProductCode] = p
			}
			if l.PlatformSKUID != "" {
				p.ids.SKUIDs[l.SKUCode] = l.PlatformSKUID
			}
			p.onSale = p.onSale || l.Status == domain.ListingOnSale
			p.rate = max(p.rate, l.PoolRate)
		}
	}
}

func appendFailure(fs []ItemFailure, f ItemFailure) []ItemFailure {
	if len(fs) >= MaxReportedFailures {
		return fs
	}
	return append(fs, f)
}
