package kuaishou

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Item limits the sandbox enforces (channels.md §6.4). The title cap is
// UNCONFIRMED (60 here); prices are 分.
const (
	MaxTitleRunes = 60
	MaxImages     = 9
	MaxSKUs       = 600
	MaxSpecLevels = 3
	MaxPriceFen   = 1e9
	MaxStock      = 9999998 // 0 < skuChangeStock < 9 999 999
)

type item struct {
	ID         int64    `json:"kwaiItemId"`
	RelItemID  string   `json:"relItemId"`
	Title      string   `json:"title"`
	CategoryID int64    `json:"categoryId"`
	Images     []string `json:"imageUrls"`
	Details    string   `json:"details"`
	Shelf      int      `json:"shelfStatus"` // 1 上架, 0 下架
	SKUs       []*sku   `json:"skus"`
}

type sku struct {
	ID          int64  `json:"kwaiSkuId"`
	RelSKUID    string `json:"relSkuId"`
	Stock       int    `json:"skuStock"`
	SalePrice   int64  `json:"skuSalePrice"`
	MarketPrice int64  `json:"skuMarketPrice"`
	Nick        string `json:"skuNick"`
	Props       []prop `json:"skuProps"`
	Gtin        string `json:"gtinCode"`
}

type prop struct {
	PropName      string `json:"propName"`
	PropValueName string `json:"propValueName"`
}

// itemParam is the param of open.item.new and open.item.edit.
type itemParam struct {
	KwaiItemID int64    `json:"kwaiItemId"`
	Title      string   `json:"title"`
	RelItemID  string   `json:"relItemId"`
	CategoryID int64    `json:"categoryId"`
	ImageURLs  []string `json:"imageUrls"`
	Details    string   `json:"details"`
	SKUList    []struct {
		KwaiSKUID      int64  `json:"kwaiSkuId"`
		RelSKUID       string `json:"relSkuId"`
		SKUStock       int    `json:"skuStock"`
		SKUSalePrice   int64  `json:"skuSalePrice"`
		SKUMarketPrice int64  `json:"skuMarketPrice"`
		SKUNick        string `json:"skuNick"`
		SKUProps       []prop `json:"skuProps"`
		GtinCode       string `json:"gtinCode"`
	} `json:"skuList"`
}

// check validates the param and returns its SKUs (without ids).
func (p itemParam) check() ([]*sku, *apiErr) {
	switch n := utf8.RuneCountInString(p.Title); {
	case n == 0 || n > MaxTitleRunes:
		return nil, invalid("title", "%d characters; 1 to %d", n, MaxTitleRunes)
	case p.RelItemID == "":
		return nil, invalid("relItemId", "required")
	case p.CategoryID <= 0:
		return nil, invalid("categoryId", "required")
	case len(p.ImageURLs) == 0 || len(p.ImageURLs) > MaxImages:
		return nil, invalid("imageUrls", "%d images; 1 to %d", len(p.ImageURLs), MaxImages)
	case len(p.SKUList) == 0 || len(p.SKUList) > MaxSKUs:
		return nil, invalid("skuList", "%d SKUs; 1 to %d", len(p.SKUList), MaxSKUs)
	}
	seen := map[string]bool{}
	var out []*sku
	for i, k := range p.SKUList {
		f := "skuList[" + strconv.Itoa(i) + "]."
		switch {
		case k.RelSKUID == "":
			return nil, invalid(f+"relSkuId", "required")
		case seen[k.RelSKUID]:
			return nil, invalid(f+"relSkuId", "%q appears twice", k.RelSKUID)
		case k.SKUSalePrice < 1 || k.SKUSalePrice > MaxPriceFen:
			return nil, invalid(f+"skuSalePrice", "%d 分 is outside 1 to %d", k.SKUSalePrice, int64(MaxPriceFen))
		case k.SKUMarketPrice != 0 && (k.SKUMarketPrice <= k.SKUSalePrice || k.SKUMarketPrice > 10*k.SKUSalePrice):
			return nil, invalid(f+"skuMarketPrice", "%d 分 must be above the sale price and at most 10 times it", k.SKUMarketPrice)
		case k.SKUStock < 0 || k.SKUStock > MaxStock:
			return nil, invalid(f+"skuStock", "%d is outside 0 to %d", k.SKUStock, MaxStock)
		case len(k.SKUProps) > MaxSpecLevels:
			return nil, invalid(f+"skuProps", "%d levels; at most %d", len(k.SKUProps), MaxSpecLevels)
		}
		seen[k.RelSKUID] = true
		out = append(out, &sku{ID: k.KwaiSKUID, RelSKUID: k.RelSKUID, Stock: k.SKUStock, SalePrice: k.SKUSalePrice, MarketPrice: k.SKUMarketPrice,
			Nick: k.SKUNick, Props: k.SKUProps, Gtin: k.GtinCode})
	}
	return out, nil
}

