package jd

import (
	"context"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

var _ connectors.PriceReader = (*Channel)(nil)

// ReadPrices implements connectors.PriceReader with
// jingdong.sku.read.searchSkuList (the read-back of UpsertProduct): each
// SKU's jdPrice (元, into fen), found by its skuId, else by its outerId
// (the master SKU code). With no SKU in ids every SKU of the ware is
// returned by its outerId. The list has no answer for a ware it does not
// know but an empty page: then nothing is shown.
func (c *Channel) ReadPrices(ctx context.Context, ids connectors.ProductIDs) (map[string]domain.Money, error) {
	skus, err := c.readSKUs(ctx, ids.ItemID)
	if err != nil {
		return nil, err
	}
	byID, byOuter := map[string]jdSKU{}, map[string]jdSKU{}
	for _, k := range skus {
		byID[string(k.SkuID)], byOuter[k.OuterID] = k, k
	}
	out := map[string]domain.Money{}
	add := func(code string, k jdSKU) error {
		price, err := k.JdPrice.Fen("ware "+ids.ItemID+" sku "+string(k.SkuID), "jdPrice", false)
		if err == nil && price <= 0 {
			err = domain.Errorf(domain.EInvalid, "ware %s sku %s, field jdPrice: %s is not a price", ids.ItemID, k.SkuID, k.JdPrice)
		}
		if err != nil {
			return unavailable(nil, "jingdong.sku.read.searchSkuList: "+err.Error())
		}
		out[code] = price
		return nil
	}
	if len(ids.SKUIDs) == 0 {
		for _, k := range skus {
			if err := add(k.OuterID, k); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	for code, id := range ids.SKUIDs {
		k, ok := byID[id]
		if !ok || id == "" {
			k, ok = byOuter[code]
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
