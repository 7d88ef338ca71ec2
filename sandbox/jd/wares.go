package jd

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Ware rules the sandbox keeps. UNCONFIRMED beyond jdPrice ≤ marketPrice
// (an integrator's error 11201056): JD documents no limits publicly.
const (
	MaxTitleRunes = 60
	MaxStock      = 9999999
	StatusOnSale  = 8 // wareStatus 上架
	StatusOff     = 2 // 自主下架
	skuOnSale     = 1 // searchSkuList status
	skuOff        = 2
)

type ware struct {
	ID          int64    `json:"wareId"`
	Title       string   `json:"title"`
	CategoryID  int64    `json:"categoryId"`
	OuterID     string   `json:"outerId"`
	ItemNum     string   `json:"itemNum"`
	Status      int      `json:"wareStatus"`
	MarketPrice int64    `json:"market_price_fen"`
	Intro       string   `json:"introduction"`
	Images      []string `json:"images"`
	SKUs        []*sku   `json:"skus"`
}

type sku struct {
	ID      int64    `json:"skuId"`
	OuterID string   `json:"outerId"`
	Price   int64    `json:"price_fen"`
	Stock   int      `json:"stockNum"`
	BarCode string   `json:"barCode"`
	Attrs   []string `json:"attrs"` // attrId:value, the SKU's sale attributes
}

type wareIn struct {
	WareID       num             `json:"wareId"`
	Title        string          `json:"title"`
	CategoryID   num             `json:"categoryId"`
	OuterID      string          `json:"outerId"`
	ItemNum      string          `json:"itemNum"`
	WareStatus   int             `json:"wareStatus"`
	JdPrice      json.RawMessage `json:"jdPrice"`
	MarketPrice  json.RawMessage `json:"marketPrice"`
	Introduction string          `json:"introduction"`
	Images       []struct {
		ImgURL string `json:"imgUrl"`
	} `json:"images"`
}

type skuIn struct {
	SkuID     num             `json:"skuId"`
	OuterID   string          `json:"outerId"`
	JdPrice   json.RawMessage `json:"jdPrice"`
	StockNum  int             `json:"stockNum"`
	BarCode   string          `json:"barCode"`
	SaleAttrs []struct {
		AttrID     string   `json:"attrId"`
		AttrValues []string `json:"attrValues"`
	} `json:"saleAttrs"`
}

// checkWare validates a ware and returns its market price in 分.
func checkWare(w wareIn) (int64, *apiErr) {
	if n := utf8.RuneCountInString(w.Title); n == 0 || n > MaxTitleRunes {
		return 0, badParam("ware.title", "%d characters; 1 to %d", n, MaxTitleRunes)
	}
	if w.CategoryID <= 0 {
		return 0, badParam("ware.categoryId", "required")
	}
	if w.OuterID == "" {
		return 0, badParam("ware.outerId", "required")
	}
	if _, err := fen(w.JdPrice); err != nil {
		return 0, badParam("ware.jdPrice", "%v", err)
	}
	market, err := fen(w.MarketPrice)
	if err != nil || market <= 0 {
		return 0, badParam("ware.marketPrice", "%v", err)
	}
	return market, nil
}

// buildSKUs validates a SKU set against the ware's market price; known
// SKUs (by skuId) keep their id, others get a new one.
func (s *Server) buildSKUs(in []skuIn, market int64, old map[int64]*sku) ([]*sku, *apiErr) {
	if len(in) == 0 {
		return nil, badParam("skus", "at least one SKU")
	}
	outer, combos := map[string]bool{}, map[string]bool{}
	var out []*sku
	for i, k := range in {
		f := "skus[" + strconv.Itoa(i) + "]."
		price, err := fen(k.JdPrice)
		switch {
		case k.OuterID == "":
			return nil, badParam(f+"outerId", "required")
		case outer[k.OuterID]:
			return nil, badParam(f+"outerId", "%q appears twice", k.OuterID)
		case err != nil || price <= 0:
			return nil, badParam(f+"jdPrice", "%v", err)
		case price > market:
			return nil, &apiErr{Code: CodeAboveMarket, Zh: fmt.Sprintf("京东价不能大于市场价: %s > %s", yuan(price), yuan(market)), En: "jdPrice above marketPrice"}
		case k.StockNum < 0 || k.StockNum > MaxStock:
			return nil, badParam(f+"stockNum", "%d is outside 0 to %d", k.StockNum, MaxStock)
		}
		var attrs []string
		for _, a := range k.SaleAttrs {
			if _, err := strconv.ParseInt(a.AttrID, 10, 64); err != nil || len(a.AttrValues) != 1 || a.AttrValues[0] == "" {
				return nil, badParam(f+"saleAttrs", "want a numeric attrId and one value")
			}
			attrs = append(attrs, a.AttrID+":"+a.AttrValues[0])
		}
		combo := strings.Join(attrs, ";")
		if len(in) > 1 && (combo == "" || combos[combo]) {
			return nil, badParam(f+"saleAttrs", "SKUs of a ware need distinct sale attributes")
		}
		outer[k.OuterID], combos[combo] = true, true
		nk := &sku{OuterID: k.OuterID, Price: price, Stock: k.StockNum, BarCode: k.BarCode, Attrs: attrs}
		if k.SkuID != 0 {
			if old[int64(k.SkuID)] == nil {
				return nil, notOwned("skuId", k.SkuID)
			}
			nk.ID = int64(k.SkuID)
		} else {
			nk.ID = s.newID()
		}
		out = append(out, nk)
	}
	return out, nil
}

