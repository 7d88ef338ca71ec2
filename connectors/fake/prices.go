package fake

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	fakemap "github.com/syncctl/syncctl/mapping/fake"
)

var _ connectors.PriceReader = (*Channel)(nil)

// ReadPrices implements connectors.PriceReader with product.get: the price
// each SKU of ids has on the platform now (fen), found by its sku_id, else
// by its outer id (the master SKU code). With no SKU in ids, every SKU of
// the item is returned by its outer id.
func (c *Channel) ReadPrices(ctx context.Context, ids connectors.ProductIDs) (map[string]domain.Money, error) {
	it, err := c.getItem(ctx, ids.ItemID)
	if err != nil {
		return nil, err
	}
	out := map[string]domain.Money{}
	add := func(code string, k fakemap.ItemSKU) error {
		if k.PriceFen <= 0 {
			return unavailable(nil, fmt.Sprintf("product.get: item %s, sku %s, field price_fen: %d is not a price", it.ItemID, k.SKUID, k.PriceFen))
		}
		out[code] = domain.Money(k.PriceFen)
		return nil
	}
	if len(ids.SKUIDs) == 0 {
		for _, k := range it.SKUs {
			if err := add(k.OuterID, k); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for code, id := range ids.SKUIDs {
		k, ok := it.SKU(id, code)
		if !ok && id != "" {
			k, ok = it.SKU("", code)
		}
		if !ok {
			continue // not on the item any more: the platform does not show it
		}
		if err := add(code, k); err != nil {
			return nil, err
		}
	}
	return out, nil
}
