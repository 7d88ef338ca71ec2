package tmall

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

type trade struct {
	Tid                         int64
	Status                      string
	Created, Modified, PayTime  time.Time
	BuyerNick, OpenUID, Message string
	RecvName, RecvMobile        string
	State, City, District, Addr string
	PostFee                     int64
	Lines                       []*tline
	Waybill, Company            string
}

type tline struct {
	Oid, NumIID, SkuID          int64
	OuterIID, OuterSkuID, Title string
	SkuPropsName                string
	Price                       int64
	Num                         int
	Status                      string
	Refund                      string // refund_status: "" (NO_REFUND) or SUCCESS
	Waybill                     string // set when the line shipped
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"}
	regions  = [][3]string{{"浙江省", "杭州市", "西湖区"}, {"上海", "上海市", "浦东新区"}, {"广东省", "深圳市", "南山区"},
		{"北京", "北京市", "朝阳区"}, {"江苏省", "南京市", "鼓楼区"}, {"四川省", "成都市", "武侯区"}, {"湖北省", "武汉市", "洪山区"},
		{"广东省", "广州市", "天河区"}, {"福建省", "厦门市", "思明区"}, {"山东省", "青岛市", "市南区"}}
	streets = []string{"文三路", "建国路", "科技园南路", "人民路", "解放大道", "中山路"}
)

// CreateOrders makes n paid trades for random on-sale SKUs with stock
// (only skuOuterID when set) and returns their tids. When stock runs out it
// stops and returns the tids it made with an error saying how many.
func (s *Server) CreateOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []string{}
	for i := 0; i < n; i++ {
		t := s.newTrade(skuOuterID)
		if t == nil {
			break
		}
		out = append(out, strconv.FormatInt(t.Tid, 10))
	}
	if len(out) > 0 {
		s.changed()
	}
	if len(out) < n {
		what := "on-sale SKU with stock"
		if skuOuterID != "" {
			what = "stock of on-sale SKU " + skuOuterID
		}
		return out, fmt.Errorf("created %d of %d orders: no %s left to sell (push products or stock first)", len(out), n, what)
	}
	return out, nil
}

// maxLines bounds the lines of a generated trade (and must stay below 1000).
const maxLines = 3

type pick struct {
	it *item
	k  *sku
}

func (s *Server) sellable(skuOuterID string) []pick {
	var out []pick
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		if it.ApproveStatus != "onsale" {
			continue
		}
		for _, k := range it.SKUs {
			if k.Quantity > 0 && (skuOuterID == "" || k.OuterID == skuOuterID) {
				out = append(out, pick{it, k})
			}
		}
	}
	return out
}

func (s *Server) newTrade(skuOuterID string) *trade {
	now := s.cfg.Now().Truncate(time.Second)
	region := regions[s.rnd.Intn(len(regions))]
	// Tids are 19 digits (beyond float64's exact range) and end in 000; a
	// line's oid is its tid + 1..999, so no oid ever equals another tid.
	t := &trade{Tid: 3000000000000000000 + s.newID()*1000, Status: "WAIT_SELLER_SEND_GOODS",
		Created: now, Modified: now, PayTime: now,
		BuyerNick: "t" + strings.Repeat("*", 2) + strconv.Itoa(s.rnd.Intn(10)), OpenUID: fmt.Sprintf("AAH%012d", s.rnd.Int63n(1e12)),
		RecvName: surnames[s.rnd.Intn(len(surnames))] + "*", RecvMobile: fmt.Sprintf("1%d%d****%04d", 3+s.rnd.Intn(6), s.rnd.Intn(10), s.rnd.Intn(10000)),
		State: region[0], City: region[1], District: region[2], Addr: streets[s.rnd.Intn(len(streets))] + "***"}
	lines := 1 + s.rnd.Intn(maxLines)
	used := map[*sku]bool{}
	// A line only takes stock from a SKU it marks used, so the candidates
	// of the later lines are these minus the used ones.
	cands := s.sellable(skuOuterID)
	for i := 0; i < lines; i++ {
		var free []pick
		for _, c := range cands {
			if !used[c.k] {
				free = append(free, c)
			}
		}
		if len(free) == 0 {
			break
		}
		c := free[s.rnd.Intn(len(free))]
		used[c.k] = true
		num := min(1+s.rnd.Intn(2), c.k.Quantity)
		c.k.Quantity -= num
		c.it.Num -= num
		var names []string
		for _, pv := range strings.Split(c.k.Properties, ";") {
			names = append(names, c.it.Aliases[pv])
		}
		t.Lines = append(t.Lines, &tline{Oid: t.Tid + int64(i+1), NumIID: c.it.NumIID, SkuID: c.k.SkuID, OuterIID: c.it.OuterID,
			OuterSkuID: c.k.OuterID, Title: c.it.Title, SkuPropsName: strings.Join(names, ";"), Price: c.k.Price, Num: num, Status: t.Status})
	}
	if len(t.Lines) == 0 {
		return nil
	}
	if s.rnd.Intn(4) == 0 {
		t.PostFee = 800
	}
	s.trades[t.Tid] = t
	return t
}