func (w *ware) skuView(k *sku) map[string]any {
	st := skuOff
	if w.Status == StatusOnSale {
		st = skuOnSale
	}
	return map[string]any{"skuId": k.ID, "wareId": w.ID, "outerId": k.OuterID, "jdPrice": yuanNumber(k.Price), "stockNum": k.Stock,
		"barCode": k.BarCode, "status": st}
}

func (w *ware) skuViews() []map[string]any {
	out := []map[string]any{}
	for _, k := range w.SKUs {
		out = append(out, w.skuView(k))
	}
	return out
}

func (s *Server) wareAdd(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		Ware wareIn  `json:"ware"`
		Skus []skuIn `json:"skus"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	market, e := checkWare(in.Ware)
	if e != nil {
		return nil, e
	}
	skus, e := s.buildSKUs(in.Skus, market, nil)
	if e != nil {
		return nil, e
	}
	w := &ware{ID: s.newID(), Title: in.Ware.Title, CategoryID: int64(in.Ware.CategoryID), OuterID: in.Ware.OuterID, ItemNum: in.Ware.ItemNum,
		Status: StatusOff, MarketPrice: market, Intro: in.Ware.Introduction, SKUs: skus}
	if in.Ware.WareStatus == StatusOnSale {
		w.Status = StatusOnSale
	}
	for _, im := range in.Ware.Images {
		w.Images = append(w.Images, im.ImgURL)
	}
	s.wares[w.ID] = w
	return map[string]any{"ware": map[string]any{"wareId": w.ID, "outerId": w.OuterID, "itemNum": w.ItemNum, "wareStatus": w.Status,
		"skus": w.skuViews()}}, nil
}

func (s *Server) wareUpdate(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		Ware wareIn `json:"ware"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	w := s.wares[int64(in.Ware.WareID)]
	if w == nil {
		return nil, notOwned("wareId", in.Ware.WareID)
	}
	market, e := checkWare(in.Ware)
	if e != nil {
		return nil, e
	}
	w.Title, w.CategoryID, w.OuterID, w.ItemNum = in.Ware.Title, int64(in.Ware.CategoryID), in.Ware.OuterID, in.Ware.ItemNum
	w.MarketPrice, w.Intro, w.Images = market, in.Ware.Introduction, nil
	for _, im := range in.Ware.Images {
		w.Images = append(w.Images, im.ImgURL)
	}
	return map[string]any{"success": true, "modified": ymd(s.cfg.Now())}, nil
}

// updateSkus replaces the ware's SKU set: SKUs left out are removed
// (UNCONFIRMED: the connector sends the full set either way).
func (s *Server) updateSkus(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		WareID num     `json:"wareId"`
		Skus   []skuIn `json:"skus"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	w := s.wares[int64(in.WareID)]
	if w == nil {
		return nil, notOwned("wareId", in.WareID)
	}
	old := map[int64]*sku{}
	for _, k := range w.SKUs {
		old[k.ID] = k
	}
	skus, e := s.buildSKUs(in.Skus, w.MarketPrice, old)
	if e != nil {
		return nil, e
	}
	w.SKUs = skus
	return map[string]any{"skus": w.skuViews()}, nil
}

func (s *Server) upOrDown(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		WareID num    `json:"wareId"`
		OpType int    `json:"opType"` // 1 上架, 2 下架 (UNCONFIRMED, as the connector)
		Note   string `json:"note"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	w := s.wares[int64(in.WareID)]
	switch {
	case w == nil:
		return nil, notOwned("wareId", in.WareID)
	case in.OpType == 1:
		w.Status = StatusOnSale
	case in.OpType == 2:
		w.Status = StatusOff
	default:
		return nil, badParam("opType", "%d: 1 上架 or 2 下架", in.OpType)
	}
	return map[string]any{"success": true}, nil
}

// page cuts one page of a list (pageNo from 1, size ≤ max).
func page[T any](all []T, pageNo, size, maxSize int) ([]T, *apiErr) {
	if pageNo == 0 {
		pageNo = 1
	}
	if size == 0 {
		size = min(20, maxSize)
	}
	if pageNo < 1 || size < 1 || size > maxSize {
		return nil, badParam("pageSize", "page %d of size %d: pages from 1, sizes 1 to %d", pageNo, size, maxSize)
	}
	lo := min((pageNo-1)*size, len(all))
	return all[lo:min(lo+size, len(all))], nil
}

