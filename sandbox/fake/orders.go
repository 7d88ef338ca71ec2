package fake

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Order statuses on the wire.
const (
	OrderPendingPayment = 10
	OrderPaid           = 20 // waiting to ship
	OrderPartShipped    = 21
	OrderShipped        = 30
	OrderCompleted      = 100
	OrderCancelled      = 250
)

// Order is an order as the platform keeps it. Tests add their own with
// AddOrder; the platform makes them when it sells (SellOrders, Sell).
type Order struct {
	ID          string    `json:"id"` // digits
	Status      int       `json:"status"`
	Created     time.Time `json:"created"`
	Paid        time.Time `json:"paid,omitzero"`
	Modified    time.Time `json:"modified"` // whole seconds: the order's version
	BuyerOpenID string    `json:"buyer_open_id,omitempty"`
	BuyerNick   string    `json:"buyer_nick,omitempty"` // masked
	Receiver    Receiver  `json:"receiver"`
	DiscountFen int64     `json:"discount_fen,omitempty"`
	FreightFen  int64     `json:"freight_fen,omitempty"`
	Lines       []Line    `json:"lines"`
	Carrier     string    `json:"carrier,omitempty"`
	TrackingNo  string    `json:"tracking_no,omitempty"`
	// Broken names a wire field ("amounts.paid_fen", "update_time",
	// "order_id") that is sent malformed: a string "12.3.4" where the field
	// holds a number, the number 12.34 where it holds anything else. A
	// platform bug the connector must reject the order for, naming the field.
	Broken string `json:"broken,omitempty"`
}

// Receiver is the masked shipping address.
type Receiver struct {
	Name     string `json:"name,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Province string `json:"province,omitempty"`
	City     string `json:"city,omitempty"`
	District string `json:"district,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// Line is one line of an Order.
type Line struct {
	ID           string `json:"id"`
	ItemID       string `json:"item_id,omitempty"`
	SKUID        string `json:"sku_id,omitempty"`
	SKUOuterID   string `json:"sku_outer_id,omitempty"`
	Title        string `json:"title"`
	Quantity     int    `json:"quantity"`
	UnitPriceFen int64  `json:"unit_price_fen"`
	Shipped      bool   `json:"shipped,omitempty"`
	Refunded     bool   `json:"refunded,omitempty"`
}

// wire is the order as order.list and order.get send it.
func (o *Order) wire() map[string]any {
	var goods int64
	lines := []any{}
	for _, l := range o.Lines {
		amount := l.UnitPriceFen * int64(l.Quantity)
		goods += amount
		refund := ""
		if l.Refunded {
			refund = "refunded"
		}
		lines = append(lines, map[string]any{"line_id": l.ID, "item_id": l.ItemID, "sku_id": l.SKUID, "outer_sku_id": l.SKUOuterID,
			"title": l.Title, "quantity": l.Quantity, "unit_price_fen": l.UnitPriceFen, "paid_fen": amount, "shipped": l.Shipped,
			"refund_status": refund})
	}
	var paidAt int64
	if !o.Paid.IsZero() {
		paidAt = o.Paid.Unix()
	}
	r := o.Receiver
	v := map[string]any{"order_id": o.ID, "status": o.Status, "create_time": o.Created.Unix(), "pay_time": paidAt,
		"update_time": o.Modified.Unix(), "buyer": map[string]any{"open_id": o.BuyerOpenID, "nick": o.BuyerNick},
		"address": map[string]any{"name": r.Name, "phone": r.Phone, "province": r.Province, "city": r.City, "district": r.District, "detail": r.Detail},
		"amounts": map[string]any{"goods_fen": goods, "discount_fen": o.DiscountFen, "freight_fen": o.FreightFen,
			"paid_fen": goods - o.DiscountFen + o.FreightFen},
		"lines": lines}
	if o.Carrier != "" {
		v["delivery"] = map[string]any{"carrier": o.Carrier, "tracking_no": o.TrackingNo}
	}
	if o.Broken != "" {
		breakField(v, strings.Split(o.Broken, "."))
	}
	return v
}

// breakField replaces the value at path with one of the wrong kind.
func breakField(v map[string]any, path []string) {
	for _, k := range path[:len(path)-1] {
		next, ok := v[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			v[k] = next
		}
		v = next
	}
	leaf := path[len(path)-1]
	switch v[leaf].(type) {
	case int, int64:
		v[leaf] = "12.3.4"
	default:
		v[leaf] = 12.34
	}
}

// orderKey orders orders by modification second, then id (numerically).
type orderKey struct {
	mod int64
	id  string
}

func (a orderKey) less(b orderKey) bool {
	if a.mod != b.mod {
		return a.mod < b.mod
	}
	if len(a.id) != len(b.id) {
		return len(a.id) < len(b.id)
	}
	return a.id < b.id
}

// The cursor is opaque to clients: the key of the last order sent, so a
// page never shifts when orders are modified between calls.
func (k orderKey) cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(k.mod, 10) + ":" + k.id))
}

