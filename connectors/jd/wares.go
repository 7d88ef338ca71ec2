package jd

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
	jdmap "github.com/syncctl/syncctl/mapping/jd"
)

// opType of jingdong.ware.write.upOrDown. UNCONFIRMED: 1 上架 / 2 下架 per
// an integrator's comment; sandbox/jd takes the same.
const (
	opUp   = 1
	opDown = 2
)

// SKU status in jingdong.sku.read.searchSkuList (1 上架, 2 下架; 4 删除 is
// never listed). UNCONFIRMED, as the sandbox serves it.
const skuOnSale = 1

// number sends an id as the JSON number JOS takes for longs; an id that
// is not digits is refused before any call.
func number(record, field, id string) (json.Number, error) {
	if !domain.Digits(id) {
		return "", domain.Errorf(domain.EInvalid, "jd: %s, field %s: %q is not an integer id", record, field, id)
	}
	return json.Number(id), nil
}

// jdSKU is a SKU as searchSkuList and the ware writes answer it.
type jdSKU struct {
	SkuID    jdmap.ID   `json:"skuId"`
	WareID   jdmap.ID   `json:"wareId"`
	OuterID  string     `json:"outerId"`
	JdPrice  jdmap.Yuan `json:"jdPrice"`
	StockNum int        `json:"stockNum"`
	Status   int        `json:"status"`
}

// findWare looks a ware up by its 货号 (itemNum = the master SPU code),
// before a create an interrupted attempt may already have made. JOS has
// no search by the ware's outerId; both carry the code.
func (c *Channel) findWare(ctx context.Context, code string) (string, error) {
	var r struct {
		Page struct {
			Data []struct {
				WareID  jdmap.ID `json:"wareId"`
				ItemNum string   `json:"itemNum"`
			} `json:"data"`
		} `json:"page"`
	}
	if err := c.call(ctx, "jingdong.ware.read.searchWare4Valid", map[string]any{"itemNum": code, "pageNo": 1, "pageSize": 10,
		"field": "wareId,itemNum,outerId,wareStatus"}, &r); err != nil {
		return "", err
	}
	for _, w := range r.Page.Data {
		if w.ItemNum == code && w.WareID != "" {
			return string(w.WareID), nil
		}
	}
	return "", nil
}

// readSKUs reads a ware's SKUs (jingdong.sku.read.searchSkuList), every page.
// A SKU of another ware, without an integer skuId or without its outerId
// (the master SKU code, which addresses it), or sharing its outerId with
// another, is refused: its id would be written back. A page that brings
// no SKU not read already ends the walk as malformed, whatever totalItem
// says: a list that ignores pageNo would otherwise be walked for ever.
func (c *Channel) readSKUs(ctx context.Context, wareID string) ([]jdSKU, error) {
	id, err := number("ware "+wareID, "wareId", wareID)
	if err != nil {
		return nil, err
	}
	var out []jdSKU
	outer := map[string]string{} // outerId → skuId
	for page := 1; ; page++ {
		var r struct {
			Page struct {
				Data      []jdSKU `json:"data"`
				TotalItem int     `json:"totalItem"`
			} `json:"page"`
		}
		if err := c.call(ctx, "jingdong.sku.read.searchSkuList", map[string]any{"wareId": []json.Number{id}, "pageNo": page, "page_size": 100,
			"field": "skuId,wareId,outerId,jdPrice,stockNum,status"}, &r); err != nil {
			return nil, err
		}
		fresh := false
		for _, k := range r.Page.Data {
			field, why := "", ""
			switch prev, seen := outer[k.OuterID]; {
			case !domain.Digits(string(k.SkuID)):
				field, why = "skuId", fmt.Sprintf("%q is not a JOS id", k.SkuID)
			case string(k.WareID) != wareID:
				field, why = "wareId", fmt.Sprintf("the SKU is of ware %q", k.WareID)
			case k.OuterID == "":
				field, why = "outerId", "empty: the SKU has no master SKU code"
			case seen && prev != string(k.SkuID):
				field, why = "outerId", "sku "+prev+" has it too"
			case !seen:
				outer[k.OuterID], fresh = string(k.SkuID), true
				out = append(out, k)
			}
			if field != "" {
				return nil, unavailable(nil, fmt.Sprintf("jingdong.sku.read.searchSkuList: ware %s sku %s, field %s: %s", wareID, k.SkuID, field, why))
			}
		}
		if len(r.Page.Data) == 0 || len(out) >= r.Page.TotalItem {
			return out, nil
		}
		if !fresh {
			return nil, unavailable(nil, fmt.Sprintf("jingdong.sku.read.searchSkuList: ware %s, page %d: no SKU not read already, yet totalItem is %d",
				wareID, page, r.Page.TotalItem))
		}
	}
}

