package wechat

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

var gmt8 = time.FixedZone("GMT+8", 8*3600)

// order is an order as the sandbox keeps it; order/get shows it in the
// platform's shape.
type order struct {
	ID         string      `json:"order_id"`
	Status     int         `json:"status"`
	CreateTime int64       `json:"create_time"`
	UpdateTime int64       `json:"update_time"`
	PayTime    int64       `json:"pay_time"`
	OpenID     string      `json:"openid"`
	Lines      []orderLine `json:"lines"`
	Freight    int64       `json:"freight"`
	Discount   int64       `json:"discount"`
	Aftersale  bool        `json:"aftersale"`
	Waybill    string      `json:"waybill,omitempty"` // the one parcel of state files before split shipments
	Deliveries []delivery  `json:"deliveries,omitempty"`
}

type orderLine struct {
	ProductID string    `json:"product_id"`
	SKUID     string    `json:"sku_id"`
	OutSKUID  string    `json:"out_sku_id"`
	Title     string    `json:"title"`
	Count     int       `json:"sku_cnt"`
	SalePrice int64     `json:"sale_price"`
	Shipped   int       `json:"shipped,omitempty"`
	Promoter  *promoter `json:"promoter,omitempty"` // 优选联盟: the 达人 who sold it
}

// Order statuses.
const (
	orderPaid        = 20
	orderPartShipped = 21
	orderShipped     = 30
	orderAftersale   = 200 // 全部商品售后后取消
)

var buyers = []struct{ name, tel, province, city, county, detail string }{
	{"王*", "138****5678", "浙江省", "杭州市", "西湖区", "文三路****"},
	{"李*", "139****1234", "广东省", "深圳市", "南山区", "科技园****"},
	{"张**", "137****0000", "上海市", "上海市", "浦东新区", "世纪大道****"},
}

func (s *Server) touch(o *order) {
	o.UpdateTime = max(o.UpdateTime+1, s.cfg.Now().Unix())
}

// sellable lists the listed SKUs with at least n in stock (of one SKU when
// outSKUID is set) as order lines of n.
func (s *Server) sellable(outSKUID string, n int) []orderLine {
	var cands []orderLine
	for _, pid := range s.sortedProductIDs() {
		p := s.products[pid]
		if p.Status != statusListed || p.Online == nil {
			continue
		}
		for _, k := range p.Online.SKUs {
			if p.Stock[k.SKUID] >= n && (outSKUID == "" || k.OutSKUID == outSKUID) {
				cands = append(cands, orderLine{ProductID: p.ID, SKUID: k.SKUID, OutSKUID: k.OutSKUID, Title: p.Online.Title, Count: n, SalePrice: k.SalePrice})
			}
		}
	}
	return cands
}

// SellOrders makes n paid orders of listed SKUs with stock (of one SKU when
// skuOuterID is set), lowering the stock as the platform does. An order of
// a product in the 优选联盟 pool was sold by a 达人 and owes commission.
func (s *Server) SellOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for range n {
		cands := s.sellable(skuOuterID, 1)
		if len(cands) == 0 {
			if len(ids) > 0 {
				s.Persist.Changed()
			}
			return ids, errors.New("no listed SKU with stock to sell")
		}
		ids = append(ids, s.sell([]orderLine{cands[s.rnd.Intn(len(cands))]}).ID)
	}
	s.Persist.Changed()
	return ids, nil
}

// SKUCount is one line of an order SellOrderOf makes.
type SKUCount struct {
	OutSKUID string
	Count    int
}

// SellOrderOf makes one paid order of the given SKUs and counts (a test
// knob: the generator sells one unit per order), or none when a SKU is not
// listed with that much stock.
func (s *Server) SellOrderOf(lines ...SKUCount) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ls []orderLine
	for _, l := range lines {
		cands := s.sellable(l.OutSKUID, max(1, l.Count))
		if len(cands) == 0 {
			return "", fmt.Errorf("sku %s is not listed with %d in stock", l.OutSKUID, l.Count)
		}
		ls = append(ls, cands[0])
	}
	if len(ls) == 0 {
		return "", errors.New("an order needs a line")
	}
	o := s.sell(ls)
	s.Persist.Changed()
	return o.ID, nil
}

