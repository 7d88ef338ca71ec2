package wechat

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// product is one product: its draft, its online copy (nil until a review
// passed) and the stock of every SKU, which both copies share.
type product struct {
	ID           string         `json:"product_id"`
	OutProductID string         `json:"out_product_id"`
	Status       int            `json:"status"` // online: 0 初始, 5 上架, 11 自主下架
	EditStatus   int            `json:"edit_status"`
	RejectReason string         `json:"reject_reason,omitempty"`
	ReviewGets   int            `json:"review_gets"`  // product/get calls seen in this review
	SubmittedAt  time.Time      `json:"submitted_at"` // of the draft in review (zero in older state files: long ago)
	AuditedAt    time.Time      `json:"audited_at"`
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
	p.Draft, p.EditStatus, p.ReviewGets, p.RejectReason, p.SubmittedAt = d, editInReview, 0, "", s.cfg.Now()
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

// RejectReasons are the reasons a review drawn at Config.RejectRate fails
// with, as the platform words them.
var RejectReasons = []string{"商品主图不清晰", "类目与商品不符", "商品标题含有违规词", "商品详情图与商品不一致", "缺少品牌授权资质"}

// review moves a draft in review on by one product/get: it ends once the
// gets and the delay (since submission) are both behind it.
func (s *Server) review(p *product) {
	if p.EditStatus != editInReview {
		return
	}
	p.ReviewGets++
	now := s.cfg.Now()
	if p.ReviewGets < s.reviewGets || now.Sub(p.SubmittedAt) < s.cfg.ReviewDelay {
		return
	}
	p.AuditedAt = now
	reason, reject := s.rejects[p.OutProductID]
	if reject {
		delete(s.rejects, p.OutProductID)
	} else if s.cfg.RejectRate > 0 && s.rnd.Float64() < s.cfg.RejectRate {
		// The seeded source draws only when rejections are on, so the
		// ids of a shop without them do not move.
		reason, reject = RejectReasons[s.rnd.Intn(len(RejectReasons))], true
	}
	if reject {
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
		switch {
		case p.EditStatus == editRejected:
			v["audit_info"] = map[string]any{"submit_time": p.SubmittedAt.Unix(), "audit_time": p.AuditedAt.Unix(), "reject_reason": p.RejectReason}
		case p.EditStatus == editInReview && !p.SubmittedAt.IsZero():
			v["audit_info"] = map[string]any{"submit_time": p.SubmittedAt.Unix()}
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

// auditFree changes the price of SKUs of a listed product without review,
// or deletes SKUs (is_delete).
func (s *Server) auditFree(body []byte) (map[string]any, *apiErr) {
	var in struct {
		ProductID string `json:"product_id"`
		SKUs      []struct {
			SKUID     string          `json:"sku_id"`
			SalePrice int64           `json:"sale_price"`
			IsDelete  json.RawMessage `json:"is_delete"`
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
		del, e := isDelete(k.IsDelete, "skus["+itoa(i)+"].is_delete")
		if e != nil {
			return nil, e
		}
		if del {
			if e := s.deleteSKU(p, k.SKUID, i); e != nil {
				return nil, e
			}
			continue
		}
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

func (s *Server) sortedProductIDs() []string { return kit.SortedKeys(s.products) }

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

// isDelete reads auditfree's is_delete. UNCONFIRMED: the field table says
// number, the older doc's sample sends true; both are taken.
func isDelete(raw json.RawMessage, field string) (bool, *apiErr) {
	switch string(bytes.TrimSpace(raw)) {
	case "", "null", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, invalidArg(field, "want 1 (or true), got %s", raw)
}

// deleteSKU takes a SKU off the online copy, and off the draft when the
// draft holds no pending edit (UNCONFIRMED: the older doc says auditfree
// syncs to the draft, the newer that it leaves the draft alone). The last
// online SKU is refused (UNCONFIRMED: the platform's answer is not documented).
func (s *Server) deleteSKU(p *product, skuID string, i int) *apiErr {
	kept := p.Online.SKUs[:0:0]
	for _, x := range p.Online.SKUs {
		if x.SKUID != skuID {
			kept = append(kept, x)
		}
	}
	switch {
	case len(kept) == len(p.Online.SKUs):
		return errf(CodeNotFound, "sku %s not found", skuID)
	case len(kept) == 0:
		return invalidArg("skus["+itoa(i)+"].is_delete", "sku %s is the product's last sku", skuID)
	}
	p.Online.SKUs = kept
	inDraft := false
	if p.EditStatus == editApproved {
		d := p.Draft.SKUs[:0:0]
		for _, x := range p.Draft.SKUs {
			if x.SKUID != skuID {
				d = append(d, x)
			}
		}
		p.Draft.SKUs = d
	}
	for _, x := range p.Draft.SKUs {
		inDraft = inDraft || x.SKUID == skuID
	}
	if !inDraft {
		delete(p.Stock, skuID)
	}
	return nil
}