// view is the trade as TOP's Trade object, every field.
func (t *trade) view() map[string]any {
	var goods int64
	var orders []map[string]any
	for _, l := range t.Lines {
		fee := l.Price * int64(l.Num)
		goods += fee
		orders = append(orders, map[string]any{"oid": l.Oid, "num_iid": l.NumIID, "sku_id": strconv.FormatInt(l.SkuID, 10),
			"outer_iid": l.OuterIID, "outer_sku_id": l.OuterSkuID, "title": l.Title, "sku_properties_name": l.SkuPropsName,
			"price": yuan(l.Price), "num": l.Num, "total_fee": yuan(fee), "payment": yuan(fee), "discount_fee": "0.00",
			"status": l.Status, "refund_status": refundStatus(l.Refund)})
	}
	v := map[string]any{"tid": t.Tid, "status": t.Status, "created": t.Created.In(gmt8).Format(topTime),
		"modified": t.Modified.In(gmt8).Format(topTime), "pay_time": t.PayTime.In(gmt8).Format(topTime),
		"payment": yuan(goods + t.PostFee), "total_fee": yuan(goods), "discount_fee": "0.00", "post_fee": yuan(t.PostFee),
		"buyer_nick": t.BuyerNick, "buyer_open_uid": t.OpenUID, "receiver_name": t.RecvName, "receiver_mobile": t.RecvMobile,
		"receiver_state": t.State, "receiver_city": t.City, "receiver_district": t.District, "receiver_address": t.Addr,
		"orders": map[string]any{"order": orders}}
	if t.Message != "" {
		v["buyer_message"] = t.Message
	}
	return v
}

func (s *Server) incrementGet(p params) (any, *topErr) {
	if p.get("fields") == "" {
		return nil, missing("fields")
	}
	for _, k := range []string{"start_modified", "end_modified"} {
		if p.get(k) == "" {
			return nil, missing(k)
		}
	}
	start, err := time.ParseInLocation(topTime, p.get("start_modified"), gmt8)
	if err != nil {
		return nil, invalidArg("start_modified", "格式应为 yyyy-MM-dd HH:mm:ss")
	}
	end, err := time.ParseInLocation(topTime, p.get("end_modified"), gmt8)
	if err != nil {
		return nil, invalidArg("end_modified", "格式应为 yyyy-MM-dd HH:mm:ss")
	}
	if !end.After(start) {
		return nil, invalidArg("end_modified", "必须晚于 start_modified")
	}
	if end.Sub(start) > 24*time.Hour {
		return nil, invalidArg("end_modified", "start_modified 与 end_modified 相差不能超过一天")
	}
	page, size := 1, 40
	if v := p.get("page_no"); v != "" {
		if page, err = strconv.Atoi(v); err != nil || page < 1 {
			return nil, invalidArg("page_no", "须为正整数")
		}
	}
	if v := p.get("page_size"); v != "" {
		if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 100 {
			return nil, invalidArg("page_size", "取值范围 1~100")
		}
	}
	var hits []*trade
	for _, t := range s.trades {
		if !t.Modified.Before(start) && !t.Modified.After(end) && (p.get("status") == "" || p.get("status") == t.Status) {
			hits = append(hits, t)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		if !hits[i].Modified.Equal(hits[j].Modified) {
			return hits[i].Modified.After(hits[j].Modified)
		}
		return hits[i].Tid > hits[j].Tid
	})
	from := min((page-1)*size, len(hits))
	to := min(from+size, len(hits))
	trades := []map[string]any{}
	for _, t := range hits[from:to] {
		trades = append(trades, selectFields(t.view(), p.get("fields"), nil))
	}
	resp := map[string]any{"trades": map[string]any{"trade": trades}}
	if p.get("use_has_next") == "true" {
		resp["has_next"] = to < len(hits)
	} else {
		resp["total_results"] = len(hits)
	}
	return resp, nil
}

