package douyin

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

// order_status values (channels.md §5.5).
const (
	orderPaid      = 2 // 备货中: the only state that can ship
	orderShipped   = 3
	orderCancelled = 4
	orderCompleted = 5
)

// refund_status of a line. UNCONFIRMED (0 none, 1 待退款, 2 退款中,
// 3 退款成功, 4 退款失败); the connector's mapping keeps the same.
const (
	refundNone      = 0
	refundRefunding = 2
	refundDone      = 3
)

// Order query limits of /order/searchList: size ≤ 100 is documented; the
// window and the page base are UNCONFIRMED (pages from 0, as the SDK
// examples; a window of at most 7 days; both ends of the window included).
const (
	MaxPageSize    = 100
	MaxOrderWindow = 7 * 24 * time.Hour
	// MaxAllianceIDs bounds order_ids of /alliance/getOrderList (UNCONFIRMED).
	MaxAllianceIDs = 50
)

// authors are the 达人 who promote CPS orders.
var authors = func() []struct{ id, name, short string } {
	names := []string{"小雨穿搭", "阿珍好物", "大鹏直播间", "橙子爱分享", "琳琳的衣橱", "老王测评", "甜甜买买买", "北京小胖", "杭州阿May", "深圳潮男",
		"宝妈省钱记", "晴天好物", "一只小熊", "成都吃货", "阿杰穿搭", "米粒日记", "江南小院", "小鹿种草", "东北大花", "上海Lisa"}
	out := make([]struct{ id, name, short string }, len(names))
	for i, n := range names {
		out[i].id = strconv.FormatInt(71985334556+int64(i)*7919, 10)
		out[i].name, out[i].short = n, "dy"+strconv.Itoa(100200+i)
	}
	return out
}()

var buyers = []struct{ name, tel, province, city, town, detail string }{
	{"王*", "1*******678", "浙江省", "杭州市", "西湖区", "文三路****"},
	{"李*", "1*******234", "广东省", "深圳市", "南山区", "科技园****"},
	{"张**", "1*******000", "上海市", "上海市", "浦东新区", "世纪大道****"},
}

type order struct {
	ID         string  `json:"order_id"`
	Status     int     `json:"order_status"`
	CreateTime int64   `json:"create_time"`
	UpdateTime int64   `json:"update_time"`
	PayTime    int64   `json:"pay_time"`
	OpenID     string  `json:"open_id"`
	Buyer      int     `json:"buyer"`
	Post       int64   `json:"post_amount"`
	Lines      []*line `json:"lines"`
	Company    string  `json:"company_code,omitempty"`
	Waybill    string  `json:"logistics_code,omitempty"`
}

type line struct {
	ID           string `json:"sku_order_id"`
	ProductID    string `json:"product_id"`
	SKUID        string `json:"sku_id"`
	OuterSKUID   string `json:"outer_sku_id"`
	Code         string `json:"code"`
	Name         string `json:"product_name"`
	Num          int    `json:"item_num"`
	Price        int64  `json:"price"`
	Pay          int64  `json:"pay_amount"`
	Author       int    `json:"author"` // index into authors + 1; 0 = not promoted
	RateBP       int    `json:"rate_bp"`
	RefundStatus int    `json:"refund_status"`
	Settled      bool   `json:"settled"`
}

func (s *Server) touch(o *order) {
	o.UpdateTime = max(o.UpdateTime+1, s.cfg.Now().Unix())
}

type candidate struct {
	p *product
	k *sku
}

