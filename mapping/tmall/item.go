// Package tmallmap holds the pure mappings between syncctl's domain and the
// Taobao/Tmall TOP payloads: a master product → taobao.item.add/update
// parameters (prices in yuan strings, SKUs as pid:vid properties), and a TOP
// trade → SalesOrder.
package tmallmap

import (
	"fmt"
	"hash/fnv"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// MaxTitleRunes is TOP's item title limit.
const MaxTitleRunes = 30

// ItemOptions are the shop-level choices an item push needs.
type ItemOptions struct {
	CID           string            // default leaf category id
	CIDByCategory map[string]string // master category path → TOP leaf cid
	LocationState string            // 发货地 省
	LocationCity  string            // 发货地 市
	SpecPIDs      map[string]string // spec name → TOP property id (sale properties)
}

// DefaultSpecPIDs are TOP's well-known sale properties.
var DefaultSpecPIDs = map[string]string{"颜色": "1627207", "颜色分类": "1627207", "尺码": "20509"}

func (o ItemOptions) pid(name string) string {
	if v, ok := o.SpecPIDs[name]; ok {
		return v
	}
	if v, ok := DefaultSpecPIDs[name]; ok {
		return v
	}
	// A stable custom property id per spec name.
	h := fnv.New32a()
	h.Write([]byte(name))
	return strconv.Itoa(int(h.Sum32()%90000000) + 10000000)
}

// SKUProperties returns each SKU's "pid:vid;pid:vid" and the property_alias
// that names the custom values ("pid:vid:红色;…"). Values get stable negative
// custom vids in first-seen order per property, as TOP's custom sale
// properties do.
func SKUProperties(p domain.Product, o ItemOptions) (props map[string]string, alias string) {
	props = map[string]string{}
	vids := map[string]map[string]int{} // pid → value → vid
	var aliases []string
	for _, s := range sortedSKUs(p) {
		var parts []string
		for _, v := range s.Specs {
			pid := o.pid(v.Name)
			if vids[pid] == nil {
				vids[pid] = map[string]int{}
			}
			vid, ok := vids[pid][v.Value]
			if !ok {
				vid = -(len(vids[pid]) + 1)
				vids[pid][v.Value] = vid
				aliases = append(aliases, fmt.Sprintf("%s:%d:%s", pid, vid, v.Value))
			}
			parts = append(parts, fmt.Sprintf("%s:%d", pid, vid))
		}
		props[s.Code] = strings.Join(parts, ";")
	}
	return props, strings.Join(aliases, ";")
}

func sortedSKUs(p domain.Product) []domain.SKU {
	skus := append([]domain.SKU(nil), p.SKUs...)
	sort.Slice(skus, func(i, j int) bool { return skus[i].Code < skus[j].Code })
	return skus
}

// HasSKUs reports whether the product is pushed with a SKU list (it has
// spec values); a product without specs is a single item-level listing.
func HasSKUs(p domain.Product) bool {
	return len(p.SKUs) > 1 || (len(p.SKUs) == 1 && len(p.SKUs[0].Specs) > 0)
}

// ItemParams maps a push to the business parameters of taobao.item.add, or
// of taobao.item.update when the product is known (num_iid set).
func ItemParams(push connectors.ProductPush, o ItemOptions) (map[string]string, error) {
	p := push.Product
	rec := "product " + p.Code
	if n := utf8.RuneCountInString(p.Title); n > MaxTitleRunes {
		return nil, invalid(rec, "title", fmt.Sprintf("is %d characters; Tmall allows at most %d", n, MaxTitleRunes))
	}
	if len(p.SKUs) == 0 {
		return nil, invalid(rec, "skus", "a product needs at least one SKU")
	}
	cid := o.CID
	if c, ok := o.CIDByCategory[p.Category]; ok {
		cid = c
	}
	if cid == "" {
		return nil, invalid(rec, "category", fmt.Sprintf("no Tmall category id (cid) is configured for %q", p.Category))
	}
	desc := p.Description
	if utf8.RuneCountInString(desc) < 5 {
		desc = p.Title + "。" + desc
	}
	if utf8.RuneCountInString(desc) < 5 {
		desc += "——品牌官方正品"
	}
	params := map[string]string{
		"type": "fixed", "stuff_status": "new", "approve_status": "onsale",
		"cid": cid, "title": p.Title, "desc": desc, "outer_id": p.Code,
		"location.state": o.LocationState, "location.city": o.LocationCity,
	}
	if len(p.Images) > 0 {
		params["pic_path"] = p.Images[0]
	}
	skus := sortedSKUs(p)
	total := 0
	var minPrice domain.Money = -1
	for _, s := range skus {
		price, ok := push.Prices[s.Code]
		if !ok {
			price = s.ListPrice
		}
		if price <= 0 {
			return nil, invalid("sku "+s.Code, "price", "must be greater than 0")
		}
		stock := push.Stocks[s.Code]
		if stock < 0 {
			return nil, invalid("sku "+s.Code, "stock", "must not be negative")
		}
		total += stock
		if minPrice < 0 || price < minPrice {
			minPrice = price
		}
	}
	params["num"] = strconv.Itoa(total)
	params["price"] = minPrice.Yuan()
	if HasSKUs(p) {
		props, alias := SKUProperties(p, o)
		var sp, sq, spr, so, sb []string
		for _, s := range skus {
			price, ok := push.Prices[s.Code]
			if !ok {
				price = s.ListPrice
			}
			sp = append(sp, props[s.Code])
			sq = append(sq, strconv.Itoa(push.Stocks[s.Code]))
			spr = append(spr, price.Yuan())
			so = append(so, s.Code)
			sb = append(sb, s.Barcode)
		}
		params["sku_properties"] = strings.Join(sp, ",")
		params["sku_quantities"] = strings.Join(sq, ",")
		params["sku_prices"] = strings.Join(spr, ",")
		params["sku_outer_ids"] = strings.Join(so, ",")
		params["sku_barcode"] = strings.Join(sb, ",")
		params["property_alias"] = alias
	}
	if push.Known != nil {
		params["num_iid"] = push.Known.ItemID
	}
	return params, nil
}

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: "tmall", Message: fe.Error()}
}
