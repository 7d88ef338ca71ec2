package tmall

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
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
}

var (
	surnames = []string{"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭"}
	regions  = [][3]string{{"浙江省", "杭州市", "西湖区"}, {"上海", "上海市", "浦东新区"}, {"广东省", "深圳市", "南山区"},
		{"北京", "北京市", "朝阳区"}, {"江苏省", "南京市", "鼓楼区"}, {"四川省", "成都市", "武侯区"}, {"湖北省", "武汉市", "洪山区"},
		{"广东省", "广州市", "天河区"}, {"福建省", "厦门市", "思明区"}, {"山东省", "青岛市", "市南区"}}
	streets = []string{"文三路", "建国路", "科技园南路", "人民路", "解放大道", "中山路"}
)

// CreateOrders makes n paid trades for random on-sale SKUs with stock
// (only skuOuterID when set) and returns their tids. It makes fewer when
// stock runs out.
func (s *Server) CreateOrders(n int, skuOuterID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for i := 0; i < n; i++ {
		t := s.newTrade(skuOuterID)
		if t == nil {
			break
		}
		out = append(out, strconv.FormatInt(t.Tid, 10))
	}
	if len(out) == 0 && n > 0 {
		return nil, fmt.Errorf("no on-sale SKU with stock to sell (push products first)")
	}
	return out, nil
}

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
	t := &trade{Tid: 3000000000000000000 + s.newID()*1000 + int64(s.rnd.Intn(1000)), Status: "WAIT_SELLER_SEND_GOODS",
		Created: now, Modified: now, PayTime: now,
		BuyerNick: "t" + strings.Repeat("*", 2) + strconv.Itoa(s.rnd.Intn(10)), OpenUID: fmt.Sprintf("AAH%012d", s.rnd.Int63n(1e12)),
		RecvName: surnames[s.rnd.Intn(len(surnames))] + "*", RecvMobile: fmt.Sprintf("1%d%d****%04d", 3+s.rnd.Intn(6), s.rnd.Intn(10), s.rnd.Intn(10000)),
		State: region[0], City: region[1], District: region[2], Addr: streets[s.rnd.Intn(len(streets))] + "***"}
	lines := 1 + s.rnd.Intn(3)
	used := map[*sku]bool{}
	for i := 0; i < lines; i++ {
		cands := s.sellable(skuOuterID)
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

func (t *trade) view() map[string]any {
	var goods int64
	var orders []map[string]any
	for _, l := range t.Lines {
		fee := l.Price * int64(l.Num)
		goods += fee
		orders = append(orders, map[string]any{"oid": l.Oid, "num_iid": l.NumIID, "sku_id": strconv.FormatInt(l.SkuID, 10),
			"outer_iid": l.OuterIID, "outer_sku_id": l.OuterSkuID, "title": l.Title, "sku_properties_name": l.SkuPropsName,
			"price": yuan(l.Price), "num": l.Num, "total_fee": yuan(fee), "payment": yuan(fee), "discount_fee": "0.00",
			"status": l.Status, "refund_status": "NO_REFUND"})
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
	var trades []map[string]any
	for _, t := range hits[from:to] {
		trades = append(trades, t.view())
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
		return nil, &topErr{Code: 15, Msg: "Remote service error", SubCode: "isv.trade-not-exist", SubMsg: "交易 " + v + " 不存在"}
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
	return map[string]any{"trade": t.view()}, nil
}

var carriers = map[string]bool{"SF": true, "ZTO": true, "YTO": true, "STO": true, "YUNDA": true, "EMS": true, "JD": true, "POST": true, "DBL": true, "ZJS": true}

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
		return nil, &topErr{Code: 15, Msg: "Remote service error", SubCode: "isv.logistics-offline-service-error", SubMsg: "交易状态 " + t.Status + " 不能发货"}
	}
	ship := map[string]bool{}
	for _, id := range split(p.get("sub_tid")) {
		ship[id] = true
	}
	waiting := 0
	for _, l := range t.Lines {
		if len(ship) == 0 || ship[strconv.FormatInt(l.Oid, 10)] {
			l.Status = "WAIT_BUYER_CONFIRM_GOODS"
		}
		if l.Status == "WAIT_SELLER_SEND_GOODS" {
			waiting++
		}
	}
	t.Status = "WAIT_BUYER_CONFIRM_GOODS"
	if waiting > 0 {
		t.Status = "SELLER_CONSIGNED_PART"
	}
	t.Waybill, t.Company, t.Modified = p.get("out_sid"), p.get("company_code"), s.cfg.Now().Truncate(time.Second)
	return map[string]any{"shipping": map[string]any{"is_success": true}}, nil
}

func (s *Server) sortedItemIDs() []int64 {
	ids := make([]int64, 0, len(s.items))
	for id := range s.items {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (s *Server) adminItems(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	items := []map[string]any{}
	for _, id := range s.sortedItemIDs() {
		it := s.items[id]
		v := s.itemView(it)
		var skus []map[string]any
		for _, k := range it.SKUs {
			skus = append(skus, map[string]any{"sku_id": k.SkuID, "outer_id": k.OuterID, "properties": k.Properties,
				"price": yuan(k.Price), "price_fen": k.Price, "quantity": k.Quantity, "barcode": k.Barcode})
		}
		v["skus"] = skus
		v["price_fen"] = it.Price
		items = append(items, v)
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (s *Server) adminCreateOrders(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Count      int    `json:"count"`
		SKUOuterID string `json:"sku_outer_id"`
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Count < 1 || in.Count > 10000 {
		kit.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": `body must be {"count":N} with 1 ≤ N ≤ 10000`})
		return
	}
	tids, err := s.CreateOrders(in.Count, in.SKUOuterID)
	if err != nil {
		kit.WriteJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	kit.WriteJSON(w, http.StatusCreated, map[string]any{"created": tids})
}

func (s *Server) adminListOrders(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []map[string]any{}
	for _, t := range s.trades {
		v := t.view()
		v["tid"] = strconv.FormatInt(t.Tid, 10)
		v["waybill"] = t.Waybill
		v["company_code"] = t.Company
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i]["tid"].(string) < out[j]["tid"].(string) })
	kit.WriteJSON(w, http.StatusOK, map[string]any{"orders": out})
}

func (s *Server) adminCloseOrder(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, e := s.findTrade(params{"tid": r.PathValue("tid")})
	if e != nil {
		kit.WriteJSON(w, http.StatusNotFound, map[string]string{"error": e.SubMsg})
		return
	}
	t.Status = "TRADE_CLOSED"
	for _, l := range t.Lines {
		l.Status = "TRADE_CLOSED"
	}
	// A closed trade's modified moves on; keep it strictly later so pulls see a new version.
	t.Modified = s.cfg.Now().Truncate(time.Second)
	kit.WriteJSON(w, http.StatusOK, map[string]any{"tid": strconv.FormatInt(t.Tid, 10), "status": t.Status})
}