// SellOrders makes n paid orders of on-sale SKUs with stock (of one SKU
// when skuOuterID is set), lowering the stock; a share (CPSShare) is
// promoted by one of 20 authors at the product's plan commission. The
// candidates are gathered once, so a burst of thousands is quick.
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cands []candidate
	for _, id := range s.sortedProductIDs() {
		p := s.products[id]
		s.review(p)
		if p.Status != statusOnline || p.Online == nil {
			continue
		}
		for _, k := range p.Online.SKUs {
			if p.Stock[k.SKUID] > 0 && (skuOuterID == "" || k.OuterSKUID == skuOuterID) {
				cands = append(cands, candidate{p, k})
			}
		}
	}
	ids := make([]string, 0, n)
	now := s.cfg.Now().Unix()
	for range n {
		if len(cands) == 0 {
			if len(ids) > 0 {
				s.Persist.Changed()
			}
			return ids, errors.New("no on-sale SKU with stock to sell")
		}
		i := s.rnd.Intn(len(cands))
		c := cands[i]
		c.p.Stock[c.k.SKUID]--
		if c.p.Stock[c.k.SKUID] == 0 {
			cands[i] = cands[len(cands)-1]
			cands = cands[:len(cands)-1]
		}
		l := &line{ID: s.newID(6, 1e18), ProductID: c.p.ID, SKUID: c.k.SKUID, OuterSKUID: c.k.OuterSKUID, Code: c.k.Code,
			Name: c.p.Online.Name, Num: 1, Price: c.k.Price, Pay: c.k.Price}
		if s.cfg.CPSShare > 0 && s.rnd.Float64() < s.cfg.CPSShare {
			l.Author = 1 + s.rnd.Intn(len(authors))
			l.RateBP = DefaultCommissionBP
			if c.p.PlanOpen {
				l.RateBP = c.p.PlanBP
			}
		}
		o := &order{ID: s.newID(6, 1e18), Status: orderPaid, CreateTime: now - 60, PayTime: now - 30, UpdateTime: now,
			OpenID: "1@#" + kit.RandHex(12), Buyer: s.rnd.Intn(len(buyers)), Lines: []*line{l}}
		s.orders[o.ID] = o
		s.orderList = append(s.orderList, o)
		ids = append(ids, o.ID)
		s.pushSold(o)
	}
	s.Persist.Changed()
	return ids, nil
}

// generate is one tick of the generator: an order is sold; now and then
// an earlier one is cancelled or a refund starts.
func (s *Server) generate() {
	_, _ = s.SellOrders(1, "")
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.orderList) < 2 {
		return
	}
	o := s.orderList[s.rnd.Intn(len(s.orderList)-1)]
	switch r := s.rnd.Float64(); {
	case r < 0.1 && o.Status == orderPaid:
		s.cancel(o)
	case r < 0.15 && o.Status != orderCancelled && o.Lines[0].RefundStatus == refundNone:
		o.Lines[0].RefundStatus = refundRefunding
		s.touch(o)
		s.push(s.refundMsgs(TagRefundAsked, o)...)
	}
	s.Persist.Changed()
}

// cancel closes a paid order; its goods go back to stock (under s.mu).
func (s *Server) cancel(o *order) {
	s.restock(o)
	o.Status = orderCancelled
	s.touch(o)
	s.push(s.orderMsg(TagOrderCanceled, o, map[string]any{"cancel_reason": "买家取消", "cancel_time": o.UpdateTime}))
}

// CancelOrder has the buyer cancel an order not shipped yet.
func (s *Server) CancelOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return kit.ErrNotFound
	}
	if o.Status != orderPaid {
		return fmt.Errorf("order_status %d: only an order in 备货中 (2) can be cancelled", o.Status)
	}
	s.cancel(o)
	s.Persist.Changed()
	return nil
}

// restock puts an unshipped order's goods back on sale.
func (s *Server) restock(o *order) {
	for _, l := range o.Lines {
		if p := s.products[l.ProductID]; p != nil {
			p.Stock[l.SKUID] += l.Num
		}
	}
}

// RefundOrder gives the buyer a full refund: every line is refunded and
// the order closes (an unshipped one's goods go back to stock).
func (s *Server) RefundOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return kit.ErrNotFound
	}
	if o.Lines[0].RefundStatus == refundDone {
		return errors.New("already refunded")
	}
	if o.Status == orderPaid {
		// One change, one new update_time: the refund closes the order (a
		// second touch would put its time in the future).
		s.restock(o)
	}
	for _, l := range o.Lines {
		l.RefundStatus = refundDone
	}
	o.Status = orderCancelled
	s.touch(o)
	s.push(s.refundMsgs(TagRefundDone, o)...)
	s.Persist.Changed()
	return nil
}

