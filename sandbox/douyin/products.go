package douyin

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// check_status values (channels.md §5.4) and online status values
// (UNCONFIRMED: 0 上架 / 1 下架 / 2 删除; the connector keeps the same).
const (
	checkInReview = 2
	checkApproved = 3
	checkRejected = 4
	statusOnline  = 0
	statusOffline = 1
)

// Product limits. UNCONFIRMED (not seen in a source): the connector's
// mapping keeps the same.
const (
	maxNameRunes = 60
	maxPics      = 5
	maxPrice     = 99999999
	maxStock     = 9999999
)

// rejectReasons are the reasons a random rejection gives.
var rejectReasons = []string{"主图含有违规信息，请修改后重新提交", "商品标题与类目不符", "商品资质缺失：请补充质检报告"}

// product is one product: the content in review or last reviewed (draft),
// the approved content buyers see (online, nil until a review passed),
// the stock of every SKU (shared by both) and its 精选联盟 plan.
type product struct {
	ID             string         `json:"product_id"`
	OuterProductID string         `json:"outer_product_id"`
	Status         int            `json:"status"`
	CheckStatus    int            `json:"check_status"`
	Draft          content        `json:"draft"`
	Online         *content       `json:"online,omitempty"`
	SubmittedAt    time.Time      `json:"submitted_at"`
	RejectWith     string         `json:"reject_with,omitempty"` // decided at submission: "" passes
	ListOnPass     bool           `json:"list_on_pass"`
	Audits         []audit        `json:"audits"`
	Stock          map[string]int `json:"stock"`                  // sku_id → stock
	StockWrites    map[string]int `json:"stock_writes,omitempty"` // sku_id → syncStock calls applied
	PlanBP         int            `json:"plan_bp,omitempty"`      // 精选联盟 commission, basis points
	PlanOpen       bool           `json:"plan_open,omitempty"`
	Created        time.Time      `json:"created"`
	Updated        time.Time      `json:"updated"`
}

type content struct {
	Name           string `json:"name"`
	Pic            string `json:"pic"`
	CategoryLeafID int64  `json:"category_leaf_id"`
	SKUs           []*sku `json:"skus"`
}

type sku struct {
	SKUID      string    `json:"sku_id"`
	OuterSKUID string    `json:"outer_sku_id"`
	Code       string    `json:"code"`
	Price      int64     `json:"price"`
	Spec       [3]string `json:"spec"`
}

type audit struct {
	Status int    `json:"audit_status"`
	Reason string `json:"audit_reason"`
	Time   int64  `json:"audit_time"`
}

type productParams struct {
	ProductID      flexID `json:"product_id"`
	Name           string `json:"name"`
	CategoryLeafID int64  `json:"category_leaf_id"`
	Pic            string `json:"pic"`
	Description    string `json:"description"`
	Specs          string `json:"specs"`
	SpecPrices     string `json:"spec_prices"`
	MarketPrice    int64  `json:"market_price"`
	DiscountPrice  int64  `json:"discount_price"`
	PayType        int    `json:"pay_type"`
	OuterProductID string `json:"outer_product_id"`
	Commit         *bool  `json:"commit"`
}

type specPrice struct {
	Name1      string `json:"spec_detail_name1"`
	Name2      string `json:"spec_detail_name2"`
	Name3      string `json:"spec_detail_name3"`
	StockNum   int    `json:"stock_num"`
	Price      int64  `json:"price"`
	Code       string `json:"code"`
	OuterSKUID string `json:"outer_sku_id"`
}