func parseCursor(c string) (orderKey, bool) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return orderKey{}, false
	}
	m, id, ok := strings.Cut(string(b), ":")
	mod, err := strconv.ParseInt(m, 10, 64)
	if !ok || err != nil || !allDigits(id) {
		return orderKey{}, false
	}
	return orderKey{mod, id}, true
}

// orderList answers the orders modified in [start_time, end_time), oldest
// first, page_size at a time, walked with next_cursor. A window longer
// than the platform's cap, or a page larger than its page size, is refused.
func (s *Server) orderList(body []byte) (any, *apiErr) {
	var r struct {
		StartTime int64  `json:"start_time"`
		EndTime   int64  `json:"end_time"`
		Cursor    string `json:"cursor"`
		PageSize  int    `json:"page_size"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	capSecs := int64(s.windowMax / time.Second)
	switch {
	case r.StartTime <= 0:
		return nil, invalid("start_time", "required (unix seconds)")
	case r.EndTime <= r.StartTime:
		return nil, invalid("end_time", "%d is not after start_time %d", r.EndTime, r.StartTime)
	case r.EndTime-r.StartTime > capSecs:
		return nil, invalid("end_time", "the window is %d s; at most %d s", r.EndTime-r.StartTime, capSecs)
	case r.PageSize < 0 || r.PageSize > s.pageSize:
		return nil, invalid("page_size", "%d; want 1 to %d", r.PageSize, s.pageSize)
	}
	size := r.PageSize
	if size == 0 {
		size = s.pageSize
	}
	var after *orderKey
	if r.Cursor != "" {
		k, ok := parseCursor(r.Cursor)
		if !ok {
			return nil, invalid("cursor", "not a cursor this platform made")
		}
		after = &k
	}
	var hits []*Order
	for _, o := range s.orders {
		m := o.Modified.Unix()
		if m >= r.StartTime && m < r.EndTime && (after == nil || after.less(orderKey{m, o.ID})) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		return orderKey{hits[i].Modified.Unix(), hits[i].ID}.less(orderKey{hits[j].Modified.Unix(), hits[j].ID})
	})
	out := map[string]any{"orders": []any{}, "has_more": false, "next_cursor": ""}
	page := hits[:min(size, len(hits))]
	list := make([]any, 0, len(page))
	for _, o := range page {
		list = append(list, o.wire())
	}
	out["orders"] = list
	if len(hits) > size {
		last := page[len(page)-1]
		out["has_more"], out["next_cursor"] = true, orderKey{last.Modified.Unix(), last.ID}.cursor()
	}
	return out, nil
}

func (s *Server) findOrder(id string) (*Order, *apiErr) {
	if id == "" {
		return nil, invalid("order_id", "required")
	}
	o := s.orders[id]
	if o == nil {
		return nil, errf(CodeNotFound, "order_id: no order %s", id)
	}
	return o, nil
}

func (s *Server) orderGet(body []byte) (any, *apiErr) {
	var r struct {
		OrderID string `json:"order_id"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	o, e := s.findOrder(r.OrderID)
	if e != nil {
		return nil, e
	}
	return map[string]any{"order": o.wire()}, nil
}

// orderShip ships an order waiting to ship: every line not shipped yet, or
// the lines named (whole lines: quantity 0 or the line's quantity).
func (s *Server) orderShip(body []byte) (any, *apiErr) {
	var r struct {
		OrderID    string `json:"order_id"`
		Carrier    string `json:"carrier"`
		TrackingNo string `json:"tracking_no"`
		Lines      []struct {
			LineID   string `json:"line_id"`
			Quantity int    `json:"quantity"`
		} `json:"lines"`
	}
	if e := decode(body, &r); e != nil {
		return nil, e
	}
	o, e := s.findOrder(r.OrderID)
	switch {
	case e != nil:
		return nil, e
	case r.Carrier == "":
		return nil, invalid("carrier", "required")
	case r.TrackingNo == "":
		return nil, invalid("tracking_no", "required")
	case o.Status != OrderPaid && o.Status != OrderPartShipped:
		return nil, errf(CodeConflict, "order %s has status %d: only an order waiting to ship (20, 21) can be shipped", o.ID, o.Status)
	}
	ship := map[int]bool{}
	for i, rl := range r.Lines {
		f := fmt.Sprintf("lines[%d].", i)
		idx := -1
		for j, l := range o.Lines {
			if l.ID == rl.LineID {
				idx = j
			}
		}
		switch {
		case idx < 0:
			return nil, invalid(f+"line_id", "order %s has no line %q", o.ID, rl.LineID)
		case o.Lines[idx].Shipped || ship[idx]:
			return nil, errf(CodeConflict, "%sline_id: line %s of order %s is shipped already", f, rl.LineID, o.ID)
		case rl.Quantity != 0 && rl.Quantity != o.Lines[idx].Quantity:
			return nil, invalid(f+"quantity", "%d of %d: this platform ships whole lines (0 or the line's quantity)", rl.Quantity, o.Lines[idx].Quantity)
		}
		ship[idx] = true
	}
	all := true
	for i := range o.Lines {
		if len(r.Lines) == 0 || ship[i] {
			o.Lines[i].Shipped = true
		}
		all = all && o.Lines[i].Shipped
	}
	o.Status = OrderPartShipped
	if all {
		o.Status = OrderShipped
	}
	o.Carrier, o.TrackingNo = r.Carrier, r.TrackingNo
	o.Modified = laterThan(o.Modified, s.cfg.Now())
	return map[string]any{"order_id": o.ID, "status": o.Status}, nil
}

// laterThan is now in whole seconds, or one second past prev when now is
// not later: a changed order is a new version even within its second.
func laterThan(prev, now time.Time) time.Time {
	now = now.Truncate(time.Second)
	if !now.After(prev) {
		now = prev.Truncate(time.Second).Add(time.Second)
	}
	return now
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"}
	regions  = [][3]string{{"浙江省", "杭州市", "西湖区"}, {"上海", "上海市", "浦东新区"}, {"广东省", "深圳市", "南山区"},
		{"北京", "北京市", "朝阳区"}, {"四川省", "成都市", "武侯区"}}
)

type pick struct {
	it *item
	k  *sku
}

// sellable lists the SKUs buyers can buy: on shelf, with stock.
func (s *Server) sellable(skuOuterID string) []pick {
	var out []pick
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		if it.status() != StatusOnShelf {
			continue
		}
		for _, k := range it.SKUs {
			if k.Stock > 0 && (skuOuterID == "" || k.OuterID == skuOuterID) {
				out = append(out, pick{it, k})
			}
		}
	}
	return out
}

