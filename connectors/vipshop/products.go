package vipshop

import (
	"context"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// StockResult is what updateSkuStock answered of one SKU. OverSell > 0
// means the level set is below what carts and orders already hold
// (over_sell_quantity): the platform may have sold that many more than the
// shop has. UpsertProduct hands it on in ProductResult.OverSell and
// UpdateStockReport as a connectors.StockResult; the push records it on
// the listing and counts it in its progress.
type StockResult struct {
	SKUCode  string `json:"sku_code"`
	OverSell int    `json:"over_sell,omitempty"`
}

type successSKU struct {
	SKUID      vipmap.Str `json:"sku_id"`
	OuterSKUID vipmap.Str `json:"outer_sku_id"`
}

// UpsertProduct implements connectors.Channel; see UpsertProductReport.
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	res, stocks, err := c.UpsertProductReport(ctx, p)
	for _, s := range stocks {
		if s.OverSell > 0 {
			if res.OverSell == nil {
				res.OverSell = map[string]int{}
			}
			res.OverSell[s.SKUCode] = s.OverSell
		}
	}
	return res, err
}

// UpsertProductReport creates the product (addProduct, outer_spu_id = the
// master code, outer_sku_id = the master SKU code) or updates it
// (editProduct for content, appendSkus for new SKUs, updateSkuPrice for
// the others), sets every SKU's stock (updateSkuStock: addProduct takes
// none) and submits it to review (submitProducts): the result is
// in_review until ReviewStatus says otherwise. It returns each SKU's
// over-sell. A create that may have landed (MayExist) looks the product up
// by outer_spu_id first, so a retry never creates it twice.
func (c *Channel) UpsertProductReport(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, []StockResult, error) {
	var res connectors.ProductResult
	content, err := vipmap.ProductRequest(p, c.products)
	if err != nil {
		return res, nil, err
	}
	spuID := ""
	if p.Known != nil {
		spuID = p.Known.ItemID
	}
	if spuID == "" && p.MayExist {
		if spuID, err = c.findByOuterID(ctx, p.Product.Code); err != nil {
			return res, nil, err
		}
	}
	var ids map[string]string
	if spuID == "" {
		spuID, ids, err = c.add(ctx, content)
	} else {
		ids, err = c.edit(ctx, spuID, content)
	}
	res.IDs = connectors.ProductIDs{ItemID: spuID, SKUIDs: ids}
	if err != nil {
		return res, nil, err
	}
	var stocks []StockResult
	for _, s := range p.Product.SKUs {
		r, err := c.setStock(ctx, s.Code, ids[s.Code], p.Stocks[s.Code])
		if err != nil {
			return res, stocks, err
		}
		stocks = append(stocks, r)
	}
	if err := c.call(ctx, svcProduct, "submitProducts", map[string]any{"spu_ids": []string{spuID}}, nil); err != nil {
		return res, stocks, err
	}
	res.Status = domain.ListingInReview
	return res, stocks, nil
}

// add creates the product and returns the ids of all its SKUs. SKUs the
// answer leaves out of success_skus are looked up, and appended when the
// product lacks them.
func (c *Channel) add(ctx context.Context, content vipmap.Content) (string, map[string]string, error) {
	var r struct {
		SPUID       vipmap.Str   `json:"spu_id"`
		SuccessSKUs []successSKU `json:"success_skus"`
	}
	if err := c.call(ctx, svcProduct, "addProduct", map[string]any{"request": content.Add}, &r); err != nil {
		return "", nil, err
	}
	spuID := string(r.SPUID)
	if !domain.Digits(spuID) {
		return "", nil, unavailable(nil, fmt.Sprintf("addProduct: product %s: the result has no spu_id", content.Add.OuterSPUID))
	}
	ids := map[string]string{}
	for _, k := range r.SuccessSKUs {
		ids[string(k.OuterSKUID)] = string(k.SKUID)
	}
	if len(ids) == len(content.SKUs) {
		return spuID, ids, nil
	}
	ids, err := c.completeSKUs(ctx, spuID, content)
	return spuID, ids, err
}

