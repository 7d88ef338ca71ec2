package wechat

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

var _ connectors.PriceReader = (*Channel)(nil)

// dataOnline is product/get's data_type of the online copy only.
const dataOnline = 1

// ReadPrices implements connectors.PriceReader with product/get data_type
// 1: each SKU's sale_price (分) in the online copy, what buyers see; a
// draft in review does not count. A SKU is found by its sku_id, else by
// its out_sku_id (the master SKU code); with no SKU in ids every online
// SKU is returned by its out_sku_id. A product without an online copy
// (never approved) shows nothing: the map is empty.
func (c *Channel) ReadPrices(ctx context.Context, ids connectors.ProductIDs) (map[string]domain.Money, error) {
	var r productData
	if err := c.call(ctx, "product/get", map[string]any{"product_id": ids.ItemID, "data_type": dataOnline}, &r); err != nil {
		return nil, err
	}
	out := map[string]domain.Money{}
	if r.Product == nil {
		return out, nil
	}
	online := *r.Product
	add := func(code string, k wechatmap.SKU) error {
		if k.SalePrice <= 0 {
			return unavailable(nil, fmt.Sprintf("product/get: product %s, sku %s, field sale_price: %d is not a price", ids.ItemID, k.SKUID, k.SalePrice))
		}
		out[code] = domain.Money(k.SalePrice)
		return nil
	}
	if len(ids.SKUIDs) == 0 {
		for _, k := range online.SKUs {
			if err := add(k.OutSKUID, k); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for code, id := range ids.SKUIDs {
		k, ok := online.SKU(id, code)
		if !ok && id != "" {
			k, ok = online.SKU("", code)
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
