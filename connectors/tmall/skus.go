package tmall

import (
	"context"
	"strconv"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

var _ connectors.SKURemover = (*Channel)(nil)

// RemoveSKU takes one SKU off an item with taobao.item.sku.delete, which
// finds it by its properties. Deleting changes neither the item's num nor
// its price, and TOP refuses an item whose num is not the sum of its SKUs'
// quantities or whose price is outside their range: item_num and
// item_price carry the values without the SKU (the lowest price, the rule
// ItemParams uses), from a fresh taobao.item.seller.get since sales change
// the quantities. item_num must be above 0, so when the SKUs that stay hold
// no stock the SKU's own stock goes to 0 first and item_num is left out.
// An item's last SKU is not deleted (TOP would turn the item into one
// without SKUs selling item_num units): its stock goes to 0. A SKU or an
// item that is not there any more is removed already.
func (c *Channel) RemoveSKU(ctx context.Context, ids connectors.ProductIDs, skuCode string) error {
	// The cached SKU prices of the item change: no price update meanwhile.
	unlock := c.lockItem(ids.ItemID)
	defer unlock()
	_, info, err := c.sellerGet(ctx, ids.ItemID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	k := info.skus[skuCode]
	if k == nil {
		return nil
	}
	others, rest := 0, 0
	var restPrice domain.Money
	c.mu.Lock()
	for code, s := range info.skus {
		if code == skuCode {
			continue
		}
		if others == 0 || s.price < restPrice {
			restPrice = s.price
		}
		others++
		rest += s.quantity
	}
	c.mu.Unlock()
	zero := map[string]string{"num_iid": ids.ItemID, "sku_id": k.id, "quantity": "0", "type": "1"}
	if others == 0 {
		if k.quantity == 0 {
			return nil
		}
		return c.call(ctx, "taobao.item.quantity.update", zero, nil)
	}
	params := map[string]string{"num_iid": ids.ItemID, "properties": k.props, "item_price": restPrice.Yuan()}
	if rest > 0 {
		params["item_num"] = strconv.Itoa(rest)
	} else if k.quantity > 0 {
		if err := c.call(ctx, "taobao.item.quantity.update", zero, nil); err != nil {
			return err
		}
	}
	err = c.call(ctx, "taobao.item.sku.delete", params, nil)
	c.forget(ids.ItemID) // its SKUs changed (or may have): read afresh next time
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil // gone meanwhile: a retry after a lost answer
	}
	return err
}
