package wechat

import (
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// product is one product: its draft, its online copy (nil until a review
// passed) and the stock of every SKU, which both copies share.
type product struct {
	ID           string         `json:"product_id"`
	OutProductID string         `json:"out_product_id"`
	Status       int            `json:"status"` // online: 0 初始, 5 上架, 11 自主下架
	EditStatus   int            `json:"edit_status"`
	RejectReason string         `json:"reject_reason,omitempty"`
	ReviewGets   int            `json:"review_gets"` // product/get calls seen in this review
	Draft        content        `json:"draft"`
	Online       *content       `json:"online,omitempty"`
	Stock        map[string]int `json:"stock"` // sku_id → stock
	EverListed   bool           `json:"ever_listed"`
	ListOnPass   bool           `json:"list_on_pass"`
}

type content struct {
	Title    string   `json:"title"`
	HeadImgs []string `json:"head_imgs"`
	SKUs     []*sku   `json:"skus"`
}

type sku struct {
	SKUID     string `json:"sku_id"`
	OutSKUID  string `json:"out_sku_id"`
	SalePrice int64  `json:"sale_price"`
	Attrs     []attr `json:"sku_attrs"`
}

type attr struct {
	AttrKey   string `json:"attr_key"`
	AttrValue string `json:"attr_value"`
}

const (
	editInReview = 2
	editRejected = 3
	editApproved = 4
	statusListed = 5
	statusOff    = 11
)

type productBody struct {
	ProductID    string   `json:"product_id"`
	OutProductID string   `json:"out_product_id"`
	Title        string   `json:"title"`
	HeadImgs     []string `json:"head_imgs"`
	SKUs         []struct {
		SKUID     string `json:"sku_id"`
		OutSKUID  string `json:"out_sku_id"`
		SalePrice int64  `json:"sale_price"`
		StockNum  int    `json:"stock_num"`
		SKUAttrs  []attr `json:"sku_attrs"`
	} `json:"skus"`
	Listing int `json:"listing"`
}

func (s *Server) checkBody(b productBody) *apiErr {
	n := 0
	for _, r := range b.Title {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	switch {
	case n < 5 || utf8.RuneCountInString(b.Title) > 60:
		return invalidArg("title", "needs at least 5 effective characters and at most 60")
	case len(b.HeadImgs) < 3 || len(b.HeadImgs) > 9:
		return invalidArg("head_imgs", "takes 3 to 9 images, got %d", len(b.HeadImgs))
	case len(b.SKUs) == 0:
		return invalidArg("skus", "at least one SKU")
	}
	for i, k := range b.SKUs {
		if k.SalePrice <= 0 || k.SalePrice > 1000000000 {
			return invalidArg("skus["+itoa(i)+"].sale_price", "%d 分 is outside 1 to 1000000000", k.SalePrice)
		}
		if k.StockNum < 0 {
			return invalidArg("skus["+itoa(i)+"].stock_num", "negative")
		}
	}
	return nil
}

// write puts a body into p's draft and sends it to review. SKUs keep their
// ids by sku_id, else by out_sku_id; new SKUs get ids. stock_num sets the
// stock of every SKU in the body (stock is not reviewed).
func (s *Server) write(p *product, b productBody) {
	old := map[string]*sku{}
	for _, c := range []*content{&p.Draft, p.Online} {
		if c == nil {
			continue
		}
		for _, k := range c.SKUs {
			old[k.SKUID], old["out:"+k.OutSKUID] = k, k
		}
	}
	d := content{Title: b.Title, HeadImgs: b.HeadImgs}
	for _, k := range b.SKUs {
		prev := old[k.SKUID]
		if k.SKUID == "" || prev == nil {
			prev = old["out:"+k.OutSKUID]
		}
		id := ""
		if prev != nil {
			id = prev.SKUID
		} else {
			id = s.newID(1, 1e9)
		}
		p.Stock[id] = k.StockNum
		d.SKUs = append(d.SKUs, &sku{SKUID: id, OutSKUID: k.OutSKUID, SalePrice: k.SalePrice, Attrs: k.SKUAttrs})
	}
	p.Draft, p.EditStatus, p.ReviewGets, p.RejectReason = d, editInReview, 0, ""
	if b.Listing == 1 {
		p.ListOnPass = true
	}
}

func (s *Server) productAdd(body []byte) (map[string]any, *apiErr) {
	var b productBody
	if e := decode(body, &b); e != nil {
		return nil, e
	}
	if e := s.checkBody(b); e != nil {
		return nil, e
	}
	p := &product{ID: s.newID(1, 1e13), OutProductID: b.OutProductID, Stock: map[string]int{}, ListOnPass: true}
	s.write(p, b)
	s.products[p.ID] = p
	return map[string]any{"data": map[string]any{"product_id": p.ID, "create_time": s.cfg.Now().In(gmt8).Format("2006-01-02 15:04:05")}}, nil
}

func (s *Server) productUpdate(body []byte) (map[string]any, *apiErr) {
	var b productBody
	if e := decode(body, &b); e != nil {
		return nil, e
	}
	p, e := s.product(b.ProductID)
	if e != nil {
		return nil, e
	}
	if e := s.checkBody(b); e != nil {
		return nil, e
	}
	s.write(p, b)
	return map[string]any{"data": map[string]any{"product_id": p.ID, "update_time": s.cfg.Now().In(gmt8).Format("2006-01-02 15:04:05")}}, nil
}

func (s *Server) product(id string) (*product, *apiErr) {
	if id == "" {
		return nil, invalidArg("product_id", "required")
	}
	p := s.products[id]
	if p == nil {
		return nil, errf(CodeNotFound, "product %s not found", id)
	}
	return p, nil
}

// review moves a draft in review on by one product/get.
func (s *Server) review(p *product) {
	if p.EditStatus != editInReview {
		return
	}
	p.ReviewGets++
	if p.ReviewGets < s.reviewGets {
		return
	}
	if reason, ok := s.rejects[p.OutProductID]; ok {
		delete(s.rejects, p.OutProductID)
		p.EditStatus, p.RejectReason = editRejected, reason
		return
	}
	d := p.Draft
	p.Online, p.EditStatus = &d, editApproved
	if p.ListOnPass {
		p.Status, p.EverListed, p.ListOnPass = statusListed, true, false
	}
}

func (s *Server) view(p *product, c content, draft bool) map[string]any {
	skus := []map[string]any{}
	for _, k := range c.SKUs {
		attrs := k.Attrs
		if attrs == nil {
			attrs = []attr{}
		}
		skus = append(skus, map[string]any{"sku_id": k.SKUID, "out_sku_id": k.OutSKUID, "sale_price": k.SalePrice,
			"stock_num": p.Stock[k.SKUID], "sku_attrs": attrs})
	}
	v := map[string]any{"product_id": p.ID, "out_product_id": p.OutProductID, "title": c.Title, "head_imgs": c.HeadImgs, "skus": skus}
	if draft {
		v["edit_status"] = p.EditStatus
		if p.EditStatus == editRejected {
			v["audit_info"] = map[string]any{"reject_reason": p.RejectReason}
		}
	} else {
		v["status"] = p.Status
	}
	return v
}

func (s *Server) productGet(body []byte) (map[string]any, *apiErr) {
	var in struct {
		ProductID string `json:"product_id"`
		DataType  int    `json:"data_type"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(in.ProductID)
	if e != nil {
		return nil, e
	}
	s.review(p)
	out := map[string]any{}
	if (in.DataType == 0 || in.DataType == 1 || in.DataType == 3) && p.Online != nil {
		out["product"] = s.view(p, *p.Online, false)
	}
	if in.DataType == 2 || in.DataType == 3 {
		out["edit_product"] = s.view(p, p.Draft, true)
	}
	return out, nil
}

func (s *Server) productListing(body []byte) (map[string]any, *apiErr) {
	var in struct {
		ProductID string `json:"product_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(in.ProductID)
	if e != nil {
		return nil, e
	}
	switch {
	case p.Online != nil:
		p.Status, p.EverListed = statusListed, true
	case p.EditStatus == editInReview:
		p.ListOnPass = true // listed when the review passes
	default:
		return nil, errf(10020067, "product %s has no approved content to list", p.ID)
	}
	return nil, nil
}

func (s *Server) productDelisting(body []byte) (map[string]any, *apiErr) {
	var in struct {
		ProductID string `json:"product_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(in.ProductID)
	if e != nil {
		return nil, e
	}
	switch {
	case p.EditStatus == editInReview:
		return nil, errf(CodeDelistInAudit, "product %s is in audit: cancel the audit first", p.ID)
	case p.Status != statusListed:
		return nil, errf(CodeNotListed, "product %s is not listed", p.ID)
	}
	p.Status = statusOff
	return nil, nil
}

func (s *Server) stockUpdate(body []byte) (map[string]any, *apiErr) {
	var in struct {
		ProductID string `json:"product_id"`
		SKUID     string `json:"sku_id"`
		DiffType  int    `json:"diff_type"`
		Num       int    `json:"num"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(in.ProductID)
	if e != nil {
		return nil, e
	}
	cur, ok := p.Stock[in.SKUID]
	switch {
	case !ok:
		return nil, errf(CodeNotFound, "sku %s not found", in.SKUID)
	case !p.EverListed:
		return nil, errf(CodeNeverListed, "product %s was never listed", p.ID)
	case p.EditStatus == editInReview:
		return nil, errf(CodeStockInAudit, "product %s is in audit", p.ID)
	case in.Num < 0:
		return nil, invalidArg("num", "negative")
	case in.Num == 0 && in.DiffType != 3:
		return nil, errf(CodeStockZeroDelta, "num must not be 0")
	}
	switch in.DiffType {
	case 1:
		cur += in.Num
	case 2:
		if in.Num > cur {
			return nil, errf(CodeStockShort, "stock %d is less than %d", cur, in.Num)
		}
		cur -= in.Num
	case 3:
		cur = in.Num
	default:
		return nil, invalidArg("diff_type", "must be 1, 2 or 3, got %d", in.DiffType)
	}
	p.Stock[in.SKUID] = cur
	return nil, nil
}

// auditFree changes the price of SKUs of a listed product without review.
func (s *Server) auditFree(body []byte) (map[string]any, *apiErr) {
	var in struct {
		ProductID string `json:"product_id"`
		SKUs      []struct {
			SKUID     string `json:"sku_id"`
			SalePrice int64  `json:"sale_price"`
		} `json:"skus"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(in.ProductID)
	if e != nil {
		return nil, e
	}
	if p.Online == nil || !p.EverListed {
		return nil, errf(CodeNeverListed, "product %s was never listed", p.ID)
	}
	if p.EditStatus == editInReview {
		return nil, errf(CodeStockInAudit, "product %s is in audit", p.ID)
	}
	for i, k := range in.SKUs {
		if k.SalePrice <= 0 || k.SalePrice > 1000000000 {
			return nil, invalidArg("skus["+itoa(i)+"].sale_price", "%d 分 is outside 1 to 1000000000", k.SalePrice)
		}
		found := false
		for _, c := range []*content{p.Online, &p.Draft} {
			for _, x := range c.SKUs {
				if x.SKUID == k.SKUID {
					x.SalePrice, found = k.SalePrice, true
				}
			}
		}
		if !found {
			return nil, errf(CodeNotFound, "sku %s not found", k.SKUID)
		}
	}
	return nil, nil
}

func (s *Server) sortedProductIDs() []string {
	ids := make([]string, 0, len(s.products))
	for id := range s.products {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// productList pages through product ids (newest last), page_size ≤ 30.
func (s *Server) productList(body []byte) (map[string]any, *apiErr) {
	var in struct {
		Status   int    `json:"status"`
		PageSize int    `json:"page_size"`
		NextKey  string `json:"next_key"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.PageSize < 1 || in.PageSize > 30 {
		return nil, invalidArg("page_size", "must be 1 to 30, got %d", in.PageSize)
	}
	var ids []string
	for _, id := range s.sortedProductIDs() {
		if in.Status == 0 || s.products[id].Status == in.Status {
			ids = append(ids, id)
		}
	}
	from := 0
	if in.NextKey != "" {
		n, err := strconv.Atoi(in.NextKey)
		if err != nil || n < 0 {
			return nil, invalidArg("next_key", "not a key this API returned")
		}
		from = min(n, len(ids))
	}
	page := []string{}
	for i := from; i < len(ids) && i < from+in.PageSize; i++ {
		page = append(page, ids[i])
	}
	return map[string]any{"product_ids": page, "next_key": strconv.Itoa(from + len(page)), "total_num": len(ids)}, nil
}