// parse checks addV2/editV2 params and returns the SKUs of spec_prices.
func parse(p productParams) ([]specPrice, *apiErr) {
	switch {
	case strings.TrimSpace(p.Name) == "":
		return nil, missing("name")
	case utf8.RuneCountInString(p.Name) > maxNameRunes:
		return nil, invalid("name", "at most %d characters", maxNameRunes)
	case p.CategoryLeafID <= 0:
		return nil, missing("category_leaf_id")
	case p.Pic == "":
		return nil, missing("pic")
	case len(strings.Split(p.Pic, "|")) > maxPics:
		return nil, invalid("pic", "at most %d images", maxPics)
	case p.Description == "":
		return nil, missing("description")
	case p.Specs == "":
		return nil, missing("specs")
	case p.SpecPrices == "":
		return nil, missing("spec_prices")
	case p.PayType != 0 && p.PayType != 1 && p.PayType != 2:
		return nil, invalid("pay_type", "must be 0, 1 or 2")
	}
	dims := map[int]map[string]bool{}
	for i, group := range strings.Split(p.Specs, "^") {
		name, values, ok := strings.Cut(group, "|")
		if !ok || name == "" || values == "" || i >= 3 {
			return nil, invalid("specs", "want 名|值,值 groups joined by ^, at most 3")
		}
		dims[i] = map[string]bool{}
		for _, v := range strings.Split(values, ",") {
			dims[i][v] = true
		}
	}
	var sps []specPrice
	if err := json.Unmarshal([]byte(p.SpecPrices), &sps); err != nil || len(sps) == 0 {
		return nil, invalid("spec_prices", "want a JSON string of a non-empty list")
	}
	seen := map[string]bool{}
	for i, k := range sps {
		f := "spec_prices[" + strconv.Itoa(i) + "]."
		names := []string{k.Name1, k.Name2, k.Name3}
		for d := range names {
			if (d < len(dims)) != (names[d] != "") || (names[d] != "" && !dims[d][names[d]]) {
				return nil, invalid(f+"spec_detail_name"+strconv.Itoa(d+1), "%q is not a value of specs", names[d])
			}
		}
		switch {
		case k.Price <= 0 || k.Price > maxPrice:
			return nil, invalid(f+"price", "%d 分 is outside 1 to %d", k.Price, maxPrice)
		case k.StockNum < 0 || k.StockNum > maxStock:
			return nil, invalid(f+"stock_num", "%d is outside 0 to %d", k.StockNum, maxStock)
		case seen[strings.Join(names, "\x00")]:
			return nil, invalid(f+"spec_detail_name1", "the same specs twice")
		}
		seen[strings.Join(names, "\x00")] = true
	}
	if p.MarketPrice != 0 && p.DiscountPrice > p.MarketPrice {
		return nil, invalid("discount_price", "above market_price")
	}
	return sps, nil
}

// write puts params into p's draft and starts its review. SKUs keep their
// ids by outer_sku_id (else code); new SKUs get ids. stock_num sets stock.
func (s *Server) write(p *product, in productParams, sps []specPrice) {
	old := map[string]*sku{}
	for _, c := range []*content{&p.Draft, p.Online} {
		if c == nil {
			continue
		}
		for _, k := range c.SKUs {
			old[k.key()] = k
		}
	}
	d := content{Name: in.Name, Pic: in.Pic, CategoryLeafID: in.CategoryLeafID}
	for _, k := range sps {
		n := &sku{OuterSKUID: k.OuterSKUID, Code: k.Code, Price: k.Price, Spec: [3]string{k.Name1, k.Name2, k.Name3}}
		if prev := old[n.key()]; prev != nil {
			n.SKUID = prev.SKUID
		} else {
			n.SKUID = s.newID(17, 1e14)
		}
		p.Stock[n.SKUID] = k.StockNum
		d.SKUs = append(d.SKUs, n)
	}
	now := s.cfg.Now()
	p.Draft, p.Updated = d, now
	if in.Commit != nil && !*in.Commit {
		p.CheckStatus = 1 // saved, not submitted
		return
	}
	p.CheckStatus, p.SubmittedAt, p.RejectWith = checkInReview, now, ""
	if reason, ok := s.rejects[p.OuterProductID]; ok {
		delete(s.rejects, p.OuterProductID)
		p.RejectWith = reason
	} else if s.rejectRate > 0 && s.rnd.Float64() < s.rejectRate {
		p.RejectWith = rejectReasons[s.rnd.Intn(len(rejectReasons))]
	}
}

func (k *sku) key() string {
	if k.OuterSKUID != "" {
		return "o:" + k.OuterSKUID
	}
	return "c:" + k.Code
}

// review moves a product's review on when its time has come.
func (s *Server) review(p *product) {
	if p.CheckStatus != checkInReview || s.cfg.Now().Before(p.SubmittedAt.Add(s.reviewDelay)) {
		return
	}
	at := p.SubmittedAt.Add(s.reviewDelay).Unix()
	if p.RejectWith != "" {
		p.CheckStatus = checkRejected
		p.Audits = append(p.Audits, audit{Status: checkRejected, Reason: p.RejectWith, Time: at})
		s.pushProduct(p, at, p.RejectWith)
		return
	}
	d := p.Draft
	p.Online, p.CheckStatus = &d, checkApproved
	p.Audits = append(p.Audits, audit{Status: checkApproved, Time: at})
	if p.ListOnPass {
		p.Status, p.ListOnPass = statusOnline, false
	}
	s.pushProduct(p, at, "")
	s.Persist.Changed()
}