func (s *Server) byRelItemID(rel string) *item {
	for _, it := range s.items {
		if it.RelItemID == rel {
			return it
		}
	}
	return nil
}

// itemNew creates an item, on the shelf at once (the audit that follows a
// real create is not modelled: UNCONFIRMED states). relItemId must not
// repeat.
func (s *Server) itemNew(param []byte) (any, *apiErr) {
	var p itemParam
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	if p.KwaiItemID != 0 {
		return nil, invalid("kwaiItemId", "not a parameter of open.item.new")
	}
	skus, e := p.check()
	if e != nil {
		return nil, e
	}
	if have := s.byRelItemID(p.RelItemID); have != nil {
		return nil, errf(CodeConflict, "relItemId %s 已存在 (kwaiItemId %d)", p.RelItemID, have.ID)
	}
	it := &item{ID: s.newID() * 1000, RelItemID: p.RelItemID, Title: p.Title, CategoryID: p.CategoryID, Images: p.ImageURLs,
		Details: p.Details, Shelf: 1}
	for _, k := range skus {
		if k.ID != 0 {
			return nil, invalid("skuList.kwaiSkuId", "not a parameter of open.item.new")
		}
		k.ID = s.newID()
	}
	it.SKUs = skus
	s.items[it.ID] = it
	return map[string]any{"kwaiItemId": it.ID, "relItemId": it.RelItemID}, nil
}

// itemEdit replaces an item's content and SKUs. A SKU is kept (id, stock)
// when its kwaiSkuId or relSkuId matches; the stock of a kept SKU moves only
// by deltas (open.item.sku.stock.update, autopass.edit), so skuStock counts
// only for new SKUs (UNCONFIRMED). SKUs left out are removed.
func (s *Server) itemEdit(param []byte) (any, *apiErr) {
	var p itemParam
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	it, e := s.item(p.KwaiItemID)
	if e != nil {
		return nil, e
	}
	skus, e := p.check()
	if e != nil {
		return nil, e
	}
	if have := s.byRelItemID(p.RelItemID); have != nil && have != it {
		return nil, errf(CodeConflict, "relItemId %s 已存在 (kwaiItemId %d)", p.RelItemID, have.ID)
	}
	for i, k := range skus {
		var old *sku
		for _, o := range it.SKUs {
			if (k.ID != 0 && o.ID == k.ID) || (k.ID == 0 && o.RelSKUID == k.RelSKUID) {
				old = o
			}
		}
		switch {
		case old != nil:
			k.ID, k.Stock = old.ID, old.Stock
		case k.ID != 0:
			return nil, invalid("skuList["+strconv.Itoa(i)+"].kwaiSkuId", "%d is not a SKU of item %d", k.ID, it.ID)
		default:
			k.ID = s.newID()
		}
	}
	it.Title, it.RelItemID, it.CategoryID, it.Images, it.Details, it.SKUs = p.Title, p.RelItemID, p.CategoryID, p.ImageURLs, p.Details, skus
	return map[string]any{"kwaiItemId": it.ID}, nil
}

func (s *Server) item(id int64) (*item, *apiErr) {
	if id == 0 {
		return nil, invalid("kwaiItemId", "required")
	}
	it := s.items[id]
	if it == nil {
		return nil, errf(CodeNotFound, "kwaiItemId %d: 商品不存在", id)
	}
	return it, nil
}