// UpsertProduct creates the ware (jingdong.ware.write.add, on sale at
// once) or updates its content (jingdong.ware.write.updateWare) and its
// SKU set (jingdong.sku.write.updateSkus, SKUs matched by outerId = the
// master SKU code, known ones by skuId).
func (c *Channel) UpsertProduct(ctx context.Context, p connectors.ProductPush) (connectors.ProductResult, error) {
	var res connectors.ProductResult
	ware, skus, err := jdmap.WareRequest(p, c.ware)
	if err != nil {
		return res, err
	}
	wareID := ""
	if p.Known != nil {
		wareID = p.Known.ItemID
	} else if p.MayExist {
		if wareID, err = c.findWare(ctx, p.Product.Code); err != nil {
			return res, err
		}
	}
	if wareID == "" {
		return c.addWare(ctx, p, ware, skus)
	}
	if ware.WareID, err = number("product "+p.Product.Code, "wareId", wareID); err != nil {
		return res, err
	}
	res.IDs = connectors.ProductIDs{ItemID: wareID, SKUIDs: map[string]string{}}
	if err := c.call(ctx, "jingdong.ware.write.updateWare", map[string]any{"ware": ware}, nil); err != nil {
		return res, err
	}
	cur, err := c.readSKUs(ctx, wareID)
	if err != nil {
		return res, err
	}
	known := map[string]string{}
	for _, k := range cur {
		known[k.OuterID] = string(k.SkuID)
	}
	for i := range skus {
		if id := known[skus[i].OuterID]; id != "" {
			skus[i].SkuID = json.Number(id)
		}
	}
	var r struct {
		Skus []jdSKU `json:"skus"`
	}
	if err := c.call(ctx, "jingdong.sku.write.updateSkus", map[string]any{"wareId": ware.WareID, "skus": skus}, &r); err != nil {
		return res, err
	}
	res.Status = domain.ListingDelisted
	for _, k := range cur {
		if k.Status == skuOnSale {
			res.Status = domain.ListingOnSale
		}
	}
	return res, c.skuIDs(&res, p, "jingdong.sku.write.updateSkus", r.Skus)
}

func (c *Channel) addWare(ctx context.Context, p connectors.ProductPush, ware jdmap.Ware, skus []jdmap.Sku) (connectors.ProductResult, error) {
	var res connectors.ProductResult
	ware.WareStatus = jdmap.WareStatusOnSale
	var r struct {
		Ware struct {
			WareID     jdmap.ID `json:"wareId"`
			WareStatus int      `json:"wareStatus"`
			Skus       []jdSKU  `json:"skus"`
		} `json:"ware"`
	}
	if err := c.call(ctx, "jingdong.ware.write.add", map[string]any{"ware": ware, "skus": skus}, &r); err != nil {
		return res, err
	}
	if r.Ware.WareID == "" {
		return res, unavailable(nil, fmt.Sprintf("jingdong.ware.write.add: product %s: the answer has no wareId", p.Product.Code))
	}
	res.IDs = connectors.ProductIDs{ItemID: string(r.Ware.WareID), SKUIDs: map[string]string{}}
	res.Status = domain.ListingDelisted
	if r.Ware.WareStatus == jdmap.WareStatusOnSale {
		res.Status = domain.ListingOnSale
	}
	return res, c.skuIDs(&res, p, "jingdong.ware.write.add", r.Ware.Skus)
}