func (s *Server) searchWares(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		WareID   num    `json:"wareId"`
		ItemNum  string `json:"itemNum"`
		PageNo   int    `json:"pageNo"`
		PageSize int    `json:"pageSize"`
		Field    string `json:"field"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	var hits []map[string]any
	for _, id := range s.sortedWareIDs() {
		w := s.wares[id]
		if (in.WareID == 0 || int64(in.WareID) == id) && (in.ItemNum == "" || w.ItemNum == in.ItemNum) {
			hits = append(hits, map[string]any{"wareId": w.ID, "itemNum": w.ItemNum, "outerId": w.OuterID, "title": w.Title, "wareStatus": w.Status})
		}
	}
	data, e := page(hits, in.PageNo, in.PageSize, 50)
	if e != nil {
		return nil, e
	}
	return map[string]any{"page": map[string]any{"data": orEmpty(data), "totalItem": len(hits), "pageNo": max(in.PageNo, 1)}}, nil
}

func (s *Server) searchSkus(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		WareID   []num  `json:"wareId"`
		SkuID    []num  `json:"skuId"`
		OutID    string `json:"outId"`
		PageNo   int    `json:"pageNo"`
		PageSize int    `json:"page_size"`
		Field    string `json:"field"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	if len(in.WareID) == 0 && len(in.SkuID) == 0 && in.OutID == "" {
		return nil, badParam("wareId", "wareId, skuId or outId is required")
	}
	has := func(list []num, v int64) bool {
		for _, x := range list {
			if int64(x) == v {
				return true
			}
		}
		return len(list) == 0
	}
	var hits []map[string]any
	for _, id := range s.sortedWareIDs() {
		w := s.wares[id]
		for _, k := range w.SKUs {
			if has(in.WareID, w.ID) && has(in.SkuID, k.ID) && (in.OutID == "" || in.OutID == k.OuterID) {
				hits = append(hits, w.skuView(k))
			}
		}
	}
	data, e := page(hits, in.PageNo, in.PageSize, 100)
	if e != nil {
		return nil, e
	}
	return map[string]any{"page": map[string]any{"data": orEmpty(data), "totalItem": len(hits), "pageNo": max(in.PageNo, 1)}}, nil
}

func orEmpty(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}

func (s *Server) findSKU(id num) (*ware, *sku) {
	for _, w := range s.wares {
		for _, k := range w.SKUs {
			if k.ID == int64(id) {
				return w, k
			}
		}
	}
	return nil, nil
}

func (s *Server) updatePrice(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		SkuID   num             `json:"skuId"`
		JdPrice json.RawMessage `json:"jdPrice"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	_, k := s.findSKU(in.SkuID)
	if k == nil {
		return nil, notOwned("skuId", in.SkuID)
	}
	price, err := fen(in.JdPrice)
	if err != nil || price <= 0 {
		return nil, badParam("jdPrice", "%v", err)
	}
	k.Price = price
	return map[string]any{"success": true}, nil
}

// updateStock sets a SKU's stock (an absolute level).
func (s *Server) updateStock(p json.RawMessage) (map[string]any, *apiErr) {
	var in struct {
		SkuID    num  `json:"skuId"`
		StockNum *int `json:"stockNum"`
		StoreID  num  `json:"storeId"`
	}
	if e := decode(p, &in); e != nil {
		return nil, e
	}
	_, k := s.findSKU(in.SkuID)
	switch {
	case k == nil:
		return nil, notOwned("skuId", in.SkuID)
	case in.StockNum == nil || *in.StockNum < 0 || *in.StockNum > MaxStock:
		return nil, badParam("stockNum", "required, 0 to %d", MaxStock)
	}
	k.Stock = *in.StockNum
	return map[string]any{"success": true}, nil
}

func (s *Server) sortedWareIDs() []int64 { return kit.SortedKeys(s.wares) }

// AdminItems implements kit.Shop.
func (s *Server) AdminItems() []kit.Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []kit.Item{}
	for _, id := range s.sortedWareIDs() {
		w := s.wares[id]
		v := kit.Item{ItemID: strconv.FormatInt(w.ID, 10), OuterID: w.OuterID, Status: strconv.Itoa(w.Status), OnSale: w.Status == StatusOnSale, SKUs: []kit.ItemSKU{}}
		for _, k := range w.SKUs {
			v.SKUs = append(v.SKUs, kit.ItemSKU{SKUID: strconv.FormatInt(k.ID, 10), OuterID: k.OuterID, PriceFen: k.Price, Stock: k.Stock})
		}
		out = append(out, v)
	}
	return out
}