// view renders an order as searchList and orderDetail send it.
func (s *Server) view(o *order) map[string]any {
	b := buyers[o.Buyer%len(buyers)]
	var pay, origin int64
	lines := []map[string]any{}
	for _, l := range o.Lines {
		pay += l.Pay
		origin += l.Price * int64(l.Num)
		m := map[string]any{"sku_order_id": l.ID, "order_status": o.Status, "product_id": json.Number(l.ProductID), "product_name": l.Name,
			"sku_id": json.Number(l.SKUID), "outer_sku_id": l.OuterSKUID, "code": l.Code, "item_num": l.Num, "origin_amount": l.Price * int64(l.Num),
			"pay_amount": l.Pay, "author_id": 0, "author_name": "", "c_biz": 8, "c_biz_desc": "自主经营",
			"after_sale_info": map[string]any{"after_sale_status": 0, "refund_status": l.RefundStatus}}
		if l.Author > 0 {
			a := authors[l.Author-1]
			m["author_id"], m["author_name"], m["c_biz"], m["c_biz_desc"] = json.Number(a.id), a.name, 2, "精选联盟"
		}
		lines = append(lines, m)
	}
	return map[string]any{"order_id": o.ID, "order_status": o.Status, "order_status_desc": statusDesc[o.Status], "main_status": o.Status*100 + 3,
		"pay_amount": pay + o.Post, "order_amount": origin + o.Post, "post_amount": o.Post, "promotion_amount": origin - pay,
		"create_time": o.CreateTime, "update_time": o.UpdateTime, "pay_time": o.PayTime, "doudian_open_id": o.OpenID, "buyer_words": "",
		"encrypt_post_receiver": "#" + kit.RandHex(8) + "#", "encrypt_post_tel": "$" + kit.RandHex(8) + "$",
		"mask_post_receiver": b.name, "mask_post_tel": b.tel,
		"mask_post_addr": map[string]any{"province": map[string]string{"name": b.province}, "city": map[string]string{"name": b.city},
			"town": map[string]string{"name": b.town}, "detail": b.detail},
		"sku_order_list": lines}
}

var statusDesc = map[int]string{orderPaid: "备货中", orderShipped: "已发货", orderCancelled: "已取消", orderCompleted: "已完成"}

// searchList serves orders updated in [update_time_start, update_time_end]
// (unix seconds, both ends included), a page at a time from page 0.
func (s *Server) searchList(body []byte) (any, *apiErr) {
	var in struct {
		Start    *int64 `json:"update_time_start"`
		End      *int64 `json:"update_time_end"`
		Page     int    `json:"page"`
		Size     int    `json:"size"`
		OrderBy  string `json:"order_by"`
		OrderAsc bool   `json:"order_asc"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch {
	case in.Start == nil:
		return nil, missing("update_time_start")
	case in.End == nil:
		return nil, missing("update_time_end")
	case *in.End < *in.Start:
		return nil, invalid("update_time_end", "before update_time_start")
	case time.Duration(*in.End-*in.Start)*time.Second > MaxOrderWindow:
		return nil, invalid("update_time_end", "the window spans more than %s", MaxOrderWindow)
	case in.Page < 0:
		return nil, invalid("page", "pages count from 0")
	case in.Size < 1 || in.Size > MaxPageSize:
		return nil, invalid("size", "must be 1 to %d", MaxPageSize)
	case in.OrderBy != "" && in.OrderBy != "update_time" && in.OrderBy != "create_time":
		return nil, invalid("order_by", "update_time or create_time")
	}
	var match []*order
	for _, o := range s.orderList {
		if o.UpdateTime >= *in.Start && o.UpdateTime <= *in.End {
			match = append(match, o)
		}
	}
	key := func(o *order) int64 { return o.UpdateTime }
	if in.OrderBy == "create_time" {
		key = func(o *order) int64 { return o.CreateTime }
	}
	sort.Slice(match, func(i, j int) bool {
		a, b := match[i], match[j]
		if key(a) != key(b) {
			return (key(a) < key(b)) == in.OrderAsc
		}
		return (a.ID < b.ID) == in.OrderAsc
	})
	list := []map[string]any{}
	for i := in.Page * in.Size; i < len(match) && i < (in.Page+1)*in.Size; i++ {
		list = append(list, s.view(match[i]))
	}
	return map[string]any{"shop_order_list": list, "page": in.Page, "size": in.Size, "total": len(match)}, nil
}

func (s *Server) orderDetail(body []byte) (any, *apiErr) {
	var in struct {
		ShopOrderID flexID `json:"shop_order_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.ShopOrderID == "" {
		return nil, missing("shop_order_id")
	}
	o := s.orders[string(in.ShopOrderID)]
	if o == nil {
		return nil, errf(CodeBizFailed, SubOrderNotExist, "订单 %s 不存在", in.ShopOrderID)
	}
	return map[string]any{"shop_order_detail": s.view(o)}, nil
}