func (it *item) sku(id int64) *sku {
	for _, k := range it.SKUs {
		if k.ID == id {
			return k
		}
	}
	return nil
}

// view is an item as open.item.get and open.item.list.get answer it.
func (it *item) view() map[string]any {
	skus := []map[string]any{}
	for _, k := range it.SKUs {
		skus = append(skus, map[string]any{"kwaiSkuId": k.ID, "relSkuId": k.RelSKUID, "skuStock": k.Stock, "skuSalePrice": k.SalePrice,
			"skuMarketPrice": k.MarketPrice, "skuNick": k.Nick, "skuProps": k.Props})
	}
	return map[string]any{"kwaiItemId": it.ID, "relItemId": it.RelItemID, "title": it.Title, "categoryId": it.CategoryID,
		"shelfStatus": it.Shelf, "skuInfos": skus}
}

func (s *Server) itemGet(param []byte) (any, *apiErr) {
	var p struct {
		KwaiItemID int64 `json:"kwaiItemId"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	it, e := s.item(p.KwaiItemID)
	if e != nil {
		return nil, e
	}
	return it.view(), nil
}

// itemList pages the shop's items, optionally of one relItemId (the
// filter is UNCONFIRMED; the connector's MayExist lookup relies on it).
func (s *Server) itemList(param []byte) (any, *apiErr) {
	var p struct {
		KwaiItemID int64  `json:"kwaiItemId"`
		RelItemID  string `json:"relItemId"`
		PageNumber int    `json:"pageNumber"`
		PageSize   int    `json:"pageSize"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	p.PageNumber = max(p.PageNumber, 1)
	if p.PageSize == 0 {
		p.PageSize = 20
	}
	if p.PageSize < 1 || p.PageSize > 100 {
		return nil, invalid("pageSize", "%d is outside 1 to 100", p.PageSize)
	}
	var hits []map[string]any
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		if (p.RelItemID == "" || it.RelItemID == p.RelItemID) && (p.KwaiItemID == 0 || it.ID == p.KwaiItemID) {
			hits = append(hits, it.view())
		}
	}
	page := []map[string]any{}
	for i := (p.PageNumber - 1) * p.PageSize; i < len(hits) && i < p.PageNumber*p.PageSize; i++ {
		page = append(page, hits[i])
	}
	return map[string]any{"items": page, "totalCount": len(hits), "pageNumber": p.PageNumber, "pageSize": p.PageSize}, nil
}

// Stock change types (open.item.sku.stock.update changeType,
// autopass.edit skuStockChangeType).
const (
	stockAdd      = 1
	stockSubtract = 2
)

// change applies a stock delta; 0 < n < 9 999 999, never below 0.
func (k *sku) change(field string, kind, n int) *apiErr {
	switch {
	case kind != stockAdd && kind != stockSubtract:
		return invalid(field, "%d: 1 增加 or 2 减少 (setting stock is not allowed here)", kind)
	case n <= 0 || n > MaxStock:
		return invalid(field, "skuChangeStock %d is outside 1 to %d", n, MaxStock)
	case kind == stockSubtract && n > k.Stock:
		return errf(CodeConflict, "sku %d: 库存不足 (stock %d, subtract %d)", k.ID, k.Stock, n)
	case kind == stockAdd && k.Stock+n > MaxStock:
		return invalid(field, "stock would exceed %d", MaxStock)
	}
	if kind == stockAdd {
		k.Stock += n
	} else {
		k.Stock -= n
	}
	return nil
}

