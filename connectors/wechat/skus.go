package wechat

import (
	"context"
	"encoding/json"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// RemoveSKU takes one SKU off a product (connectors.SKURemover). The
// platform has two copies, so it takes two ways:
//
//   - a SKU of the online copy of a product not in review goes with
//     product/auditfree is_delete (no review; the docs allow it on listed
//     products only, and not while in audit);
//   - a SKU only in the draft, or of a draft in review, goes with
//     product/update of the draft without it (a new review: the draft
//     replaces the online copy when it passes).
//
// A product's last SKU is not removed (a product needs one): its stock
// goes to 0 where the product was listed, and nothing is sent for a product
// never listed, which sells nothing. A SKU or a product the platform no
// longer has is removed already.
func (c *Channel) RemoveSKU(ctx context.Context, ids connectors.ProductIDs, skuCode string) error {
	var r struct {
		Product     *wechatmap.Product `json:"product"`
		EditProduct json.RawMessage    `json:"edit_product"`
	}
	err := c.call(ctx, "product/get", map[string]any{"product_id": ids.ItemID, "data_type": dataBoth}, &r)
	if domain.ErrorCode(err) == domain.ENotFound {
		return nil
	}
	if err != nil {
		return err
	}
	var draft, online wechatmap.Product
	if len(r.EditProduct) > 0 && string(r.EditProduct) != "null" {
		if err := json.Unmarshal(r.EditProduct, &draft); err != nil {
			return unavailable(err, "product/get: malformed edit_product of "+ids.ItemID)
		}
	}
	if r.Product != nil {
		online = *r.Product
	}
	id := ids.SKUIDs[skuCode]
	onlineSKU, inOnline := online.SKU(id, skuCode)
	draftSKU, inDraft := draft.SKU(id, skuCode)
	inReview := draft.EditStatus == wechatmap.EditInReview
	stockZero := func() error {
		return c.UpdateStock(ctx, connectors.StockUpdate{SKUCode: skuCode, IDs: ids, Quantity: 0})
	}
	switch {
	case inOnline && !inReview:
		if len(online.SKUs) == 1 {
			return stockZero()
		}
		err := c.call(ctx, "product/auditfree", map[string]any{"product_id": ids.ItemID,
			"skus": []map[string]any{{"sku_id": onlineSKU.SKUID, "is_delete": 1}}}, nil)
		if platformCode(err) == codeNotFound {
			return nil // gone meanwhile: a retry after a lost answer
		}
		return err
	case inDraft && len(draft.SKUs) == 1:
		if inOnline {
			return stockZero()
		}
		return nil
	case inDraft:
		body, err := wechatmap.DraftWithoutSKU(r.EditProduct, ids.ItemID, draftSKU.SKUID)
		if err != nil {
			return err
		}
		return c.call(ctx, "product/update", body, nil)
	}
	// Online only, with a review pending: the draft under review, which
	// lacks the SKU, replaces the online copy when it passes.
	return nil
}