// sell records a paid order of lines, lowers their stock and draws a
// promoter for the lines of pool products.
func (s *Server) sell(lines []orderLine) *order {
	now := s.cfg.Now().Unix()
	for i := range lines {
		l := &lines[i]
		s.products[l.ProductID].Stock[l.SKUID] -= l.Count
		if it := s.pool[l.ProductID]; it != nil {
			l.Promoter = s.promote(it, l.SalePrice*int64(l.Count))
		}
	}
	o := &order{ID: s.newID(3, 1e18), Status: orderPaid, CreateTime: now - 60, PayTime: now - 30, UpdateTime: now,
		OpenID: "oSbx" + kit.RandHex(8), Lines: lines}
	s.orders[o.ID] = o
	// Born paid: the platform's two messages, 下单 then 支付成功.
	s.pushOrder("channels_ec_order_new", o.ID, nil)
	s.pushOrder("channels_ec_order_pay", o.ID, map[string]any{"pay_time": o.PayTime})
	return o
}

// CancelOrder has the buyer cancel a paid order not shipped yet: its goods
// go back to stock.
func (s *Server) CancelOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return kit.ErrNotFound
	}
	if o.Status != orderPaid {
		return fmt.Errorf("status %d: only an order waiting to ship (20) can be cancelled", o.Status)
	}
	for _, l := range o.Lines {
		if p := s.products[l.ProductID]; p != nil {
			p.Stock[l.SKUID] += l.Count
		}
	}
	s.refundAll(o, "CANCEL_BEFORE_SHIP")
	s.pushOrder("channels_ec_order_cancel", o.ID, map[string]any{"cancel_type": 1}) // UNCONFIRMED: 1 = the buyer cancelled
	s.Persist.Changed()
	return nil
}

// RefundOrder gives the buyer a full refund through after-sales.
func (s *Server) RefundOrder(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[id]
	if o == nil {
		return kit.ErrNotFound
	}
	if o.Status == orderAftersale {
		return errors.New("already refunded")
	}
	s.refundAll(o, "NO_LONGER_WANT")
	s.Persist.Changed()
	return nil
}

// refundAll refunds every line through an after-sales case (REFUND,
// 退款完成) and cancels the order (200) and its commission.
func (s *Server) refundAll(o *order, reason string) {
	s.touch(o)
	for i := range o.Lines {
		l := &o.Lines[i]
		s.openCase(o, l, "REFUND", reason, caseRefunded)
		if l.Promoter != nil {
			l.Promoter.Status = settleCancelled
		}
	}
	o.Status, o.Aftersale = orderAftersale, true
}