func (s *Server) findTrade(p params) (*trade, *topErr) {
	v := p.get("tid")
	if v == "" {
		return nil, missing("tid")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, invalidArg("tid", "不是数字")
	}
	t, ok := s.trades[id]
	if !ok {
		return nil, perr(15, "isv.trade-not-exist", "交易 "+v+" 不存在")
	}
	return t, nil
}

func (s *Server) fullinfoGet(p params) (any, *topErr) {
	if p.get("fields") == "" {
		return nil, missing("fields")
	}
	t, e := s.findTrade(p)
	if e != nil {
		return nil, e
	}
	return map[string]any{"trade": selectFields(t.view(), p.get("fields"), nil)}, nil
}

// prune drops trades older than TOP serves ("only last 3 months"), at most
// once a minute. Called with s.mu held.
func (s *Server) prune() {
	now := s.cfg.Now()
	if now.Sub(s.lastPrune) < time.Minute {
		return
	}
	s.lastPrune = now
	dropped := false
	for id, t := range s.trades {
		if now.Sub(t.Modified) > tradeLifetime {
			delete(s.trades, id)
			dropped = true
		}
	}
	if dropped {
		s.changed()
	}
}

var carriers = map[string]bool{"SF": true, "ZTO": true, "YTO": true, "STO": true, "YUNDA": true, "EMS": true, "JD": true, "POST": true, "DBL": true, "ZJS": true}

// offlineSend ships a trade, or with is_split=1 only the sub orders named
// in sub_tid (without is_split=1 sub_tid is ignored, as TOP documents the
// pair). Every named sub order must belong to the trade and still wait for
// shipping; the trade's status then follows its lines.
func (s *Server) offlineSend(p params) (any, *topErr) {
	t, e := s.findTrade(p)
	if e != nil {
		return nil, e
	}
	for _, k := range []string{"out_sid", "company_code"} {
		if p.get(k) == "" {
			return nil, missing(k)
		}
	}
	if !carriers[p.get("company_code")] {
		return nil, invalidArg("company_code", "物流公司编码 "+p.get("company_code")+" 不存在")
	}
	if t.Status != "WAIT_SELLER_SEND_GOODS" && t.Status != "SELLER_CONSIGNED_PART" {
		return nil, perr(15, "isv.logistics-offline-service-error", "交易状态 "+t.Status+" 不能发货")
	}
	partial := p.get("is_split") == "1"
	ship := map[int64]bool{}
	if partial {
		if p.get("sub_tid") == "" {
			return nil, missing("sub_tid")
		}
		byOid := map[int64]*tline{}
		for _, l := range t.Lines {
			byOid[l.Oid] = l
		}
		for _, v := range strings.Split(p.get("sub_tid"), ",") {
			oid, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			l := byOid[oid]
			switch {
			case err != nil || l == nil:
				return nil, perr(41, "isv.invalid-parameter:sub_tid", fmt.Sprintf("子订单 %s 不属于交易 %d", v, t.Tid))
			case l.Status != "WAIT_SELLER_SEND_GOODS":
				return nil, perr(15, "isv.logistics-offline-service-error", fmt.Sprintf("子订单 %d 状态 %s 不能发货", oid, l.Status))
			}
			ship[oid] = true
		}
	}
	waiting := 0
	for _, l := range t.Lines {
		if l.Status == "WAIT_SELLER_SEND_GOODS" && (!partial || ship[l.Oid]) {
			l.Status, l.Waybill = "WAIT_BUYER_CONFIRM_GOODS", p.get("out_sid")
		}
		if l.Status == "WAIT_SELLER_SEND_GOODS" {
			waiting++
		}
	}
	t.Status = "WAIT_BUYER_CONFIRM_GOODS"
	if waiting > 0 {
		t.Status = "SELLER_CONSIGNED_PART"
	}
	t.Waybill, t.Company = p.get("out_sid"), p.get("company_code")
	t.Modified = laterThan(t.Modified, s.cfg.Now())
	return map[string]any{"shipping": map[string]any{"is_success": true}}, nil
}

// laterThan is now to the second, but strictly after prev: a trade's
// modified is its version, and a change must make a new one.
func laterThan(prev, now time.Time) time.Time {
	now = now.Truncate(time.Second)
	if !now.After(prev) {
		now = prev.Truncate(time.Second).Add(time.Second)
	}
	return now
}

func refundStatus(r string) string {
	if r == "" {
		return "NO_REFUND"
	}
	return r
}
