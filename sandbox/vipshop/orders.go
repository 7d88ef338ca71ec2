package vipshop

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

var gmt8 = time.FixedZone("GMT+8", 8*3600)

const timeLayout = "2006-01-02 15:04:05"

// Order statuses (10 to ship, 22 shipped, 25 signed for, 70 refused, 97 cancelled).
const (
	statusToShip    = "10"
	statusShipped   = "22"
	statusSigned    = "25"
	statusCancelled = "97"
)

// Order query limits: getOrders serves the last 3 months; the longest
// window of one call is UNCONFIRMED, 24 h as the connector assumes;
// getOrderDetail takes at most MaxDetailIDs ids, ship MaxShips ships.
const (
	MaxOrderSpan = 24 * time.Hour
	MaxDetailIDs = 50
	MaxShips     = 50
)

// carriers is getCarriers (the codes mirror the connector's table, which
// calls them UNCONFIRMED beyond yuantong and yunda).
var carriers = []struct{ Code, Short, Name string }{
	{"shunfeng", "顺丰", "顺丰速运"}, {"zhongtong", "中通", "中通快递"}, {"yuantong", "圆通", "圆通速递"},
	{"shentong", "申通", "申通快递"}, {"yunda", "韵达", "韵达快递"}, {"ems", "EMS", "中国邮政EMS"},
	{"youzhengguonei", "邮政", "邮政快递包裹"}, {"jd", "京东", "京东物流"}, {"jtexpress", "极兔", "极兔速递"},
	{"debangkuaidi", "德邦", "德邦快递"},
}

// order is an order as the sandbox keeps it.
type order struct {
	ID          string      `json:"order_id"`
	Status      string      `json:"status"`
	Created     time.Time   `json:"created"`
	Modified    time.Time   `json:"modified"`
	PostFen     int64       `json:"post_fen"`
	DiscountFen int64       `json:"discount_fen"`
	Buyer       int         `json:"buyer"` // index into buyers
	Lines       []orderLine `json:"lines"`
	Carrier     string      `json:"carrier,omitempty"`
	TransportNo string      `json:"transport_no,omitempty"`
}

type orderLine struct {
	SKUID      string `json:"sku_id"`
	SPUID      string `json:"spu_id"`
	OuterSPUID string `json:"outer_spu_id"`
	OuterSKUID string `json:"outer_sku_id"`
	Num        int    `json:"num"`
	Title      string `json:"title"`
	PriceFen   int64  `json:"price_fen"`
}

var buyers = []struct{ name, mobile, state, city, district, address string }{
	{"王小明", "13812345678", "广东省", "广州市", "荔湾区", "花地大道南 123 号 5 栋 802"},
	{"李*", "139****1234", "浙江省", "杭州市", "西湖区", "文三路****"},
	{"张三丰", "13700000000", "上海市", "上海市", "浦东新区", "世纪大道 100 号"},
}

func (s *Server) touch(o *order) {
	now := s.cfg.Now()
	if !now.After(o.Modified) {
		now = o.Modified.Add(time.Second)
	}
	o.Modified = now.Truncate(time.Second)
}

// SellOrders makes n orders to ship of on-shelf SKUs with stock (of one SKU
// when skuOuterID is set), lowering the stock.
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	defer func() {
		if len(ids) > 0 {
			s.Persist.Changed()
		}
	}()
	for range n {
		type cand struct {
			p *product
			k *sku
		}
		var cands []cand
		for _, id := range s.sortedProductIDs() {
			p := s.products[id]
			if p.Shelf != shelfOn {
				continue
			}
			for _, k := range p.SKUs {
				if k.Stock > 0 && (skuOuterID == "" || k.OuterSKUID == skuOuterID) {
					cands = append(cands, cand{p, k})
				}
			}
		}
		if len(cands) == 0 {
			return ids, errors.New("no on-shelf SKU with stock to sell")
		}
		c := cands[s.rnd.Intn(len(cands))]
		c.k.Stock--
		now := s.cfg.Now().Truncate(time.Second)
		o := &order{ID: s.newID(24, 1e15), Status: statusToShip, Created: now.Add(-time.Minute), Modified: now, Buyer: s.rnd.Intn(len(buyers)),
			Lines: []orderLine{{SKUID: c.k.SKUID, SPUID: c.p.SPUID, OuterSPUID: c.p.OuterSPUID, OuterSKUID: c.k.OuterSKUID, Num: 1,
				Title: c.p.Title, PriceFen: c.k.SaleFen}}}
		if s.rnd.Intn(4) == 0 {
			o.PostFen = 1000
		}
		if c.k.SaleFen > 1000 && s.rnd.Intn(3) == 0 {
			o.DiscountFen = 500
		}
		s.orders[o.ID] = o
		ids = append(ids, o.ID)
	}
	return ids, nil
}

