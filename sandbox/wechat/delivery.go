package wechat

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Companies is the platform's delivery company list as
// order/deliverycompanylist/get shows it (the doc's delivery_id table),
// kept here apart from the connector's carrier table: order/delivery/send
// takes these codes only.
var Companies = map[string]string{
	"ZTO": "中通快递", "YTO": "圆通速递", "YUNDA": "韵达快递", "JTSD": "极兔速递", "STO": "申通快递", "SF": "顺丰速运",
	"JD": "京东快递", "EMS": "中国邮政", "CNSD": "菜鸟速递(丹鸟)", "DBKD": "德邦快递", "SXJD": "顺心捷达", "ZTOKY": "中通快运",
	"YDKY": "韵达快运", "ANEKY": "安能物流", "BTWL": "百世快运", "KYSY": "跨越速运", "YMDD": "壹米滴答", "RJTCSD": "锐界同城速递",
	"ZJS": "宅急送", "XFEX": "信丰物流",
}

// delivery is one parcel of an order.
type delivery struct {
	DeliveryID string            `json:"delivery_id"`
	WaybillID  string            `json:"waybill_id"`
	Time       int64             `json:"delivery_time"`
	Products   []deliveryProduct `json:"products"`
}

type deliveryProduct struct {
	ProductID string `json:"product_id"`
	SKUID     string `json:"sku_id"`
	Count     int    `json:"product_cnt"`
}

// deliveries are the order's parcels, the one of an older state file
// (Waybill) included.
func (o *order) deliveries() []delivery {
	if len(o.Deliveries) == 0 && o.Waybill != "" {
		d := delivery{WaybillID: o.Waybill}
		for _, l := range o.Lines {
			d.Products = append(d.Products, deliveryProduct{ProductID: l.ProductID, SKUID: l.SKUID, Count: l.Count})
		}
		return []delivery{d}
	}
	return o.Deliveries
}

func (s *Server) companyList([]byte) (map[string]any, *apiErr) {
	ids := make([]string, 0, len(Companies))
	for id := range Companies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	list := []map[string]string{}
	for _, id := range ids {
		list = append(list, map[string]string{"delivery_id": id, "delivery_name": Companies[id]})
	}
	return map[string]any{"company_list": list}, nil
}

// flexID is an id the platform takes as a JSON number or string.
type flexID string

func (f *flexID) UnmarshalJSON(b []byte) error {
	var n json.Number
	if err := json.Unmarshal(b, &n); err == nil {
		*f = flexID(n.String())
		return nil
	}
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return fmt.Errorf("want an id, got %s", b)
	}
	*f = flexID(str)
	return nil
}

// deliverySend ships an order: the whole of what is left (no
// product_infos) or the given counts of its lines, parcel by parcel. The
// order is 21 while lines are left, 30 when all left. A parcel whose
// waybill the order has already is the same shipment again: answered ok.
func (s *Server) deliverySend(body []byte) (map[string]any, *apiErr) {
	var in struct {
		OrderID      string `json:"order_id"`
		DeliveryList []struct {
			DeliveryID   string `json:"delivery_id"`
			WaybillID    string `json:"waybill_id"`
			DeliverType  int    `json:"deliver_type"`
			ProductInfos []struct {
				ProductID  flexID `json:"product_id"`
				SKUID      flexID `json:"sku_id"`
				ProductCnt int    `json:"product_cnt"`
			} `json:"product_infos"`
		} `json:"delivery_list"`
	}
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	o := s.orders[in.OrderID]
	if o == nil {
		return nil, errf(CodeOrderNotFound, "order %s not found", in.OrderID)
	}
	if len(in.DeliveryList) == 0 {
		return nil, invalidArg("delivery_list", "at least one delivery")
	}
	known, again := map[string]bool{}, true
	for _, d := range o.deliveries() {
		known[d.WaybillID] = true
	}
	for i, d := range in.DeliveryList {
		f := "delivery_list[" + itoa(i) + "]."
		switch {
		case d.WaybillID == "":
			return nil, invalidArg(f+"waybill_id", "required")
		case d.DeliveryID == "":
			return nil, invalidArg(f+"delivery_id", "required")
		case Companies[d.DeliveryID] == "":
			return nil, errf(CodeBadDeliveryID, "快递公司ID错误,请检查delivery_id (%q)", d.DeliveryID)
		case d.DeliverType != 0 && d.DeliverType != 1:
			return nil, invalidArg(f+"deliver_type", "1 (自寄快递) is the one simulated, got %d", d.DeliverType)
		}
		again = again && known[d.WaybillID]
	}
	if again {
		return nil, nil
	}
	if o.Status != orderPaid && o.Status != orderPartShipped {
		return nil, errf(CodeOrderNotShipped, "order %s is not waiting to ship (status %d)", o.ID, o.Status)
	}
	left := map[string]int{} // sku_id → units not shipped
	for _, l := range o.Lines {
		left[l.SKUID] += l.Count - l.Shipped
	}
	var parcels []delivery
	now := s.cfg.Now().Unix()
	for i, d := range in.DeliveryList {
		p := delivery{DeliveryID: d.DeliveryID, WaybillID: d.WaybillID, Time: now}
		if len(d.ProductInfos) == 0 {
			for _, l := range o.Lines {
				if n := left[l.SKUID]; n > 0 {
					p.Products = append(p.Products, deliveryProduct{ProductID: l.ProductID, SKUID: l.SKUID, Count: n})
					left[l.SKUID] = 0
				}
			}
		}
		for j, x := range d.ProductInfos {
			f := "delivery_list[" + itoa(i) + "].product_infos[" + itoa(j) + "]"
			l := o.line(string(x.ProductID), string(x.SKUID))
			switch {
			case l == nil:
				return nil, invalidArg(f, "product %s sku %s is not on order %s", x.ProductID, x.SKUID, o.ID)
			case x.ProductCnt <= 0 || x.ProductCnt > left[l.SKUID]:
				return nil, invalidArg(f+".product_cnt", "%d: %d of it are left to ship", x.ProductCnt, left[l.SKUID])
			}
			left[l.SKUID] -= x.ProductCnt
			p.Products = append(p.Products, deliveryProduct{ProductID: l.ProductID, SKUID: l.SKUID, Count: x.ProductCnt})
		}
		if len(p.Products) == 0 {
			return nil, invalidArg("delivery_list["+itoa(i)+"]", "nothing is left to ship")
		}
		parcels = append(parcels, p)
	}
	// Every check passed: the parcels are recorded together.
	o.Deliveries = append(o.deliveries(), parcels...)
	o.Status = orderShipped
	for i := range o.Lines {
		l := &o.Lines[i]
		l.Shipped = l.Count - left[l.SKUID]
		if left[l.SKUID] > 0 {
			o.Status = orderPartShipped
		}
	}
	s.touch(o)
	finish := 0
	if o.Status == orderShipped {
		finish = 1
	}
	s.pushOrder("channels_ec_order_deliver", o.ID, map[string]any{"finish_delivery": finish})
	return nil, nil
}

func (o *order) line(productID, skuID string) *orderLine {
	for i := range o.Lines {
		if o.Lines[i].ProductID == productID && o.Lines[i].SKUID == skuID {
			return &o.Lines[i]
		}
	}
	return nil
}

func (o *order) shipDoneTime() int64 {
	if o.Status != orderShipped {
		return 0
	}
	var t int64
	for _, d := range o.Deliveries {
		t = max(t, d.Time)
	}
	return t
}