// newOrder makes a paid order of the picked SKUs, taking their stock.
// Line ids are the order id with two more digits.
func (s *Server) newOrder(picks []pick, qty func(stock int) int) *Order {
	now := s.cfg.Now().Truncate(time.Second)
	region := regions[s.rnd.Intn(len(regions))]
	o := &Order{ID: s.newID(3), Status: OrderPaid, Created: now, Paid: now, Modified: now,
		BuyerOpenID: fmt.Sprintf("o%015x", s.rnd.Int63n(1<<60)), BuyerNick: "买家**" + strconv.Itoa(s.rnd.Intn(10)),
		Receiver: Receiver{Name: surnames[s.rnd.Intn(len(surnames))] + "*", Phone: fmt.Sprintf("1%d%d****%04d", 3+s.rnd.Intn(6), s.rnd.Intn(10), s.rnd.Intn(10000)),
			Province: region[0], City: region[1], District: region[2], Detail: "人民路***"}}
	for i, p := range picks {
		n := qty(p.k.Stock)
		p.k.Stock -= n
		o.Lines = append(o.Lines, Line{ID: fmt.Sprintf("%s%02d", o.ID, i+1), ItemID: p.it.ID, SKUID: p.k.ID, SKUOuterID: p.k.OuterID,
			Title: p.it.Title, Quantity: n, UnitPriceFen: p.k.PriceFen})
	}
	s.orders[o.ID] = o
	return o
}

// sellRandom makes one order of one or two random sellable SKUs (one to
// two units each); nil when nothing is sellable.
func (s *Server) sellRandom(skuOuterID string) *Order {
	cands := s.sellable(skuOuterID)
	if len(cands) == 0 {
		return nil
	}
	s.rnd.Shuffle(len(cands), func(i, j int) { cands[i], cands[j] = cands[j], cands[i] })
	n := min(len(cands), 1+s.rnd.Intn(2))
	return s.newOrder(cands[:n], func(stock int) int { return min(stock, 1+s.rnd.Intn(2)) })
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