func (s *Server) productAdd(body []byte) (any, *apiErr) {
	var in productParams
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	sps, e := parse(in)
	if e != nil {
		return nil, e
	}
	now := s.cfg.Now()
	p := &product{ID: s.newID(3, 1e18), OuterProductID: in.OuterProductID, Status: statusOffline, Stock: map[string]int{},
		ListOnPass: true, Created: now, Audits: []audit{}}
	s.write(p, in, sps)
	s.products[p.ID] = p
	skus := []map[string]any{}
	for _, k := range p.Draft.SKUs {
		skus = append(skus, map[string]any{"sku_id": json.Number(k.SKUID), "outer_sku_id": k.OuterSKUID, "code": k.Code,
			"out_sku_id": 0, "spec_detail_id1": 0, "spec_detail_id2": 0, "spec_detail_id3": 0})
	}
	return map[string]any{"product_id": json.Number(p.ID), "out_product_id": 0, "outer_product_id": p.OuterProductID,
		"create_time": now.In(china).Format("2006-01-02 15:04:05"), "sku": skus}, nil
}

func (s *Server) productEdit(body []byte) (any, *apiErr) {
	var in productParams
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(string(in.ProductID))
	if e != nil {
		return nil, e
	}
	sps, e := parse(in)
	if e != nil {
		return nil, e
	}
	if in.OuterProductID != "" {
		p.OuterProductID = in.OuterProductID
	}
	s.write(p, in, sps)
	return map[string]any{}, nil
}

func (s *Server) product(id string) (*product, *apiErr) {
	if id == "" {
		return nil, missing("product_id")
	}
	p := s.products[id]
	if p == nil {
		return nil, errf(CodeBizFailed, SubProductNotExist, "商品 %s 不存在", id)
	}
	s.review(p)
	return p, nil
}

func (s *Server) detailView(p *product, draft bool) map[string]any {
	c := p.Draft
	if !draft && p.Online != nil {
		c = *p.Online
	}
	prices := []map[string]any{}
	for _, k := range c.SKUs {
		prices = append(prices, map[string]any{"sku_id": json.Number(k.SKUID), "outer_sku_id": k.OuterSKUID, "code": k.Code, "price": k.Price,
			"stock_num": p.Stock[k.SKUID], "spec_detail_name1": k.Spec[0], "spec_detail_name2": k.Spec[1], "spec_detail_name3": k.Spec[2]})
	}
	draftStatus := 0
	if p.CheckStatus == checkInReview && p.Online != nil {
		draftStatus = 1 // an edit waits in review beside the online copy
	}
	return map[string]any{"product_id": json.Number(p.ID), "product_id_str": p.ID, "out_product_id": 0, "outer_product_id": p.OuterProductID,
		"name": c.Name, "pic": strings.Split(c.Pic, "|"), "status": p.Status, "check_status": p.CheckStatus, "draft_status": draftStatus,
		"spec_prices": prices, "category_leaf_id": c.CategoryLeafID,
		"create_time": p.Created.In(china).Format("2006-01-02 15:04:05"), "update_time": p.Updated.In(china).Format("2006-01-02 15:04:05")}
}

