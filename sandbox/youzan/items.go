package youzan

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Item limits the sandbox enforces.
const (
	MaxTitleRunes = 100
	MaxPriceFen   = 1e10
	MaxQuantity   = 9999999
)

type item struct {
	ID     int64  `json:"item_id"`
	ItemNo string `json:"item_no"`
	Title  string `json:"title"`
	Desc   string `json:"desc"`
	Listed bool   `json:"is_listing"`
	SKUs   []*sku `json:"skus"`
}

type sku struct {
	ID       int64  `json:"sku_id"`
	ItemNo   string `json:"item_no"`
	Price    int64  `json:"price"` // 分
	Quantity int    `json:"quantity"`
	Specs    []kv   `json:"skus"`
}

type kv struct {
	K string `json:"k"`
	V string `json:"v"`
}

// itemParams are item.create's and item.update's params.
type itemParams struct {
	ItemID    int64  `json:"item_id"`
	Title     string `json:"title"`
	Desc      string `json:"desc"`
	ItemNo    string `json:"item_no"`
	Price     int64  `json:"price"`
	Quantity  int    `json:"quantity"`
	IsDisplay *int   `json:"is_display"`
	ImageURLs string `json:"image_urls"`
	SKUStocks string `json:"sku_stocks"`
}

func (p itemParams) check() ([]*sku, *apiErr) {
	if n := utf8.RuneCountInString(p.Title); n == 0 || n > MaxTitleRunes {
		return nil, invalid("title", "%d characters; 1 to %d", n, MaxTitleRunes)
	}
	if p.Price <= 0 || p.Price > MaxPriceFen {
		return nil, invalid("price", "%d 分 is outside 1 to %d", p.Price, int64(MaxPriceFen))
	}
	var skus []*sku
	if p.SKUStocks == "" {
		return []*sku{{ItemNo: p.ItemNo, Price: p.Price, Quantity: p.Quantity}}, nil
	}
	if err := json.Unmarshal([]byte(p.SKUStocks), &skus); err != nil {
		return nil, invalid("sku_stocks", "not a JSON array of {price, quantity, item_no, skus}: %v", err)
	}
	seen := map[string]bool{}
	for i, k := range skus {
		field := "sku_stocks[" + strconv.Itoa(i) + "]."
		switch {
		case k == nil || k.ItemNo == "":
			return nil, invalid(field+"item_no", "required")
		case seen[k.ItemNo]:
			return nil, invalid(field+"item_no", "%q appears twice", k.ItemNo)
		case k.Price <= 0 || k.Price > MaxPriceFen:
			return nil, invalid(field+"price", "%d 分 is outside 1 to %d", k.Price, int64(MaxPriceFen))
		case k.Quantity < 0 || k.Quantity > MaxQuantity:
			return nil, invalid(field+"quantity", "%d is outside 0 to %d", k.Quantity, MaxQuantity)
		}
		seen[k.ItemNo] = true
	}
	return skus, nil
}

func (s *Server) itemCreate(body []byte) (any, *apiErr) {
	var p itemParams
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if p.ItemID != 0 {
		return nil, invalid("item_id", "not a parameter of item.create")
	}
	skus, e := p.check()
	if e != nil {
		return nil, e
	}
	it := &item{ID: s.newID(), ItemNo: p.ItemNo, Title: p.Title, Desc: p.Desc, Listed: p.IsDisplay == nil || *p.IsDisplay == 1}
	for _, k := range skus {
		k.ID = s.newID()
	}
	it.SKUs = skus
	s.items[it.ID] = it
	return map[string]any{"item": it}, nil
}

func (s *Server) itemUpdate(body []byte) (any, *apiErr) {
	var p itemParams
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	it := s.items[p.ItemID]
	if it == nil {
		return nil, errf(CodeNotFound, "item_id %d: 商品不存在", p.ItemID)
	}
	skus, e := p.check()
	if e != nil {
		return nil, e
	}
	old := map[string]*sku{}
	for _, k := range it.SKUs {
		old[k.ItemNo] = k
	}
	for _, k := range skus {
		if o := old[k.ItemNo]; o != nil {
			k.ID = o.ID
		} else {
			k.ID = s.newID()
		}
	}
	it.Title, it.Desc, it.ItemNo, it.SKUs = p.Title, p.Desc, p.ItemNo, skus
	if p.IsDisplay != nil {
		it.Listed = *p.IsDisplay == 1
	}
	return map[string]any{"item": it}, nil
}

