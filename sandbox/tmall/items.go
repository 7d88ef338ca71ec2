package tmall

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

type item struct {
	NumIID        int64
	Title, Desc   string
	Cid, OuterID  string
	ApproveStatus string
	PicPath       string
	Price         int64 // fen
	Num           int
	Aliases       map[string]string // "pid:vid" → value name
	SKUs          []*sku
	Created       time.Time
	Modified      time.Time
}

type sku struct {
	SkuID      int64
	Properties string
	OuterID    string
	Barcode    string
	Price      int64
	Quantity   int
}

// parseYuan reads a TOP money string: plain digits in yuan with at most
// two decimals ("59.90", "12"). Signs, spaces and exponents are refused.
func parseYuan(v string) (int64, bool) {
	whole, frac, dot := strings.Cut(v, ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") || !allDigits(whole) || !allDigits(frac) || len(whole) > 12 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil {
		return 0, false
	}
	return w*100 + f, true
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

func split(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// applyItemFields validates item.add/update fields onto it. On add every
// required field must be present.
func (s *Server) applyItemFields(it *item, p params, adding bool) *topErr {
	if adding {
		for _, k := range []string{"type", "cid", "desc", "num", "stuff_status", "title", "location.state", "location.city"} {
			if p.get(k) == "" {
				return missing(k)
			}
		}
	}
	if v, ok := p["title"]; ok {
		if n := utf8.RuneCountInString(v); n == 0 || n > 30 {
			return invalidArg("title", fmt.Sprintf("宝贝标题最多30个字，当前 %d 个", n))
		}
		it.Title = v
	}
	if v, ok := p["desc"]; ok {
		if n := utf8.RuneCountInString(v); n < 5 || n > 25000 {
			return invalidArg("desc", fmt.Sprintf("宝贝描述长度须在5到25000字之间，当前 %d", n))
		}
		it.Desc = v
	}
	if v, ok := p["type"]; ok && v != "fixed" && v != "auction" {
		return invalidArg("type", "fixed 或 auction")
	}
	if v, ok := p["stuff_status"]; ok && v != "new" && v != "second" {
		return invalidArg("stuff_status", "new 或 second")
	}
	if v, ok := p["approve_status"]; ok {
		if v != "onsale" && v != "instock" {
			return invalidArg("approve_status", "onsale 或 instock")
		}
		it.ApproveStatus = v
	}
	if v, ok := p["cid"]; ok {
		it.Cid = v
	}
	if v, ok := p["outer_id"]; ok {
		if len(v) > 64 {
			return invalidArg("outer_id", "最长64字节")
		}
		it.OuterID = v
	}
	if v, ok := p["pic_path"]; ok {
		it.PicPath = v
	}
	if v, ok := p["property_alias"]; ok && v != "" {
		for _, a := range strings.Split(v, ";") {
			parts := strings.SplitN(a, ":", 3)
			if len(parts) != 3 {
				return invalidArg("property_alias", fmt.Sprintf("%q 不是 pid:vid:别名", a))
			}
			it.Aliases[parts[0]+":"+parts[1]] = parts[2]
		}
	}
	num := it.Num
	if v, ok := p["num"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 900000000 {
			return invalidArg("num", "0 到 900000000 的整数")
		}
		num = n
	}
	if props, ok := p["sku_properties"]; ok && props != "" {
		skus, e := s.parseSKUs(it, p)
		if e != nil {
			return e
		}
		it.SKUs = skus
	}
	it.Num = num
	if v, ok := p["price"]; ok {
		price, good := parseYuan(v)
		if !good || price <= 0 || price > maxPrice {
			return invalidArg("price", fmt.Sprintf("%q 不是有效的价格（元，两位小数）", v))
		}
		it.Price = price
	} else if adding {
		return missing("price")
	}
	return it.checkInvariants()
}

// maxPrice is TOP's price ceiling, 100000000 yuan, in fen.
const maxPrice = 100000000 * 100

// checkInvariants holds what TOP keeps true of an item with SKUs, whatever
// subset of fields a call sent: num is the sum of the SKU quantities, the
// item price lies within the SKU price range, outer ids are unique.
func (it *item) checkInvariants() *topErr {
	if len(it.SKUs) == 0 {
		return nil
	}
	total := 0
	lo, hi := it.SKUs[0].Price, it.SKUs[0].Price
	outer := map[string]bool{}
	for _, k := range it.SKUs {
		total += k.Quantity
		lo, hi = min(lo, k.Price), max(hi, k.Price)
		if k.OuterID != "" && outer[k.OuterID] {
			return invalidArg("sku_outer_ids", fmt.Sprintf("SKU商家编码 %q 重复", k.OuterID))
		}
		outer[k.OuterID] = true
	}
	if total != it.Num {
		return invalidArg("num", fmt.Sprintf("商品数量 %d 必须等于SKU数量之和 %d", it.Num, total))
	}
	if it.Price < lo || it.Price > hi {
		return invalidArg("price", fmt.Sprintf("商品价格 %s 须在SKU价格区间 [%s, %s] 内", yuan(it.Price), yuan(lo), yuan(hi)))
	}
	return nil
}

// parseSKUs reads the comma-aligned sku_* lists. SKUs already on the item
// keep their sku_id when their outer id (or properties) matches.
func (s *Server) parseSKUs(it *item, p params) ([]*sku, *topErr) {
	props := split(p.get("sku_properties"))
	lists := map[string][]string{"sku_quantities": split(p.get("sku_quantities")), "sku_prices": split(p.get("sku_prices"))}
	if v, ok := p["sku_outer_ids"]; ok {
		lists["sku_outer_ids"] = strings.Split(v, ",")
	}
	if v, ok := p["sku_barcode"]; ok {
		lists["sku_barcode"] = strings.Split(v, ",")
	}
	for name, l := range lists {
		if len(l) != len(props) {
			return nil, invalidArg(name, fmt.Sprintf("有 %d 项，sku_properties 有 %d 项", len(l), len(props)))
		}
	}
	old := map[string]*sku{}
	for _, k := range it.SKUs {
		old["o:"+k.OuterID] = k
		old["p:"+k.Properties] = k
	}
	seen, seenOuter := map[string]bool{}, map[string]bool{}
	var out []*sku
	for i, pr := range props {
		if seen[pr] {
			return nil, invalidArg("sku_properties", fmt.Sprintf("SKU属性 %q 重复", pr))
		}
		seen[pr] = true
		for _, pv := range strings.Split(pr, ";") {
			if pid, vid, ok := strings.Cut(pv, ":"); !ok || pid == "" || vid == "" {
				return nil, invalidArg("sku_properties", fmt.Sprintf("%q 不是 pid:vid", pv))
			}
		}
		q, err := strconv.Atoi(lists["sku_quantities"][i])
		if err != nil || q < 0 {
			return nil, invalidArg("sku_quantities", fmt.Sprintf("第 %d 项 %q 不是非负整数", i+1, lists["sku_quantities"][i]))
		}
		price, ok := parseYuan(lists["sku_prices"][i])
		if !ok || price <= 0 || price > maxPrice {
			return nil, invalidArg("sku_prices", fmt.Sprintf("第 %d 项 %q 不是有效价格", i+1, lists["sku_prices"][i]))
		}
		k := &sku{Properties: pr, Quantity: q, Price: price}
		if l := lists["sku_outer_ids"]; l != nil {
			k.OuterID = l[i]
			if k.OuterID != "" && seenOuter[k.OuterID] {
				return nil, invalidArg("sku_outer_ids", fmt.Sprintf("SKU商家编码 %q 重复", k.OuterID))
			}
			seenOuter[k.OuterID] = true
		}
		if l := lists["sku_barcode"]; l != nil {
			k.Barcode = l[i]
		}
		if prev := old["o:"+k.OuterID]; prev != nil && k.OuterID != "" {
			k.SkuID = prev.SkuID
		} else if prev := old["p:"+pr]; prev != nil {
			k.SkuID = prev.SkuID
		} else {
			k.SkuID = s.newID() * 10
		}
		out = append(out, k)
	}
	return out, nil
}

func (s *Server) itemAdd(p params) (any, *topErr) {
	it := &item{ApproveStatus: "onsale", Aliases: map[string]string{}}
	if e := s.applyItemFields(it, p, true); e != nil {
		return nil, e
	}
	it.NumIID = s.newID()
	it.Created, it.Modified = s.cfg.Now(), s.cfg.Now()
	s.items[it.NumIID] = it
	return map[string]any{"item": map[string]any{"num_iid": it.NumIID, "created": it.Created.In(gmt8).Format(topTime)}}, nil
}

func (s *Server) findItem(p params) (*item, *topErr) {
	v := p.get("num_iid")
	if v == "" {
		return nil, missing("num_iid")
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, invalidArg("num_iid", "不是数字")
	}
	it, ok := s.items[id]
	if !ok {
		return nil, perr(15, "isv.item-not-exist", "商品 "+v+" 不存在")
	}
	return it, nil
}

func (s *Server) itemUpdate(p params) (any, *topErr) {
	it, e := s.findItem(p)
	if e != nil {
		return nil, e
	}
	cp := *it
	cp.Aliases = map[string]string{}
	for k, v := range it.Aliases {
		cp.Aliases[k] = v
	}
	if e := s.applyItemFields(&cp, p, false); e != nil {
		return nil, e // nothing of a refused update is kept
	}
	cp.Modified = s.cfg.Now()
	*it = cp
	return map[string]any{"item": map[string]any{"num_iid": it.NumIID, "modified": it.Modified.In(gmt8).Format(topTime)}}, nil
}

func (s *Server) itemView(it *item) map[string]any {
	var skus []map[string]any
	for _, k := range it.SKUs {
		var names []string
		for _, pv := range strings.Split(k.Properties, ";") {
			names = append(names, pv+":"+it.Aliases[pv])
		}
		skus = append(skus, map[string]any{"sku_id": k.SkuID, "properties": k.Properties, "properties_name": strings.Join(names, ";"),
			"quantity": k.Quantity, "price": yuan(k.Price), "outer_id": k.OuterID, "barcode": k.Barcode})
	}
	return map[string]any{"num_iid": it.NumIID, "title": it.Title, "price": yuan(it.Price), "num": it.Num, "cid": it.Cid,
		"approve_status": it.ApproveStatus, "outer_id": it.OuterID, "pic_url": it.PicPath, "desc": it.Desc,
		"modified": it.Modified.In(gmt8).Format(topTime), "skus": map[string]any{"sku": skus}}
}

func (s *Server) itemSellerGet(p params) (any, *topErr) {
	if p.get("fields") == "" {
		return nil, missing("fields")
	}
	it, e := s.findItem(p)
	if e != nil {
		return nil, e
	}
	// TOP names the SKU list "sku" in fields and "skus" in the answer.
	return map[string]any{"item": selectFields(s.itemView(it), p.get("fields"), map[string]string{"sku": "skus"})}, nil
}

func (s *Server) itemsCustomGet(p params) (any, *topErr) {
	if p.get("outer_id") == "" {
		return nil, missing("outer_id")
	}
	want := map[string]bool{}
	for _, o := range split(p.get("outer_id")) {
		want[o] = true
	}
	var out []map[string]any
	for _, id := range s.sortedItemIDs() {
		if it := s.items[id]; want[it.OuterID] {
			out = append(out, map[string]any{"num_iid": it.NumIID, "outer_id": it.OuterID, "title": it.Title, "approve_status": it.ApproveStatus})
		}
	}
	return map[string]any{"items": map[string]any{"item": out}}, nil
}

func (it *item) findSKU(p params) (*sku, *topErr) {
	if id := p.get("sku_id"); id != "" {
		for _, k := range it.SKUs {
			if strconv.FormatInt(k.SkuID, 10) == id {
				return k, nil
			}
		}
		return nil, perr(15, "isv.sku-not-exist", "SKU "+id+" 不存在")
	}
	for _, k := range it.SKUs {
		if (p.get("properties") != "" && k.Properties == p.get("properties")) || (p.get("properties") == "" && p.get("outer_id") != "" && k.OuterID == p.get("outer_id")) {
			return k, nil
		}
	}
	return nil, perr(15, "isv.sku-not-exist", "找不到SKU")
}

// skuPriceUpdate changes one SKU's price (and optionally its quantity and
// outer id). TOP refuses a change that leaves the item price outside the
// SKU price range unless item_price moves it back in, and so does this.
func (s *Server) skuPriceUpdate(p params) (any, *topErr) {
	it, e := s.findItem(p)
	if e != nil {
		return nil, e
	}
	if p.get("properties") == "" {
		return nil, missing("properties")
	}
	k, e := it.findSKU(params{"properties": p.get("properties")})
	if e != nil {
		return nil, e
	}
	cp := *it
	cp.SKUs = make([]*sku, len(it.SKUs))
	var nk *sku
	for i, x := range it.SKUs {
		c := *x
		cp.SKUs[i] = &c
		if x == k {
			nk = &c
		}
	}
	if v := p.get("price"); v != "" {
		price, ok := parseYuan(v)
		if !ok || price <= 0 || price > maxPrice {
			return nil, invalidArg("price", fmt.Sprintf("%q 不是有效价格", v))
		}
		nk.Price = price
	}
	if v := p.get("quantity"); v != "" {
		q, err := strconv.Atoi(v)
		if err != nil || q < 0 {
			return nil, invalidArg("quantity", fmt.Sprintf("%q 不是非负整数", v))
		}
		cp.Num += q - nk.Quantity
		nk.Quantity = q
	}
	if v := p.get("outer_id"); v != "" {
		nk.OuterID = v
	}
	if v := p.get("item_price"); v != "" {
		price, ok := parseYuan(v)
		if !ok || price <= 0 || price > maxPrice {
			return nil, invalidArg("item_price", fmt.Sprintf("%q 不是有效价格", v))
		}
		cp.Price = price
	}
	if e := cp.checkInvariants(); e != nil {
		if e.SubCode == "isv.invalid-parameter:price" {
			e = invalidArg("item_price", e.SubMsg+"；请同时传 item_price")
		}
		return nil, e
	}
	cp.Modified = s.cfg.Now()
	*it = cp
	return map[string]any{"sku": map[string]any{"sku_id": nk.SkuID, "num_iid": it.NumIID, "modified": it.Modified.In(gmt8).Format(topTime)}}, nil
}

// quantityUpdate is taobao.item.quantity.update: type 1 sets, type 2 adds.
// An item with SKUs needs the SKU (sku_id, or outer_id = the SKU's 商家编码):
// item-level stock on it would be a number no SKU holds.
func (s *Server) quantityUpdate(p params) (any, *topErr) {
	it, e := s.findItem(p)
	if e != nil {
		return nil, e
	}
	if p.get("quantity") == "" {
		return nil, missing("quantity")
	}
	q, err := strconv.Atoi(p.get("quantity"))
	if err != nil {
		return nil, invalidArg("quantity", "不是整数")
	}
	typ := p.get("type")
	if typ == "" {
		typ = "1"
	}
	if typ != "1" && typ != "2" {
		return nil, invalidArg("type", "1 全量 或 2 增量")
	}
	apply := func(cur int) (int, *topErr) {
		n := q
		if typ == "2" {
			n = cur + q
		}
		if n < 0 || n > 900000000 {
			// Not retryable: the same call fails the same way.
			return 0, invalidArg("quantity", fmt.Sprintf("库存须在 0 到 900000000 之间，结果为 %d", n))
		}
		return n, nil
	}
	if len(it.SKUs) == 0 {
		n, e := apply(it.Num)
		if e != nil {
			return nil, e
		}
		it.Num = n
	} else {
		if p.get("sku_id") == "" && p.get("outer_id") == "" {
			return nil, missing("sku_id")
		}
		k, e := it.findSKU(params{"sku_id": p.get("sku_id"), "outer_id": p.get("outer_id")})
		if e != nil {
			return nil, e
		}
		n, e := apply(k.Quantity)
		if e != nil {
			return nil, e
		}
		k.Quantity = n
		it.Num = 0
		for _, x := range it.SKUs {
			it.Num += x.Quantity
		}
	}
	it.Modified = s.cfg.Now()
	return map[string]any{"item": map[string]any{"num_iid": it.NumIID, "num": it.Num, "modified": it.Modified.In(gmt8).Format(topTime)}}, nil
}

func (s *Server) listing(p params) (any, *topErr) {
	it, e := s.findItem(p)
	if e != nil {
		return nil, e
	}
	if p.get("num") == "" {
		return nil, missing("num")
	}
	n, err := strconv.Atoi(p.get("num"))
	if err != nil || n < 0 || n > 900000000 {
		return nil, invalidArg("num", "0 到 900000000 的整数")
	}
	if len(it.SKUs) == 0 {
		it.Num = n
	}
	it.ApproveStatus, it.Modified = "onsale", s.cfg.Now()
	return map[string]any{"item": map[string]any{"num_iid": it.NumIID, "modified": it.Modified.In(gmt8).Format(topTime)}}, nil
}

func (s *Server) delisting(p params) (any, *topErr) {
	it, e := s.findItem(p)
	if e != nil {
		return nil, e
	}
	it.ApproveStatus, it.Modified = "instock", s.cfg.Now()
	return map[string]any{"item": map[string]any{"num_iid": it.NumIID, "modified": it.Modified.In(gmt8).Format(topTime)}}, nil
}
