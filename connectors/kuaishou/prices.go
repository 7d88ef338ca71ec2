package kuaishou

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	kuaishoumap "github.com/syncctl/syncctl/mapping/kuaishou"
)

var _ connectors.PriceReader = (*Channel)(nil)

// ReadPrices implements connectors.PriceReader with open.item.get (the
// read-back of UpsertProduct): each SKU's skuSalePrice (分), found by its
// kwaiSkuId, else by its relSkuId (the master SKU code). With no SKU in
// ids every SKU is returned by its relSkuId.
func (c *Channel) ReadPrices(ctx context.Context, ids connectors.ProductIDs) (map[string]domain.Money, error) {
	it, err := c.getItem(ctx, ids.ItemID)
	if err != nil {
		return nil, err
	}
	out := map[string]domain.Money{}
	add := func(code string, k kuaishoumap.ItemSKU) error {
		if k.SKUSalePrice <= 0 {
			return unavailable(nil, fmt.Sprintf("open.item.get: item %s, sku %s, field skuSalePrice: %d is not a price", ids.ItemID, k.KwaiSKUID, k.SKUSalePrice))
		}
		out[code] = domain.Money(k.SKUSalePrice)
		return nil
	}
	if len(ids.SKUIDs) == 0 {
		for _, k := range it.SKUInfos {
			if err := add(k.RelSKUID, k); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for code, id := range ids.SKUIDs {
		if k, ok := it.SKU(id, code); ok {
			if err := add(code, k); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}