// RefundOrder gives the buyer a full refund: an order not shipped is
// cancelled; a shipped one is refused at the door (70) and comes back.
func (s *Server) RefundOrder(id string) error {
	s.mu.Lock()
	o := s.orders[id]
	switch {
	case o == nil:
		s.mu.Unlock()
		return kit.ErrNotFound
	case o.Status == statusToShip:
		s.mu.Unlock()
		return s.CancelOrder(id)
	case o.Status == statusShipped:
		o.Status = "70"
		s.touch(o)
		s.Persist.Changed()
		s.mu.Unlock()
		return nil
	}
	st := o.Status
	s.mu.Unlock()
	return fmt.Errorf("status %s: already closed", st)
}

func (s *Server) sortedOrderIDs() []string { return kit.SortedKeys(s.orders) }

func parseTime(field, v string) (time.Time, *apiErr) {
	t, err := time.ParseInLocation(timeLayout, v, gmt8)
	if err != nil {
		return t, badParam(field, "%q is not yyyy-MM-dd HH:mm:ss", v)
	}
	return t, nil
}

// getOrders pages orders by modification time (date_type 1: by creation)
// in [query_start_time, query_end_time], both included, or by order_ids.
func (s *Server) getOrders(body []byte) (any, *apiErr) {
	s.advanceCancels()
	var in struct {
		Request *struct {
			Status   []string `json:"status"`
			OrderIDs []string `json:"order_ids"`
			Start    string   `json:"query_start_time"`
			End      string   `json:"query_end_time"`
			DateType int      `json:"date_type"`
			Limit    int      `json:"limit"`
			Page     int      `json:"page"`
			IsExport string   `json:"is_export"`
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
	var start, end time.Time
	if len(r.OrderIDs) == 0 {
		if r.Start == "" || r.End == "" {
			return nil, errf(CodeMissParam, "missing argument query_start_time or query_end_time")
		}
		if start, e = parseTime("query_start_time", r.Start); e != nil {
			return nil, e
		}
		if end, e = parseTime("query_end_time", r.End); e != nil {
			return nil, e
		}
		switch {
		case end.Before(start):
			return nil, badParam("query_end_time", "is before query_start_time")
		case end.Sub(start) > MaxOrderSpan:
			return nil, badParam("query_end_time", "the window spans more than %s", MaxOrderSpan)
		case start.Before(s.cfg.Now().AddDate(0, -3, 0)):
			return nil, badParam("query_start_time", "only the last 3 months are served")
		}
	}
	want := map[string]bool{}
	for _, id := range r.OrderIDs {
		want[id] = true
	}
	statuses := map[string]bool{}
	for _, st := range r.Status {
		statuses[st] = true
	}
	var match []*order
	for _, o := range s.orders {
		t := o.Modified
		if r.DateType == 1 {
			t = o.Created
		}
		in := len(want) > 0 && want[o.ID] || len(want) == 0 && !t.Before(start) && !t.After(end)
		if in && (len(statuses) == 0 || statuses[o.Status]) {
			match = append(match, o)
		}
	}
	sort.Slice(match, func(i, j int) bool {
		if !match[i].Modified.Equal(match[j].Modified) {
			return match[i].Modified.Before(match[j].Modified)
		}
		return match[i].ID < match[j].ID
	})
	orders := []map[string]any{}
	for i := (page - 1) * limit; i < len(match) && i < page*limit; i++ {
		orders = append(orders, s.sovOrder(match[i]))
	}
	return map[string]any{"total": len(match), "orders": orders}, nil
}

// sovOrder is an order as getOrders shows it: every field a string, money
// in yuan decimal strings.
func (s *Server) sovOrder(o *order) map[string]any {
	var goods int64
	for _, l := range o.Lines {
		goods += l.PriceFen * int64(l.Num)
	}
	b := buyers[o.Buyer%len(buyers)]
	return map[string]any{"order_id": o.ID, "status": o.Status, "sales_channel": "MP", "receiver_name": b.name,
		"receiver_address": b.address, "receiver_mobile": b.mobile, "receiver_phone": "", "receiver_zip": "510000",
		"receiver_district": b.district, "receiver_city": b.city, "receiver_state": b.state, "country_id": "CN", "remark": "",
		"total_fee": yuanString(goods), "post_fee": yuanString(o.PostFen), "discount_fee": yuanString(o.DiscountFen),
		"ex_discount_fee": "0.00", "created": o.Created.In(gmt8).Format(timeLayout),
		"store_add_time": o.Created.Add(30 * time.Second).In(gmt8).Format(timeLayout), "is_export": "0"}
}

func (s *Server) getOrderDetail(body []byte) (any, *apiErr) {
	s.advanceCancels()
	var in struct {
		OrderIDs []string `json:"order_ids"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	switch {
	case len(in.OrderIDs) == 0:
		return nil, errf(CodeMissParam, "missing argument order_ids")
	case len(in.OrderIDs) > MaxDetailIDs:
		return nil, badParam("order_ids", "at most %d ids, got %d", MaxDetailIDs, len(in.OrderIDs))
	}
	out := []map[string]any{}
	for _, id := range in.OrderIDs {
		o := s.orders[id]
		if o == nil {
			continue
		}
		ps := []map[string]any{}
		for _, l := range o.Lines {
			ps = append(ps, map[string]any{"sku_id": l.SKUID, "spu_id": l.SPUID, "outer_spu_id": l.OuterSPUID, "outer_sku_id": l.OuterSKUID,
				"num": strconv.Itoa(l.Num), "title": l.Title, "size": "", "price": yuanString(l.PriceFen)})
		}
		out = append(out, map[string]any{"order_id": o.ID, "order_products": ps})
	}
	return out, nil
}

// shopCarriers is the shop's carrier list: carriers, or those SetCarriers
// kept (under s.mu).
func (s *Server) shopCarriers() []struct{ Code, Short, Name string } {
	if s.onlyCarriers == nil {
		return carriers
	}
	var out []struct{ Code, Short, Name string }
	for _, c := range carriers {
		if s.onlyCarriers[c.Code] {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) getCarriers([]byte) (any, *apiErr) {
	out := []map[string]string{}
	for _, c := range s.shopCarriers() {
		out = append(out, map[string]string{"carrier_code": c.Code, "carrier_shortname": c.Short, "carrier_name": c.Name})
	}
	return out, nil
}

type shipInfo struct {
	OrderID     string `json:"order_id"`
	CarrierCode string `json:"carrier_code"`
	CarrierName string `json:"carrier_name"`
	PackageType int    `json:"package_type"`
	Packages    []struct {
		TransportNo string `json:"transport_no"`
		Products    []struct {
			SKUID  string `json:"sku_id"`
			Amount int    `json:"amount"`
		} `json:"package_product_list"`
	} `json:"packages"`
}

// ship answers per ship a ShipResult {ship, result_desc} in success_data
// or fail_data (the IDL's ShipResponse). An
// order already shipped under the same transport_no is a success again.
func (s *Server) ship(body []byte) (any, *apiErr) {
	s.advanceCancels()
	var in struct {
		Request *struct {
			Ships []shipInfo `json:"ships"`
		} `json:"request"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	if in.Request == nil || len(in.Request.Ships) == 0 {
		return nil, errf(CodeMissParam, "missing argument request.ships")
	}
	if len(in.Request.Ships) > MaxShips {
		return nil, badParam("ships", "at most %d, got %d", MaxShips, len(in.Request.Ships))
	}
	ok, fails := []map[string]any{}, []map[string]any{}
	for _, sh := range in.Request.Ships {
		if desc := s.shipOne(sh); desc != "" {
			fails = append(fails, map[string]any{"ship": sh, "result_desc": desc})
			continue
		}
		ok = append(ok, map[string]any{"ship": sh, "result_desc": "成功"})
	}
	return map[string]any{"success_num": len(ok), "success_data": ok, "fail_num": len(fails), "fail_data": fails}, nil
}

func (s *Server) shipOne(sh shipInfo) string {
	o := s.orders[sh.OrderID]
	known := false
	for _, c := range s.shopCarriers() {
		known = known || c.Code == sh.CarrierCode
	}
	switch {
	case o == nil:
		return "订单不存在: " + sh.OrderID
	case !known:
		return "承运商编码不存在: " + sh.CarrierCode
	case sh.PackageType != 1 && sh.PackageType != 2:
		return "package_type must be 1 or 2"
	case len(sh.Packages) == 0 || sh.Packages[0].TransportNo == "":
		return "运单号不能为空"
	}
	for _, p := range sh.Packages {
		for _, pp := range p.Products {
			found := false
			for _, l := range o.Lines {
				found = found || (l.SKUID == pp.SKUID && pp.Amount > 0 && pp.Amount <= l.Num)
			}
			if !found {
				return "包裹商品不属于订单: " + pp.SKUID
			}
		}
	}
	switch {
	case o.Status == statusShipped && o.TransportNo == sh.Packages[0].TransportNo:
		return ""
	case o.Status != statusToShip:
		return "订单状态不允许发货: " + o.Status
	case s.pendingCancel(o.ID) != nil:
		return "订单存在待审核的取消申请，不允许发货"
	}
	o.Status, o.Carrier, o.TransportNo = statusShipped, sh.CarrierCode, sh.Packages[0].TransportNo
	s.touch(o)
	return ""
}