// edit updates an existing product's content and SKUs and returns their ids.
func (c *Channel) edit(ctx context.Context, spuID string, content vipmap.Content) (map[string]string, error) {
	if err := c.call(ctx, svcProduct, "editProduct", map[string]any{"request": content.Edit(spuID)}, nil); err != nil {
		return nil, err
	}
	ids, err := c.completeSKUs(ctx, spuID, content)
	if err != nil {
		return ids, err
	}
	for code, id := range ids {
		k := content.SKUs[code]
		in := map[string]any{"sku_id": id, "market_price": k.MarketPrice, "sale_price": k.SellPrice}
		if err := c.call(ctx, svcPrice, "updateSkuPrice", in, nil); err != nil {
			return ids, err
		}
	}
	return ids, nil
}

// completeSKUs reads the product's SKUs, appends those it lacks and returns
// every pushed SKU's id.
func (c *Channel) completeSKUs(ctx context.Context, spuID string, content vipmap.Content) (map[string]string, error) {
	d, err := c.productByID(ctx, spuID)
	if err != nil {
		return nil, err
	}
	have := d.SKUIDs()
	var missing []vipmap.SKUItem
	for _, k := range content.Add.SKUs {
		if have[k.OuterSKUID] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		var r struct {
			SuccessSKUs []successSKU `json:"success_skus"`
		}
		in := map[string]any{"request": vipmap.AppendSkusRequest{SPUID: spuID, SKUs: missing}}
		if err := c.call(ctx, svcProduct, "appendSkus", in, &r); err != nil {
			return have, err
		}
		for _, k := range r.SuccessSKUs {
			have[string(k.OuterSKUID)] = string(k.SKUID)
		}
	}
	ids := map[string]string{}
	for code := range content.SKUs {
		if have[code] == "" {
			return ids, unavailable(nil, fmt.Sprintf("appendSkus: product %s: sku %s has no sku_id after appending it", spuID, code))
		}
		ids[code] = have[code]
	}
	return ids, nil
}

func (c *Channel) productByID(ctx context.Context, spuID string) (vipmap.ProductDetail, error) {
	var d vipmap.ProductDetail
	if err := c.call(ctx, svcProduct, "getProductById", map[string]string{"spu_id": spuID}, &d); err != nil {
		return d, err
	}
	if string(d.SPUID) != spuID {
		return d, unavailable(nil, "getProductById: the result is not product "+spuID)
	}
	return d, nil
}

// getProducts reads the first product matching a filter (spu_id or
// outer_spu_id); ok false when none does.
func (c *Channel) getProducts(ctx context.Context, filter map[string]any) (vipmap.ProductInfo, bool, error) {
	filter["page"], filter["limit"] = 1, 1
	var r struct {
		Products []vipmap.ProductInfo `json:"products"`
	}
	if err := c.call(ctx, svcProduct, "getProducts", map[string]any{"request": filter}, &r); err != nil {
		return vipmap.ProductInfo{}, false, err
	}
	if len(r.Products) == 0 {
		return vipmap.ProductInfo{}, false, nil
	}
	return r.Products[0], true, nil
}

// findByOuterID looks a product up by its outer_spu_id (unique per shop:
// "不可重复"); "" when there is none.
func (c *Channel) findByOuterID(ctx context.Context, outer string) (string, error) {
	p, ok, err := c.getProducts(ctx, map[string]any{"outer_spu_id": outer})
	if err != nil || !ok {
		return "", err
	}
	if string(p.OuterSPUID) != outer || !domain.Digits(string(p.SPUID)) {
		return "", unavailable(nil, "getProducts: the product found for outer_spu_id "+outer+" does not carry it")
	}
	return string(p.SPUID), nil
}

