package wechat

import (
	"fmt"
	"sort"
	"strconv"
	"time"
)

// afterSale is one after-sales case: one SKU of one order.
type afterSale struct {
	ID         string `json:"after_sale_order_id"`
	OrderID    string `json:"order_id"`
	Status     string `json:"status"`
	Type       string `json:"type"` // REFUND, RETURN
	Reason     string `json:"reason"`
	OpenID     string `json:"openid"`
	ProductID  string `json:"product_id"`
	SKUID      string `json:"sku_id"`
	Count      int    `json:"count"`
	Amount     int64  `json:"amount"` // 分
	CreateTime int64  `json:"create_time"`
	UpdateTime int64  `json:"update_time"`
}

// Case statuses the sandbox uses (the platform's AfterSaleStatus strings).
const (
	caseProcessing = "MERCHANT_PROCESSING"
	caseRefunded   = "MERCHANT_REFUND_SUCCESS"
)

// MaxAfterSaleSpan is getaftersalelist's longest window (doc: 24 h).
const MaxAfterSaleSpan = 24 * time.Hour

// DefaultAfterSalePage is how many ids one getaftersalelist page holds.
// UNCONFIRMED: the API takes no page_size and names no figure.
const DefaultAfterSalePage = 50

// openCase opens a case on a line of o.
func (s *Server) openCase(o *order, l *orderLine, typ, reason, status string) *afterSale {
	now := s.cfg.Now().Unix()
	c := &afterSale{ID: s.newID(2, 1e15), OrderID: o.ID, Status: status, Type: typ, Reason: reason, OpenID: o.OpenID,
		ProductID: l.ProductID, SKUID: l.SKUID, Count: l.Count, Amount: l.SalePrice * int64(l.Count), CreateTime: now, UpdateTime: now}
	s.cases[c.ID] = c
	s.pushCase(c)
	return c
}

// OpenAfterSale has the buyer ask for an after-sales case ("REFUND" or
// "RETURN") on the first line of an order: MERCHANT_PROCESSING until
// SetAfterSaleStatus moves it. It returns the case id.
func (s *Server) OpenAfterSale(orderID, typ string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[orderID]
	if o == nil {
		return "", fmt.Errorf("order %s not found", orderID)
	}
	if typ != "REFUND" && typ != "RETURN" {
		return "", fmt.Errorf("case type %q: want REFUND or RETURN", typ)
	}
	c := s.openCase(o, &o.Lines[0], typ, "NO_LONGER_WANT", caseProcessing)
	s.touch(o)
	s.Persist.Changed()
	return c.ID, nil
}

// SetAfterSaleStatus moves a case to a status of the platform
// ("MERCHANT_REFUND_SUCCESS", "USER_CANCELD", …), as the seller or the
// buyer would; its update_time moves on.
func (s *Server) SetAfterSaleStatus(id, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.cases[id]
	if c == nil {
		return fmt.Errorf("after-sales case %s not found", id)
	}
	c.Status, c.UpdateTime = status, max(c.UpdateTime+1, s.cfg.Now().Unix())
	s.pushCase(c)
	s.Persist.Changed()
	return nil
}

// SetAfterSalePage sets how many ids a getaftersalelist page holds.
func (s *Server) SetAfterSalePage(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.casePage = max(1, n)
}

// afterSaleDetail is order/get's aftersale_detail.
func (s *Server) afterSaleDetail(o *order) map[string]any {
	list, open := []map[string]any{}, 0
	for _, c := range s.sortedCases() {
		if c.OrderID != o.ID {
			continue
		}
		list = append(list, map[string]any{"aftersale_order_id": c.ID, "status": c.Status})
		if c.Status == caseProcessing {
			open++
		}
	}
	return map[string]any{"aftersale_order_list": list, "on_aftersale_order_cnt": open}
}

func (s *Server) sortedCases() []*afterSale {
	out := make([]*afterSale, 0, len(s.cases))
	for _, c := range s.cases {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// afterSaleList is aftersale/getaftersalelist: ids of the cases created or
// updated in [begin, end) (unix seconds, at most 24 h), oldest first.
func (s *Server) afterSaleList(body []byte) (map[string]any, *apiErr) {
	var in struct {
		BeginCreate int64  `json:"begin_create_time"`
		EndCreate   int64  `json:"end_create_time"`
		BeginUpdate int64  `json:"begin_update_time"`
		EndUpdate   int64  `json:"end_update_time"`
		NextKey     string `json:"next_key"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	byUpdate := in.BeginUpdate != 0 || in.EndUpdate != 0
	begin, end := in.BeginCreate, in.EndCreate
	if byUpdate {
		begin, end = in.BeginUpdate, in.EndUpdate
	}
	switch {
	case begin == 0 && end == 0:
		return nil, invalidArg("begin_create_time", "begin_create_time/end_create_time or begin_update_time/end_update_time required")
	case end <= begin:
		return nil, invalidArg("end_update_time", "must be after the beginning")
	case time.Duration(end-begin)*time.Second > MaxAfterSaleSpan:
		return nil, errf(CodeAfterSaleSpan, "非法的时间区间,不得大于24小时")
	}
	from := 0
	if in.NextKey != "" {
		n, err := strconv.Atoi(in.NextKey)
		if err != nil || n < 0 {
			return nil, invalidArg("next_key", "not a key this API returned")
		}
		from = n
	}
	var match []*afterSale
	for _, c := range s.sortedCases() {
		t := c.CreateTime
		if byUpdate {
			t = c.UpdateTime
		}
		if t >= begin && t < end {
			match = append(match, c)
		}
	}
	sort.SliceStable(match, func(i, j int) bool { return match[i].UpdateTime < match[j].UpdateTime })
	ids := []string{}
	for i := from; i < len(match) && i < from+s.casePage; i++ {
		ids = append(ids, match[i].ID)
	}
	next := from + len(ids)
	return map[string]any{"after_sale_order_id_list": ids, "next_key": strconv.Itoa(next), "has_more": next < len(match)}, nil
}

func (s *Server) afterSaleGet(body []byte) (map[string]any, *apiErr) {
	var in struct {
		ID flexID `json:"after_sale_order_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	c := s.cases[string(in.ID)]
	if c == nil {
		return nil, errf(CodeAfterSaleNotFound, "after sale order %s not exist", in.ID)
	}
	return map[string]any{"after_sale_order": map[string]any{
		"after_sale_order_id": c.ID, "status": c.Status, "openid": c.OpenID, "unionid": "", "order_id": c.OrderID,
		"product_info":         map[string]any{"product_id": c.ProductID, "sku_id": c.SKUID, "count": c.Count},
		"details":              map[string]any{"desc": "", "receive_product": false, "cancel_time": 0, "prove_imgs": []string{}, "tel_number": ""},
		"refund_info":          map[string]any{"amount": c.Amount},
		"return_info":          map[string]any{"waybill_id": "", "delivery_id": "", "delivery_name": ""},
		"merchant_upload_info": map[string]any{"reject_reason": "", "refund_certificates": []string{}},
		"create_time":          c.CreateTime, "update_time": c.UpdateTime, "reason": c.Reason, "type": c.Type,
	}}, nil
}
