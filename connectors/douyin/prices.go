package douyin

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	douyinmap "github.com/syncctl/syncctl/mapping/douyin"
)

var _ connectors.PriceReader = (*Channel)(nil)

// ReadPrices implements connectors.PriceReader with product.detail
// (show_draft false: the online product, not an edit waiting in review):
// each SKU's price (分) in spec_prices, found by its sku_id, else by its
// outer_sku_id (the master SKU code). With no SKU in ids every SKU is
// returned by its outer_sku_id. UNCONFIRMED: what the platform answers for
// a product never approved (the sandbox shows its submitted content).
func (c *Channel) ReadPrices(ctx context.Context, ids connectors.ProductIDs) (map[string]domain.Money, error) {
	d, err := c.detail(ctx, ids.ItemID, false)
	if err != nil {
		return nil, err
	}
	out := map[string]domain.Money{}
	add := func(code string, k douyinmap.DetailSKU) error {
		if k.Price <= 0 {
			return unavailable(nil, fmt.Sprintf("product.detail: product %s, sku %s, field price: %d is not a price", ids.ItemID, k.SKUID, k.Price))
		}
		out[code] = domain.Money(k.Price)
		return nil
	}
	if len(ids.SKUIDs) == 0 {
		for _, k := range d.SpecPrices {
			code := k.OuterSKUID
			if code == "" {
				code = k.Code
			}
			if err := add(code, k); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for code, id := range ids.SKUIDs {
		k, ok := d.SKU(id, code)
		if !ok && id != "" {
			k, ok = d.SKU("", code)
		}
		if !ok {
			continue
		}
		if err := add(code, k); err != nil {
			return nil, err
		}
	}
	return out, nil
}