// skuIDs fills the SKU ids of every pushed SKU from an answer; one missing
// is an error that keeps the ware id (the next attempt updates it).
func (c *Channel) skuIDs(res *connectors.ProductResult, p connectors.ProductPush, method string, got []jdSKU) error {
	for _, k := range got {
		if k.SkuID != "" {
			res.IDs.SKUIDs[k.OuterID] = string(k.SkuID)
		}
	}
	for _, s := range p.Product.SKUs {
		if res.IDs.SKUIDs[s.Code] == "" {
			return unavailable(nil, fmt.Sprintf("%s: ware %s: sku %s is missing from the answer", method, res.IDs.ItemID, s.Code))
		}
	}
	return nil
}

// skuID returns the JD SKU id of a SKU code, reading the ware's SKUs when
// the ids do not hold it.
func (c *Channel) skuID(ctx context.Context, code string, ids connectors.ProductIDs) (json.Number, error) {
	if id := ids.SKUIDs[code]; id != "" {
		return number("sku "+code, "skuId", id)
	}
	cur, err := c.readSKUs(ctx, ids.ItemID)
	if err != nil {
		return "", err
	}
	for _, k := range cur {
		if k.OuterID == code {
			return number("sku "+code, "skuId", string(k.SkuID))
		}
	}
	return "", &domain.Error{Code: domain.ENotFound, Platform: "jd", Message: fmt.Sprintf("ware %s has no sku %s", ids.ItemID, code)}
}

// UpdatePrice sets one SKU's 京东价 (jingdong.price.write.updateSkuJdPrice, 元).
func (c *Channel) UpdatePrice(ctx context.Context, u connectors.PriceUpdate) error {
	if err := jdmap.CheckPrice("sku "+u.SKUCode, u.Price); err != nil {
		return err
	}
	id, err := c.skuID(ctx, u.SKUCode, u.IDs)
	if err != nil {
		return err
	}
	return c.call(ctx, "jingdong.price.write.updateSkuJdPrice", map[string]any{"skuId": id, "jdPrice": jdmap.YuanNumber(u.Price)}, nil)
}

// stockMethod writes a SKU's stock as an absolute level, so a retry is
// harmless and StockUpdate's target goes as is. UNCONFIRMED: an integrator
// notes it is being retired for jingdong.ware.stock.sku.set (same
// parameters); channels.md documents this one.
const stockMethod = "jingdong.stock.write.updateSkuStock"

// UpdateStock sets one SKU's stock.
func (c *Channel) UpdateStock(ctx context.Context, u connectors.StockUpdate) error {
	if err := jdmap.CheckStock("sku "+u.SKUCode, u.Quantity); err != nil {
		return err
	}
	id, err := c.skuID(ctx, u.SKUCode, u.IDs)
	if err != nil {
		return err
	}
	return c.call(ctx, stockMethod, map[string]any{"skuId": id, "stockNum": u.Quantity}, nil)
}

// SetListed puts the ware on or off the shelf (jingdong.ware.write.upOrDown).
func (c *Channel) SetListed(ctx context.Context, ids connectors.ProductIDs, listed bool) error {
	id, err := number("ware "+ids.ItemID, "wareId", ids.ItemID)
	if err != nil {
		return err
	}
	op := opDown
	if listed {
		op = opUp
	}
	return c.call(ctx, "jingdong.ware.write.upOrDown", map[string]any{"wareId": id, "opType": op, "note": "syncctl"}, nil)
}