// companies are the company_code values logisticsAdd accepts (UNCONFIRMED
// beyond shunfeng).
var companies = map[string]bool{"shunfeng": true, "zhongtong": true, "yuantong": true, "shentong": true, "yunda": true, "ems": true,
	"jd": true, "debangwuliu": true, "jtexpress": true, "huitongkuaidi": true, "youzhengguonei": true}

func (s *Server) logisticsAdd(body []byte) (any, *apiErr) {
	var in struct {
		OrderID       flexID `json:"order_id"`
		CompanyCode   string `json:"company_code"`
		LogisticsCode string `json:"logistics_code"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch {
	case in.OrderID == "":
		return nil, missing("order_id")
	case in.LogisticsCode == "":
		return nil, missing("logistics_code")
	case !companies[in.CompanyCode]:
		return nil, invalid("company_code", "%q is not a known carrier", in.CompanyCode)
	}
	o := s.orders[string(in.OrderID)]
	switch {
	case o == nil:
		return nil, errf(CodeBizFailed, SubOrderNotExist, "订单 %s 不存在", in.OrderID)
	case o.Status == orderShipped && o.Waybill == in.LogisticsCode && o.Company == in.CompanyCode:
		return map[string]any{}, nil // the same shipment again
	case o.Status != orderPaid:
		return nil, errf(CodeBizFailed, SubWrongState, "订单 %s 状态 %d 不可发货", o.ID, o.Status)
	}
	o.Status, o.Company, o.Waybill = orderShipped, in.CompanyCode, in.LogisticsCode
	s.touch(o)
	s.push(s.orderMsg(TagOrderShipped, o, map[string]any{"logistics_msg": map[string]any{"express_company_id": o.Company, "logistics_code": o.Waybill}}))
	return map[string]any{}, nil
}

// allianceOrders answers /alliance/getOrderList: the commission of each
// promoted sub order asked for.
func (s *Server) allianceOrders(body []byte) (any, *apiErr) {
	var in struct {
		OrderIDs []flexID `json:"order_ids"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch {
	case len(in.OrderIDs) == 0:
		return nil, missing("order_ids")
	case len(in.OrderIDs) > MaxAllianceIDs:
		return nil, invalid("order_ids", "at most %d ids", MaxAllianceIDs)
	}
	want := map[string]bool{}
	for _, id := range in.OrderIDs {
		want[string(id)] = true
	}
	datas := []map[string]any{}
	for _, o := range s.orderList {
		for _, l := range o.Lines {
			if l.Author == 0 || !want[l.ID] {
				continue
			}
			a := authors[l.Author-1]
			est := l.Pay * int64(l.RateBP) / 10000
			paid, flow, st := int64(0), "PAY_SUCC", "支付成功"
			switch {
			case l.RefundStatus == refundDone:
				est, flow, st = 0, "REFUND", "已退款"
			case l.Settled:
				paid, flow, st = est, "SETTLE", "已结算"
			}
			datas = append(datas, map[string]any{"order_id": l.ID, "product_id": l.ProductID, "author_account": a.name, "short_id": a.short,
				"total_pay_amount": l.Pay, "commission_rate": l.RateBP, "estimated_comission": est, "real_comission": paid,
				"order_status": st, "flow_point": flow, "shop_id": s.cfg.ShopID, "alliance_biz_type": "COMMON"})
		}
	}
	return map[string]any{"code": "100000", "code_msg": "success", "datas": datas}, nil
}