// ReviewStatus implements connectors.ReviewTracker from getProducts'
// audit_status: 12 in review; 14 rejected with the platform's reason; 13
// approved: on sale, after onShelf when it is still off shelf (the flow is
// add → submit → review → onShelf); 11 a draft the push could not submit:
// submitted now, in review.
func (c *Channel) ReviewStatus(ctx context.Context, ids connectors.ProductIDs) (domain.ListingStatus, string, error) {
	p, ok, err := c.getProducts(ctx, map[string]any{"spu_id": ids.ItemID})
	if err != nil {
		return "", "", err
	}
	if !ok {
		return "", "", &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: "getProducts: no product " + ids.ItemID}
	}
	status, reason, next, err := vipmap.ReviewState(p)
	if err != nil {
		return "", "", err
	}
	switch next {
	case vipmap.NextSubmit:
		err = c.call(ctx, svcProduct, "submitProducts", map[string]any{"spu_ids": []string{ids.ItemID}}, nil)
	case vipmap.NextOnShelf:
		err = c.SetListed(ctx, ids, true)
	}
	if err != nil {
		return "", "", err
	}
	return status, reason, nil
}

// skuID returns a SKU's platform id, reading the product when the ids do
// not hold it.
func (c *Channel) skuID(ctx context.Context, ids connectors.ProductIDs, code string) (string, error) {
	if id := ids.SKUIDs[code]; id != "" {
		return id, nil
	}
	d, err := c.productByID(ctx, ids.ItemID)
	if err != nil {
		return "", err
	}
	if id := d.SKUIDs()[code]; id != "" {
		return id, nil
	}
	return "", &domain.Error{Code: domain.ENotFound, Platform: platformName, Message: fmt.Sprintf("product %s has no sku %s", ids.ItemID, code)}
}

// UpdatePrice sets one SKU's sale price with updateSkuPrice. The market
// price (吊牌价) is left out: the push sets it, and a price change must
// not lower it (UNCONFIRMED that the IDL takes it as optional; the sandbox
// raises it to a sale price above it).
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := vipmap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	id, err := c.skuID(ctx, u.IDs, u.SKUCode)
	if err != nil {
		return err
	}
	return c.call(ctx, svcPrice, "updateSkuPrice", map[string]any{"sku_id": id, "sale_price": vipmap.Yuan(u.Price)}, nil)
}

// UpdateStock implements connectors.Channel; see UpdateStockReport.
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	_, err := c.UpdateStockReport(ctx, u)
	return err
}

// UpdateStockReport (connectors.StockReporter) sets one SKU's stock to the
// target with updateSkuStock (absolute, so a retry is harmless) and
// returns the over-sell the platform reports.
func (c *Channel) UpdateStockReport(ctx context.Context, u connectors.StockUpdate) (connectors.StockResult, error) {
	if err := vipmap.CheckStock("sku "+u.SKUCode, u.Quantity); err != nil {
		return connectors.StockResult{}, err
	}
	id, err := c.skuID(ctx, u.IDs, u.SKUCode)
	if err != nil {
		return connectors.StockResult{}, err
	}
	r, err := c.setStock(ctx, u.SKUCode, id, u.Quantity)
	return connectors.StockResult{OverSell: r.OverSell}, err
}

var _ connectors.StockReporter = (*Channel)(nil)

func (c *Channel) setStock(ctx context.Context, code, skuID string, n int) (StockResult, error) {
	res := StockResult{SKUCode: code}
	req := map[string]any{"sku_id": skuID, "quantity": n}
	if c.warehouse != "" {
		req["warehouse"] = c.warehouse
	}
	var r struct {
		Success          *bool `json:"success"`
		OverSellQuantity int   `json:"over_sell_quantity"`
	}
	if err := c.call(ctx, svcInventory, "updateSkuStock", map[string]any{"updateSkuStockRequest": req}, &r); err != nil {
		return res, err
	}
	if r.Success == nil || !*r.Success {
		return res, unavailable(nil, fmt.Sprintf("updateSkuStock: sku %s: the platform answered success false", code))
	}
	res.OverSell = max(0, r.OverSellQuantity)
	return res, nil
}

// SetListed puts a product on shelf (onShelf: it must have passed review,
// EConflict otherwise) or off shelf (offShelf). Both take the state the
// product is already in as done.
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	if listed {
		return c.call(ctx, svcProduct, "onShelf", map[string]any{"onShelfProduct": map[string]any{"spu_ids": []string{ids.ItemID}}}, nil)
	}
	return c.call(ctx, svcProduct, "offShelf", map[string]any{"offShelfProduct": map[string]any{"spu_ids": []string{ids.ItemID}}}, nil)
}