// stockUpdate: open.item.sku.stock.update, a delta on one SKU.
func (s *Server) stockUpdate(param []byte) (any, *apiErr) {
	var p struct {
		KwaiItemID     int64 `json:"kwaiItemId"`
		SKUID          int64 `json:"skuId"`
		SKUChangeStock int   `json:"skuChangeStock"`
		ChangeType     int   `json:"changeType"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	it, e := s.item(p.KwaiItemID)
	if e != nil {
		return nil, e
	}
	k := it.sku(p.SKUID)
	if k == nil {
		return nil, errf(CodeNotFound, "skuId %d: not a SKU of item %d", p.SKUID, it.ID)
	}
	if e := k.change("changeType", p.ChangeType, p.SKUChangeStock); e != nil {
		return nil, e
	}
	return map[string]any{"kwaiItemId": it.ID, "skuId": k.ID, "skuStock": k.Stock}, nil
}

// autopassEdit: open.item.autopass.edit, price and stock deltas without
// review. Every change is checked before any is made.
func (s *Server) autopassEdit(param []byte) (any, *apiErr) {
	var p struct {
		KwaiItemID int64 `json:"kwaiItemId"`
		SKUList    []struct {
			KwaiSKUID          int64 `json:"kwaiSkuId"`
			SKUSalePrice       int64 `json:"skuSalePrice"`
			SKUMarketPrice     int64 `json:"skuMarketPrice"`
			SKUChangeStock     int   `json:"skuChangeStock"`
			SKUStockChangeType int   `json:"skuStockChangeType"`
		} `json:"skuList"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	it, e := s.item(p.KwaiItemID)
	if e != nil {
		return nil, e
	}
	if len(p.SKUList) == 0 {
		return nil, invalid("skuList", "required")
	}
	staged := map[int64]sku{}
	for i, c := range p.SKUList {
		f := "skuList[" + strconv.Itoa(i) + "]."
		k := it.sku(c.KwaiSKUID)
		if k == nil {
			return nil, errf(CodeNotFound, "%skwaiSkuId %d: not a SKU of item %d", f, c.KwaiSKUID, it.ID)
		}
		n, ok := staged[k.ID]
		if !ok {
			n = *k
		}
		if c.SKUSalePrice != 0 {
			if c.SKUSalePrice < 0 || c.SKUSalePrice > MaxPriceFen {
				return nil, invalid(f+"skuSalePrice", "%d 分 is outside 1 to %d", c.SKUSalePrice, int64(MaxPriceFen))
			}
			n.SalePrice = c.SKUSalePrice
			if n.MarketPrice != 0 && (n.MarketPrice <= n.SalePrice || n.MarketPrice > 10*n.SalePrice) {
				n.MarketPrice = 0 // no longer a valid market price: dropped
			}
		}
		if c.SKUMarketPrice != 0 {
			n.MarketPrice = c.SKUMarketPrice
		}
		if c.SKUChangeStock != 0 || c.SKUStockChangeType != 0 {
			if e := n.change(f+"skuStockChangeType", c.SKUStockChangeType, c.SKUChangeStock); e != nil {
				return nil, e
			}
		}
		staged[k.ID] = n
	}
	for _, k := range it.SKUs {
		if n, ok := staged[k.ID]; ok {
			*k = n
		}
	}
	return map[string]any{"kwaiItemId": it.ID}, nil
}

// shelfUpdate: open.item.shelf.status.update.
func (s *Server) shelfUpdate(param []byte) (any, *apiErr) {
	var p struct {
		KwaiItemID  int64       `json:"kwaiItemId"`
		ShelfStatus json.Number `json:"shelfStatus"`
	}
	if e := decode(param, &p); e != nil {
		return nil, e
	}
	it, e := s.item(p.KwaiItemID)
	if e != nil {
		return nil, e
	}
	switch p.ShelfStatus {
	case "0":
		it.Shelf = 0
	case "1":
		it.Shelf = 1
	default:
		return nil, invalid("shelfStatus", "%q: 0 下架 or 1 上架", p.ShelfStatus)
	}
	return map[string]any{"kwaiItemId": it.ID, "shelfStatus": it.Shelf}, nil
}

// AdminItems implements kit.Shop.
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []kit.Item{}
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		v := kit.Item{ItemID: strconv.FormatInt(it.ID, 10), OuterID: it.RelItemID, Status: strconv.Itoa(it.Shelf), OnSale: it.Shelf == 1, SKUs: []kit.ItemSKU{}}
		for _, k := range it.SKUs {
			v.SKUs = append(v.SKUs, kit.ItemSKU{SKUID: strconv.FormatInt(k.ID, 10), OuterID: k.RelSKUID, PriceFen: k.SalePrice, Stock: k.Stock})
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) sortedItemIDs() []int64 { return kit.SortedKeys(s.items) }