func (s *Server) findSKU(itemID, skuID int64) (*item, *sku, *apiErr) {
	it := s.items[itemID]
	if it == nil {
		return nil, nil, errf(CodeNotFound, "item_id %d: 商品不存在", itemID)
	}
	if skuID == 0 {
		if len(it.SKUs) != 1 {
			return nil, nil, invalid("sku_id", "required for an item with %d SKUs", len(it.SKUs))
		}
		return it, it.SKUs[0], nil
	}
	for _, k := range it.SKUs {
		if k.ID == skuID {
			return it, k, nil
		}
	}
	return nil, nil, errf(CodeNotFound, "sku_id %d: 规格不存在", skuID)
}

func (s *Server) itemGet(body []byte) (any, *apiErr) {
	var p struct {
		ItemID int64 `json:"item_id"`
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	it := s.items[p.ItemID]
	if it == nil {
		return nil, errf(CodeNotFound, "item_id %d: 商品不存在", p.ItemID)
	}
	return map[string]any{"item": it}, nil
}

func (s *Server) quantityUpdate(body []byte) (any, *apiErr) {
	var p struct {
		ItemID   int64 `json:"item_id"`
		SKUID    int64 `json:"sku_id"`
		Quantity int   `json:"quantity"`
		Type     int   `json:"type"` // 0 全量, 1 增量
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	_, k, e := s.findSKU(p.ItemID, p.SKUID)
	if e != nil {
		return nil, e
	}
	q := p.Quantity
	switch p.Type {
	case 0:
	case 1:
		q += k.Quantity
	default:
		return nil, invalid("type", "%d: 0 全量 or 1 增量", p.Type)
	}
	if q < 0 || q > MaxQuantity {
		return nil, invalid("quantity", "%d is outside 0 to %d", q, MaxQuantity)
	}
	k.Quantity = q
	return map[string]any{"is_success": true}, nil
}

func (s *Server) priceUpdate(body []byte) (any, *apiErr) {
	var p struct {
		ItemID int64 `json:"item_id"`
		SKUID  int64 `json:"sku_id"`
		Price  int64 `json:"price"` // 分
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	_, k, e := s.findSKU(p.ItemID, p.SKUID)
	if e != nil {
		return nil, e
	}
	if p.Price <= 0 || p.Price > MaxPriceFen {
		return nil, invalid("price", "%d 分 is outside 1 to %d", p.Price, int64(MaxPriceFen))
	}
	k.Price = p.Price
	return map[string]any{"is_success": true}, nil
}

func (s *Server) setListed(body []byte, listed bool) (any, *apiErr) {
	var p struct {
		ItemID int64 `json:"item_id"`
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	it := s.items[p.ItemID]
	if it == nil {
		return nil, errf(CodeNotFound, "item_id %d: 商品不存在", p.ItemID)
	}
	it.Listed = listed
	return map[string]any{"is_success": true}, nil
}

// AdminItems implements kit.Shop.
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []kit.Item{}
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		status := "instock"
		if it.Listed {
			status = "onsale"
		}
		v := kit.Item{ItemID: strconv.FormatInt(it.ID, 10), OuterID: it.ItemNo, Status: status, OnSale: it.Listed, SKUs: []kit.ItemSKU{}}
		for _, k := range it.SKUs {
			v.SKUs = append(v.SKUs, kit.ItemSKU{SKUID: strconv.FormatInt(k.ID, 10), OuterID: k.ItemNo, PriceFen: k.Price, Stock: k.Quantity})
		}
		out = append(out, v)
	}
	return out
}

func (s *Server) sortedItemIDs() []int64 { return kit.SortedKeys(s.items) }

// itemsCustomGet serves youzan.items.custom.get 3.0.0: the items whose
// 商家编码 (item_no) is the one asked, as {items, count}. Like the
// platform's list model, an item comes without its SKUs (youzan.item.get
// reads them).
func (s *Server) itemsCustomGet(body []byte) (any, *apiErr) {
	var p struct {
		ItemNo string `json:"item_no"`
	}
	if e := decode(body, &p); e != nil {
		return nil, e
	}
	if p.ItemNo == "" {
		return nil, invalid("item_no", "required")
	}
	items := []map[string]any{}
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		if it.ItemNo != p.ItemNo {
			continue
		}
		var price int64
		qty := 0
		for _, k := range it.SKUs {
			if price == 0 || k.Price < price {
				price = k.Price
			}
			qty += k.Quantity
		}
		items = append(items, map[string]any{"item_id": it.ID, "item_no": it.ItemNo, "title": it.Title, "price": price,
			"quantity": qty, "is_listing": it.Listed, "item_type": 0})
	}
	return map[string]any{"items": items, "count": len(items)}, nil
}
