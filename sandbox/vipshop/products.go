package vipshop

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// Audit and shelf statuses.
const (
	auditDraft    = "11"
	auditPending  = "12"
	auditApproved = "13"
	auditRejected = "14"
	shelfOn       = "1"
	shelfOff      = "0"
)

// rejectReasons are the reasons a random rejection gives.
var rejectReasons = []string{"主图不符合规范：含水印", "标题含违禁词", "类目与商品不符", "品牌授权资料缺失"}

// product is one SPU as the sandbox keeps it.
type product struct {
	SPUID        string    `json:"spu_id"`
	OuterSPUID   string    `json:"outer_spu_id"`
	Title        string    `json:"title"`
	CategoryID   int       `json:"third_category_id"`
	BrandID      int       `json:"brand_id"`
	Images       []image   `json:"images"`
	Audit        string    `json:"audit_status"`
	Shelf        string    `json:"shelf_status"`
	Remark       string    `json:"audit_remark,omitempty"`
	SubmittedAt  time.Time `json:"submitted_at,omitempty"`
	EverApproved bool      `json:"ever_approved"`
	SKUs         []*sku    `json:"skus"`
}

type image struct {
	URL   string `json:"url"`
	Index int    `json:"index"`
}

type prop struct {
	PID   int    `json:"pid"`
	VID   int    `json:"vid,omitempty"`
	Alias string `json:"alias,omitempty"`
}

type sku struct {
	SKUID      string `json:"sku_id"`
	OuterSKUID string `json:"outer_sku_id"`
	MarketFen  int64  `json:"market_fen"`
	SaleFen    int64  `json:"sale_fen"`
	Stock      int    `json:"leaving_stock"` // what buyers may still buy
	CartHold   int    `json:"cart_hold"`
	Props      []prop `json:"props"`
}

// skuItem is AddSkuItem as it arrives: money raw, to be read exactly.
type skuItem struct {
	OuterSKUID  string          `json:"outer_sku_id"`
	MarketPrice json.RawMessage `json:"market_price"`
	SellPrice   json.RawMessage `json:"sell_price"`
	Props       []prop          `json:"simple_sale_props"`
}

// advance ends a review whose delay has passed: approved, or rejected
// (RejectNext's reason first, then at RejectRate).
func (s *Server) advance(p *product) {
	if p.Audit != auditPending || s.cfg.Now().Before(p.SubmittedAt.Add(s.reviewDelay)) {
		return
	}
	if reason, ok := s.rejects[p.OuterSPUID]; ok {
		delete(s.rejects, p.OuterSPUID)
		p.Audit, p.Remark = auditRejected, reason
		return
	}
	if s.rejectRate > 0 && s.rnd.Float64() < s.rejectRate {
		p.Audit, p.Remark = auditRejected, rejectReasons[s.rnd.Intn(len(rejectReasons))]
		return
	}
	p.Audit, p.Remark, p.EverApproved = auditApproved, "", true
}

// skus reads and checks a list of AddSkuItem; taken holds outer ids in use.
func (s *Server) skus(items []skuItem, taken map[string]bool) ([]*sku, *apiErr) {
	if len(items) == 0 {
		return nil, errf(CodeMissParam, "missing argument skus")
	}
	var out []*sku
	for i, k := range items {
		f := "skus[" + strconv.Itoa(i) + "]."
		if k.OuterSKUID == "" {
			return nil, errf(CodeMissParam, "missing argument %souter_sku_id", f)
		}
		if taken[k.OuterSKUID] {
			return nil, errf(CodeStateConflict, "outer_sku_id %s is already used in the shop", k.OuterSKUID)
		}
		market, _, e := fen(f+"market_price", k.MarketPrice, true)
		if e != nil {
			return nil, e
		}
		sale, _, e := fen(f+"sell_price", k.SellPrice, true)
		if e != nil {
			return nil, e
		}
		if sale <= 0 || sale > market {
			return nil, badParam(f+"sell_price", "%s must be above 0 and at most market_price %s", yuanString(sale), yuanString(market))
		}
		for j, p := range k.Props {
			if p.PID <= 0 || (p.VID <= 0 && p.Alias == "") {
				return nil, badParam(f+"simple_sale_props["+strconv.Itoa(j)+"]", "needs a pid and a vid or alias")
			}
		}
		taken[k.OuterSKUID] = true
		out = append(out, &sku{SKUID: s.newID(6, 1e10), OuterSKUID: k.OuterSKUID, MarketFen: market, SaleFen: sale, Props: k.Props})
	}
	return out, nil
}