func (s *Server) productDetail(body []byte) (any, *apiErr) {
	var in struct {
		ProductID flexID `json:"product_id"`
		ShowDraft any    `json:"show_draft"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(string(in.ProductID))
	if e != nil {
		return nil, e
	}
	draft := in.ShowDraft == true || in.ShowDraft == "true"
	return s.detailView(p, draft), nil
}

func (s *Server) sortedProductIDs() []string { return kit.SortedKeys(s.products) }

// productList pages products (page from 1, size ≤ 100; UNCONFIRMED base).
func (s *Server) productList(body []byte) (any, *apiErr) {
	var in struct {
		Page        int  `json:"page"`
		Size        int  `json:"size"`
		Status      *int `json:"status"`
		CheckStatus *int `json:"check_status"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Page == 0 {
		in.Page = 1
	}
	if in.Size == 0 {
		in.Size = 10
	}
	if in.Page < 1 || in.Size < 1 || in.Size > 100 {
		return nil, invalid("size", "page from 1 and size 1 to 100")
	}
	var match []*product
	for _, id := range s.sortedProductIDs() {
		p := s.products[id]
		s.review(p)
		if (in.Status == nil || *in.Status == p.Status) && (in.CheckStatus == nil || *in.CheckStatus == p.CheckStatus) {
			match = append(match, p)
		}
	}
	list := []map[string]any{}
	for i := (in.Page - 1) * in.Size; i < len(match) && i < in.Page*in.Size; i++ {
		p := match[i]
		list = append(list, map[string]any{"product_id": json.Number(p.ID), "outer_product_id": p.OuterProductID, "name": p.Draft.Name,
			"status": p.Status, "check_status": p.CheckStatus})
	}
	return map[string]any{"data": list, "page": in.Page, "size": in.Size, "total": len(match)}, nil
}

// auditList gives a product's review records, newest first.
func (s *Server) auditList(body []byte) (any, *apiErr) {
	var in struct {
		ProductID flexID `json:"product_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(string(in.ProductID))
	if e != nil {
		return nil, e
	}
	recs := []map[string]any{}
	for i := len(p.Audits) - 1; i >= 0; i-- {
		a := p.Audits[i]
		recs = append(recs, map[string]any{"product_id": json.Number(p.ID), "audit_status": a.Status, "audit_reason": a.Reason, "audit_time": a.Time})
	}
	return map[string]any{"records": recs, "total": len(recs)}, nil
}

func (s *Server) idParam(body []byte) (*product, *apiErr) {
	var in struct {
		ProductID flexID `json:"product_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	return s.product(string(in.ProductID))
}

func (s *Server) setOnline(body []byte) (any, *apiErr) {
	p, e := s.idParam(body)
	if e != nil {
		return nil, e
	}
	switch {
	case p.Online != nil:
		p.Status = statusOnline
	case p.CheckStatus == checkInReview:
		p.ListOnPass = true // online when the review passes
	default:
		return nil, errf(CodeBizFailed, SubWrongState, "商品 %s 未通过审核，不能上架", p.ID)
	}
	p.Updated = s.cfg.Now()
	return map[string]any{}, nil
}

func (s *Server) setOffline(body []byte) (any, *apiErr) {
	p, e := s.idParam(body)
	if e != nil {
		return nil, e
	}
	p.Status, p.ListOnPass, p.Updated = statusOffline, false, s.cfg.Now()
	return map[string]any{}, nil
}

// findSKU finds a SKU of p by id in either copy.
func findSKU(p *product, id string) []*sku {
	var out []*sku
	for _, c := range []*content{&p.Draft, p.Online} {
		if c == nil {
			continue
		}
		for _, k := range c.SKUs {
			if k.SKUID == id {
				out = append(out, k)
			}
		}
	}
	return out
}

func (s *Server) syncStock(body []byte) (any, *apiErr) {
	var in struct {
		ProductID    flexID `json:"product_id"`
		SKUID        flexID `json:"sku_id"`
		StockNum     *int   `json:"stock_num"`
		Incremental  bool   `json:"incremental"`
		IdempotentID string `json:"idempotent_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(string(in.ProductID))
	if e != nil {
		return nil, e
	}
	if in.StockNum == nil {
		return nil, missing("stock_num")
	}
	cur, ok := p.Stock[string(in.SKUID)]
	if !ok {
		return nil, errf(CodeBizFailed, SubSKUNotExist, "sku %s 不存在", in.SKUID)
	}
	n := *in.StockNum
	if in.Incremental {
		n += cur
	}
	if len(in.IdempotentID) > maxIdempotentLen {
		return nil, invalid("idempotent_id", "at most %d characters", maxIdempotentLen)
	}
	// A repeat changes nothing, an incremental one above all.
	if in.IdempotentID != "" && s.seenIdempotent(in.IdempotentID) {
		return nil, errf(CodeInvalidParam, SubIdempotentExisted, "idempotent_id %s 已存在，请求已处理", in.IdempotentID)
	}
	if n < 0 || n > maxStock {
		return nil, invalid("stock_num", "stock would be %d, outside 0 to %d", n, maxStock)
	}
	p.Stock[string(in.SKUID)] = n
	if p.StockWrites == nil {
		p.StockWrites = map[string]int{}
	}
	p.StockWrites[string(in.SKUID)]++
	if in.IdempotentID != "" {
		s.idempotent[in.IdempotentID] = s.cfg.Now()
	}
	return map[string]any{}, nil
}

func (s *Server) editPrice(body []byte) (any, *apiErr) {
	var in struct {
		ProductID flexID `json:"product_id"`
		SKUID     flexID `json:"sku_id"`
		Price     *int64 `json:"price"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	p, e := s.product(string(in.ProductID))
	if e != nil {
		return nil, e
	}
	switch {
	case in.Price == nil:
		return nil, missing("price")
	case *in.Price <= 0 || *in.Price > maxPrice:
		return nil, invalid("price", "%d 分 is outside 1 to %d", *in.Price, maxPrice)
	}
	ks := findSKU(p, string(in.SKUID))
	if len(ks) == 0 {
		return nil, errf(CodeBizFailed, SubSKUNotExist, "sku %s 不存在", in.SKUID)
	}
	for _, k := range ks {
		k.Price = *in.Price
	}
	return map[string]any{}, nil
}
