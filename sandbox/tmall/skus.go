package tmall

import (
	"strconv"
)

// skuDelete is taobao.item.sku.delete: the SKU is found by its properties
// (required) and deleted. Deleting does not change the item's num or price
// by itself, and the item must still keep TOP's rules afterwards: num the
// sum of the SKU quantities (item_num, an integer above 0, sets it) and the
// price within the SKU price range (item_price sets it). The last SKU goes
// only with item_num: the item then sells num units without SKUs. A
// refused call changes nothing.
func (s *Server) skuDelete(p params) (any, *topErr) {
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
	cp.SKUs = nil
	for _, x := range it.SKUs {
		if x != k {
			cp.SKUs = append(cp.SKUs, x)
		}
	}
	if v := p.get("item_num"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 900000000 {
			return nil, invalidArg("item_num", "大于0的整数")
		}
		cp.Num = n
	} else if len(cp.SKUs) == 0 {
		return nil, invalidArg("item_num", "删除最后一个SKU时须设置商品数量")
	}
	if v := p.get("item_price"); v != "" {
		price, ok := parseYuan(v)
		if !ok || price <= 0 || price > maxPrice {
			return nil, invalidArg("item_price", v+" 不是有效价格")
		}
		cp.Price = price
	}
	if e := cp.checkInvariants(); e != nil {
		// The caller fixes what the deletion broke with item_num / item_price.
		switch e.SubCode {
		case "isv.invalid-parameter:num":
			e = invalidArg("item_num", e.SubMsg+"；请传 item_num")
		case "isv.invalid-parameter:price":
			e = invalidArg("item_price", e.SubMsg+"；请传 item_price")
		}
		return nil, e
	}
	cp.Modified = s.cfg.Now()
	*it = cp
	return map[string]any{"sku": map[string]any{"sku_id": k.SkuID, "num_iid": it.NumIID, "modified": it.Modified.In(gmt8).Format(topTime)}}, nil
}