func (s *Server) outerSKUs() map[string]bool {
	taken := map[string]bool{}
	for _, p := range s.products {
		for _, k := range p.SKUs {
			taken[k.OuterSKUID] = true
		}
	}
	return taken
}

func checkImages(imgs []image) *apiErr {
	for _, im := range imgs {
		if im.Index == 1 && im.URL != "" {
			return nil
		}
	}
	return errf(CodeMissParam, "missing argument images: the image of index 1 is required")
}

func successSKUs(ks []*sku) []map[string]any {
	out := []map[string]any{}
	for _, k := range ks {
		out = append(out, map[string]any{"sku_id": k.SKUID, "outer_sku_id": k.OuterSKUID, "simple_sale_props": k.Props})
	}
	return out
}

func (s *Server) addProduct(body []byte) (any, *apiErr) {
	var in struct {
		Request *struct {
			OuterSPUID string    `json:"outer_spu_id"`
			Title      string    `json:"title"`
			CategoryID int       `json:"third_category_id"`
			BrandID    int       `json:"brand_id"`
			Images     []image   `json:"images"`
			SKUs       []skuItem `json:"skus"`
		} `json:"request"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	r := in.Request
	switch {
	case r == nil:
		return nil, errf(CodeMissParam, "missing argument request")
	case r.OuterSPUID == "" || r.Title == "":
		return nil, errf(CodeMissParam, "missing argument outer_spu_id or title")
	case r.CategoryID <= 0 || r.BrandID <= 0:
		return nil, badParam("third_category_id", "third_category_id and brand_id must be the platform's ids")
	case s.byOuter(r.OuterSPUID) != nil:
		return nil, errf(CodeStateConflict, "outer_spu_id %s already exists (不可重复)", r.OuterSPUID)
	}
	if e := checkImages(r.Images); e != nil {
		return nil, e
	}
	ks, e := s.skus(r.SKUs, s.outerSKUs())
	if e != nil {
		return nil, e
	}
	p := &product{SPUID: s.newID(5, 1e10), OuterSPUID: r.OuterSPUID, Title: r.Title, CategoryID: r.CategoryID, BrandID: r.BrandID,
		Images: r.Images, Audit: auditDraft, Shelf: shelfOff, SKUs: ks}
	s.products[p.SPUID] = p
	return map[string]any{"spu_id": p.SPUID, "success_skus": successSKUs(ks)}, nil
}

func (s *Server) byOuter(outer string) *product {
	for _, p := range s.products {
		if p.OuterSPUID == outer {
			return p
		}
	}
	return nil
}

func (s *Server) product(spuID string) (*product, *apiErr) {
	if spuID == "" {
		return nil, errf(CodeMissParam, "missing argument spu_id")
	}
	p := s.products[spuID]
	if p == nil {
		return nil, errf(CodeNotFound, "product %s does not exist", spuID)
	}
	s.advance(p)
	return p, nil
}

// editProduct changes content; the product becomes a draft to submit. Its
// shelf state and approved copy stay.
func (s *Server) editProduct(body []byte) (any, *apiErr) {
	var in struct {
		Request *struct {
			SPUID  string  `json:"spuid"`
			Title  string  `json:"title"`
			Images []image `json:"images"`
		} `json:"request"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Request == nil {
		return nil, errf(CodeMissParam, "missing argument request")
	}
	p, e := s.product(in.Request.SPUID)
	if e != nil {
		return nil, e
	}
	if in.Request.Title != "" {
		p.Title = in.Request.Title
	}
	if len(in.Request.Images) > 0 {
		if e := checkImages(in.Request.Images); e != nil {
			return nil, e
		}
		p.Images = in.Request.Images
	}
	p.Audit, p.Remark = auditDraft, ""
	return map[string]any{"spu_id": p.SPUID}, nil
}

func (s *Server) appendSkus(body []byte) (any, *apiErr) {
	var in struct {
		Request *struct {
			SPUID string    `json:"spu_id"`
			SKUs  []skuItem `json:"skus"`
		} `json:"request"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Request == nil {
		return nil, errf(CodeMissParam, "missing argument request")
	}
	p, e := s.product(in.Request.SPUID)
	if e != nil {
		return nil, e
	}
	ks, e := s.skus(in.Request.SKUs, s.outerSKUs())
	if e != nil {
		return nil, e
	}
	p.SKUs = append(p.SKUs, ks...)
	p.Audit, p.Remark = auditDraft, ""
	return map[string]any{"success_skus": successSKUs(ks)}, nil
}

func (s *Server) getProductByID(body []byte) (any, *apiErr) {
	var in struct {
		SPUID string `json:"spu_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(in.SPUID)
	if e != nil {
		return nil, e
	}
	skus := []map[string]any{}
	for _, k := range p.SKUs {
		props := map[string]string{}
		for _, pr := range k.Props {
			props[strconv.Itoa(pr.PID)] = pr.Alias
		}
		skus = append(skus, map[string]any{"sku_id": k.SKUID, "outer_sku_id": k.OuterSKUID, "sale_props": props, "spu_id": p.SPUID})
	}
	return map[string]any{"spu_id": p.SPUID, "outer_spu_id": p.OuterSPUID, "title": p.Title, "images": p.Images, "brand_id": p.BrandID,
		"third_category_id": p.CategoryID, "audit_status": p.Audit, "skus": skus}, nil
}

// getProducts filters by spu_id, outer_spu_id, shelf_status, audit_status;
// limit ≤ 200 (default 50), page 1-based.
func (s *Server) getProducts(body []byte) (any, *apiErr) {
	var in struct {
		Request *struct {
			SPUID       string `json:"spu_id"`
			OuterSPUID  string `json:"outer_spu_id"`
			ShelfStatus string `json:"shelf_status"`
			AuditStatus string `json:"audit_status"`
			Limit       int    `json:"limit"`
			Page        int    `json:"page"`
		} `json:"request"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	r := in.Request
	if r == nil {
		return nil, errf(CodeMissParam, "missing argument request")
	}
	limit, page, e := paging(r.Limit, r.Page)
	if e != nil {
		return nil, e
	}
	var match []*product
	for _, id := range s.sortedProductIDs() {
		p := s.products[id]
		s.advance(p)
		if (r.SPUID == "" || p.SPUID == r.SPUID) && (r.OuterSPUID == "" || p.OuterSPUID == r.OuterSPUID) &&
			(r.ShelfStatus == "" || p.Shelf == r.ShelfStatus) && (r.AuditStatus == "" || p.Audit == r.AuditStatus) {
			match = append(match, p)
		}
	}
	out := []map[string]any{}
	for i := (page - 1) * limit; i < len(match) && i < page*limit; i++ {
		p := match[i]
		ids := []string{}
		for _, k := range p.SKUs {
			ids = append(ids, k.SKUID)
		}
		v := map[string]any{"spu_id": p.SPUID, "outer_spu_id": p.OuterSPUID, "title": p.Title, "brand_id": strconv.Itoa(p.BrandID),
			"shelf_status": p.Shelf, "audit_status": p.Audit, "image_url": firstImage(p), "sku_ids": ids}
		if p.Audit == auditRejected {
			v["audit_remark"] = p.Remark // UNCONFIRMED field, as the connector reads it
		}
		out = append(out, v)
	}
	return map[string]any{"products": out, "has_next": page*limit < len(match)}, nil
}

func firstImage(p *product) string {
	for _, im := range p.Images {
		if im.Index == 1 {
			return im.URL
		}
	}
	return ""
}

// paging checks limit (1–200, 0 = 50) and page (≥ 1, 0 = 1).
func paging(limit, page int) (int, int, *apiErr) {
	switch {
	case limit == 0:
		limit = 50
	case limit < 0 || limit > 200:
		return 0, 0, badParam("limit", "must be 1 to 200, got %d", limit)
	}
	switch {
	case page == 0:
		page = 1
	case page < 0:
		return 0, 0, badParam("page", "pages count from 1, got %d", page)
	}
	return limit, page, nil
}

// submitProducts sends drafts and rejected products to review; a product
// already in review or approved is left as it is.
func (s *Server) submitProducts(body []byte) (any, *apiErr) {
	var in struct {
		SPUIDs []string `json:"spu_ids"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if len(in.SPUIDs) == 0 {
		return nil, errf(CodeMissParam, "missing argument spu_ids")
	}
	for _, id := range in.SPUIDs {
		p, e := s.product(id)
		if e != nil {
			return nil, e
		}
		if p.Audit == auditDraft || p.Audit == auditRejected {
			p.Audit, p.Remark, p.SubmittedAt = auditPending, "", s.cfg.Now()
		}
	}
	return map[string]any{"success_spu_ids": in.SPUIDs}, nil
}

// setShelf serves onShelf (the product must have passed a review) and
// offShelf; the state a product is already in is accepted.
func (s *Server) setShelf(body []byte, on bool) (any, *apiErr) {
	arg := "offShelfProduct"
	if on {
		arg = "onShelfProduct"
	}
	var in map[string]*struct {
		SPUIDs []string `json:"spu_ids"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in[arg] == nil || len(in[arg].SPUIDs) == 0 {
		return nil, errf(CodeMissParam, "missing argument %s.spu_ids", arg)
	}
	for _, id := range in[arg].SPUIDs {
		p, e := s.product(id)
		if e != nil {
			return nil, e
		}
		if on && !p.EverApproved {
			return nil, errf(CodeStateConflict, "product %s has not passed review (audit_status %s)", id, p.Audit)
		}
	}
	for _, id := range in[arg].SPUIDs {
		p := s.products[id]
		p.Shelf = shelfOff
		if on {
			p.Shelf = shelfOn
		}
	}
	return map[string]any{"success_spu_ids": in[arg].SPUIDs}, nil
}

func (s *Server) skuByID(id string) (*product, *sku, *apiErr) {
	if id == "" {
		return nil, nil, errf(CodeMissParam, "missing argument sku_id")
	}
	for _, p := range s.products {
		for _, k := range p.SKUs {
			if k.SKUID == id {
				return p, k, nil
			}
		}
	}
	return nil, nil, errf(CodeNotFound, "sku %s does not exist", id)
}

// updateSkuPrice takes sku_id, market_price (optional: kept, and raised to
// a sale price above it) and sale_price at the top level.
func (s *Server) updateSkuPrice(body []byte) (any, *apiErr) {
	var in struct {
		SKUID       string          `json:"sku_id"`
		MarketPrice json.RawMessage `json:"market_price"`
		SalePrice   json.RawMessage `json:"sale_price"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	_, k, e := s.skuByID(in.SKUID)
	if e != nil {
		return nil, e
	}
	sale, _, e := fen("sale_price", in.SalePrice, true)
	if e != nil {
		return nil, e
	}
	market, hasMarket, e := fen("market_price", in.MarketPrice, false)
	if e != nil {
		return nil, e
	}
	if sale <= 0 {
		return nil, badParam("sale_price", "must be above 0")
	}
	if hasMarket {
		if sale > market {
			return nil, badParam("sale_price", "%s is above market_price %s", yuanString(sale), yuanString(market))
		}
		k.MarketFen = market
	}
	k.SaleFen, k.MarketFen = sale, max(k.MarketFen, sale)
	return map[string]any{"success": true}, nil
}

// updateSkuStock sets the absolute level; carts hold part of it. A level
// below the holds leaves nothing to sell and reports the difference as
// over_sell_quantity (success stays true: a partial success).
func (s *Server) updateSkuStock(body []byte) (any, *apiErr) {
	var in struct {
		Req *struct {
			SKUID     string       `json:"sku_id"`
			Quantity  *json.Number `json:"quantity"`
			Warehouse string       `json:"warehouse"`
		} `json:"updateSkuStockRequest"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Req == nil || in.Req.Quantity == nil {
		return nil, errf(CodeMissParam, "missing argument updateSkuStockRequest.quantity")
	}
	q, err := strconv.Atoi(in.Req.Quantity.String())
	if err != nil || q < 0 {
		return nil, badParam("quantity", "%s is not a stock level", in.Req.Quantity.String())
	}
	_, k, e := s.skuByID(in.Req.SKUID)
	if e != nil {
		return nil, e
	}
	k.Stock = max(0, q-k.CartHold)
	return map[string]any{"success": true, "over_sell_quantity": max(0, k.CartHold-q)}, nil
}

func (s *Server) getSkuStock(body []byte) (any, *apiErr) {
	var in struct {
		Req *struct {
			SKUID string `json:"sku_id"`
		} `json:"getSkuStockRequest"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Req == nil {
		return nil, errf(CodeMissParam, "missing argument getSkuStockRequest")
	}
	_, k, e := s.skuByID(in.Req.SKUID)
	if e != nil {
		return nil, e
	}
	held := 0
	for _, o := range s.orders {
		for _, l := range o.Lines {
			if l.SKUID == k.SKUID && o.Status == statusToShip {
				held += l.Num
			}
		}
	}
	return map[string]any{"sku_stocks": []map[string]any{{"sku_id": k.SKUID, "leaving_stock": k.Stock, "cart_hold": k.CartHold,
		"order_hold": held, "warehouse": ""}}}, nil
}

func (s *Server) sortedProductIDs() []string { return kit.SortedKeys(s.products) }