func (s *Server) orderList(body []byte) (map[string]any, *apiErr) {
	var in struct {
		UpdateTimeRange *struct {
			StartTime int64 `json:"start_time"`
			EndTime   int64 `json:"end_time"`
		} `json:"update_time_range"`
		PageSize int    `json:"page_size"`
		NextKey  string `json:"next_key"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	r := in.UpdateTimeRange
	switch {
	case r == nil:
		return nil, invalidArg("update_time_range", "required")
	case r.EndTime <= r.StartTime:
		return nil, invalidArg("update_time_range", "end_time must be after start_time")
	case time.Duration(r.EndTime-r.StartTime)*time.Second > MaxOrderSpan:
		return nil, invalidArg("update_time_range", "spans more than 7 days")
	case in.PageSize < 0 || in.PageSize > MaxPageSize:
		return nil, invalidArg("page_size", "must be 1 to %d", MaxPageSize)
	}
	size := in.PageSize
	if size == 0 {
		size = 10
	}
	from := 0
	if in.NextKey != "" {
		n, err := strconv.Atoi(in.NextKey)
		if err != nil || n < 0 {
			return nil, invalidArg("next_key", "not a key this API returned")
		}
		from = n
	}
	var match []*order
	for _, o := range s.orders {
		if o.UpdateTime >= r.StartTime && o.UpdateTime < r.EndTime {
			match = append(match, o)
		}
	}
	sort.Slice(match, func(i, j int) bool {
		if match[i].UpdateTime != match[j].UpdateTime {
			return match[i].UpdateTime < match[j].UpdateTime
		}
		return match[i].ID < match[j].ID
	})
	ids := []string{}
	for i := from; i < len(match) && i < from+size; i++ {
		ids = append(ids, match[i].ID)
	}
	next := from + len(ids)
	return map[string]any{"order_id_list": ids, "next_key": strconv.Itoa(next), "has_more": next < len(match)}, nil
}

func (s *Server) orderGet(body []byte) (map[string]any, *apiErr) {
	var in struct {
		OrderID string `json:"order_id"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	o := s.orders[in.OrderID]
	if o == nil {
		return nil, errf(CodeOrderNotFound, "order %s not found", in.OrderID)
	}
	infos := []map[string]any{}
	var goods int64
	for _, l := range o.Lines {
		goods += l.SalePrice * int64(l.Count)
		after := 0
		if o.Aftersale {
			after = l.Count
		}
		infos = append(infos, map[string]any{"product_id": l.ProductID, "sku_id": l.SKUID, "out_sku_id": l.OutSKUID, "sku_cnt": l.Count,
			"sale_price": l.SalePrice, "market_price": l.SalePrice, "real_price": l.SalePrice * int64(l.Count), "title": l.Title,
			"sku_attrs": []attr{}, "on_aftersale_sku_cnt": after})
	}
	deliveries := []map[string]any{}
	for _, d := range o.deliveries() {
		ps := []map[string]any{}
		for _, p := range d.Products {
			ps = append(ps, map[string]any{"product_id": p.ProductID, "sku_id": p.SKUID, "product_cnt": p.Count})
		}
		deliveries = append(deliveries, map[string]any{"waybill_id": d.WaybillID, "delivery_id": d.DeliveryID, "delivery_time": d.Time,
			"deliver_type": 1, "product_infos": ps})
	}
	b := buyers[len(o.ID)%len(buyers)]
	if n, err := strconv.ParseInt(o.ID[len(o.ID)-3:], 10, 64); err == nil {
		b = buyers[n%int64(len(buyers))]
	}
	// order_id goes out as a bare JSON number, as the platform's docs show
	// it: a client reading it through float64 loses its last digits.
	detail := map[string]any{
		"order_id": json.Number(o.ID), "status": o.Status, "create_time": o.CreateTime, "update_time": o.UpdateTime, "openid": o.OpenID,
		"order_detail": map[string]any{
			"product_infos": infos,
			"pay_info":      map[string]any{"prepay_id": "wx" + o.ID[:10], "transaction_id": "42" + o.ID[:12], "pay_time": o.PayTime, "payment_method": 1},
			"price_info": map[string]any{"product_price": goods, "order_price": goods + o.Freight - o.Discount, "freight": o.Freight,
				"discounted_price": o.Discount, "is_discounted": o.Discount > 0},
			"delivery_info": map[string]any{"address_info": map[string]any{"user_name": b.name, "tel_number": b.tel, "province_name": b.province,
				"city_name": b.city, "county_name": b.county, "detail_info": b.detail, "postal_code": "000000"}, "deliver_method": 0,
				"delivery_product_info": deliveries, "ship_done_time": o.shipDoneTime()},
			"ext_info": map[string]any{"customer_notes": "", "merchant_notes": ""},
		},
		"aftersale_detail": s.afterSaleDetail(o),
	}
	s.commission(o, detail["order_detail"].(map[string]any))
	return map[string]any{"order": detail}, nil
}
