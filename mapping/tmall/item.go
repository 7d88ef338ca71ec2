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

// TOP's item limits (channels.md §3.4).
const (
	// A title takes at most 30 characters and 60 bytes of GBK ("30个汉字"
	// = 60 bytes; channels.md and the sandbox count characters): both hold.
	MaxTitleRunes = 30
	MaxTitleBytes = 60
	MinDescRunes  = 5
	MaxDescRunes  = 25000
	// MaxImages is the item's main pictures (主图) Tmall takes.
	MaxImages = 5
	// MaxSKUs is the SKUs one item takes on Taobao/Tmall (the seller
	// center's 600; channels.md does not list it).
	MaxSKUs = 600
	// MaxPrice is TOP's price ceiling, 100000000 yuan, in fen.
	MaxPrice domain.Money = 100000000 * 100
	// MaxNum is TOP's item quantity ceiling.
	MaxNum = 900000000
)

// ItemOptions are the shop-level choices an item push needs.
type ItemOptions struct {
	CID           string            // default leaf category id
	CIDByCategory map[string]string // master category path → TOP leaf cid
	LocationState string            // 发货地 省
	LocationCity  string            // 发货地 市
	SpecPIDs      map[string]string // spec name → TOP sale property id (options pid:<spec>)
}

// DefaultSpecPIDs are TOP's well-known sale properties. Any other spec name
// needs its category's property id configured: TOP rejects invented ones.
var DefaultSpecPIDs = map[string]string{"颜色": "1627207", "颜色分类": "1627207", "尺码": "20509"}

func (o ItemOptions) pid(name string) (string, bool) {
	if v, ok := o.SpecPIDs[name]; ok && v != "" {
		return v, true
	}
	v, ok := DefaultSpecPIDs[name]
	return v, ok
}

// CustomVID is the custom (negative) value id of a spec value. It depends
// on the value only, never on which other SKUs exist or how they sort: a
// SKU added later must not renumber the others, because TOP treats a
// changed sku_properties as a different SKU (and recreates it, with a new
// sku_id and lost sales history).
func CustomVID(value string) int64 {
	h := fnv.New32a()
	h.Write([]byte(value))
	return -int64(h.Sum32()%99999999 + 1)
}

// SKUProperties returns each SKU's "pid:vid;pid:vid" and the property_alias
// that names the custom values ("pid:vid:红色;…"). A spec without a known
// property id is an invalid product.
func SKUProperties(p domain.Product, o ItemOptions) (props map[string]string, alias string, err error) {
	rec := "product " + p.Code
	props = map[string]string{}
	byVID := map[string]string{} // "pid:vid" → value, to catch two values sharing a vid
	var aliases []string
	for _, s := range sortedSKUs(p) {
		var parts []string
		for _, v := range s.Specs {
			pid, ok := o.pid(v.Name)
			if !ok {
				return nil, "", invalid(rec, "specs", fmt.Sprintf("no TOP sale property id for spec %s; set options pid:%s", v.Name, v.Name))
			}
			pv := fmt.Sprintf("%s:%d", pid, CustomVID(v.Value))
			switch prev, seen := byVID[pv]; {
			case !seen:
				byVID[pv] = v.Value
				aliases = append(aliases, pv+":"+v.Value)
			case prev != v.Value:
				return nil, "", invalid(rec, "specs", fmt.Sprintf("spec %s values %q and %q map to the same TOP value id; rename one", v.Name, prev, v.Value))
			}
			parts = append(parts, pv)
		}
		props[s.Code] = strings.Join(parts, ";")
	}
	return props, strings.Join(aliases, ";"), nil
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

// CheckPrice says whether TOP accepts m as a price. Yuan() is only ever
// called on amounts that passed it.
func CheckPrice(record string, m domain.Money) error {
	if m <= 0 || m > MaxPrice {
		return invalid(record, "price", fmt.Sprintf("%d fen is outside TOP's range 0.01 to 100000000.00 yuan", int64(m)))
	}
	return nil
}

// GBKBytes is the length of s as TOP counts a title: GBK bytes, 1 for
// ASCII and 2 for a Chinese character (4 for what only GB18030 encodes,
// outside the BMP).
func GBKBytes(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r < 0x80:
			n++
		case r <= 0xFFFF:
			n += 2
		default:
			n += 4
		}
	}
	return n
}

// CheckProduct says what of a product TOP would refuse before any call is
// made, naming the field and TOP's rule: the title's length in characters
// and GBK bytes, the SKU count and the number of main pictures. ItemParams checks it
// first; prices and stock are checked per SKU as they are mapped.
func CheckProduct(p domain.Product) error {
	rec := "product " + p.Code
	if n, b := utf8.RuneCountInString(p.Title), GBKBytes(p.Title); n > MaxTitleRunes || b > MaxTitleBytes {
		return invalid(rec, "title", fmt.Sprintf("Tmall allows at most %d characters (%d bytes in GBK), this has %d (%d bytes)",
			MaxTitleRunes, MaxTitleBytes, n, b))
	}
	switch n := len(p.SKUs); {
	case n == 0:
		return invalid(rec, "skus", "a product needs at least one SKU")
	case n > MaxSKUs:
		return invalid(rec, "skus", fmt.Sprintf("Tmall allows at most %d SKUs per item, this has %d", MaxSKUs, n))
	}
	if n := len(p.Images); n > MaxImages {
		return invalid(rec, "images", fmt.Sprintf("Tmall takes at most %d main pictures, this has %d", MaxImages, n))
	}
	return nil
}

// ItemParams maps a push to the business parameters of taobao.item.add, or
// of taobao.item.update when the product is known (num_iid set).
func ItemParams(push connectors.ProductPush, o ItemOptions) (map[string]string, error) {
	p := push.Product
	rec := "product " + p.Code
	if err := CheckProduct(p); err != nil {
		return nil, err
	}
	cid := o.CID
	if c, ok := o.CIDByCategory[p.Category]; ok {
		cid = c
	}
	if cid == "" {
		return nil, invalid(rec, "category", fmt.Sprintf("no Tmall category id (cid) is configured for %q", p.Category))
	}
	// The description is the brand's text: never padded with invented copy.
	desc := strings.TrimSpace(p.Description)
	if n := utf8.RuneCountInString(desc); n < MinDescRunes || n > MaxDescRunes {
		return nil, invalid(rec, "description", fmt.Sprintf("is %d characters; Tmall needs %d to %d", n, MinDescRunes, MaxDescRunes))
	}
	params := map[string]string{
		"type": "fixed", "stuff_status": "new",
		"cid": cid, "title": p.Title, "desc": desc, "outer_id": p.Code,
		"location.state": o.LocationState, "location.city": o.LocationCity,
	}
	if push.Known == nil {
		// Only a new item goes on sale by itself; an update must keep an
		// item an operator delisted off the shelf.
		params["approve_status"] = "onsale"
	} else {
		params["num_iid"] = push.Known.ItemID
	}
	if len(p.Images) > 0 {
		params["pic_path"] = p.Images[0]
	}
	skus := sortedSKUs(p)
	prices := make([]domain.Money, len(skus))
	total := 0
	var minPrice domain.Money
	for i, s := range skus {
		price, ok := push.Prices[s.Code]
		if !ok {
			price = s.ListPrice
		}
		if err := CheckPrice("sku "+s.Code, price); err != nil {
			return nil, err
		}
		// TOP's sku_* lists are comma-separated and property_alias uses ':'
		// and ';': a value holding one would shift every SKU after it.
		if strings.ContainsAny(s.Code, ",") {
			return nil, invalid("sku "+s.Code, "code", "contains a comma, which TOP's sku_outer_ids cannot carry")
		}
		if strings.ContainsAny(s.Barcode, ",") {
			return nil, invalid("sku "+s.Code, "barcode", "contains a comma, which TOP's sku_barcode cannot carry")
		}
		for _, v := range s.Specs {
			if strings.ContainsAny(v.Value, ",:;") {
				return nil, invalid("sku "+s.Code, "specs", fmt.Sprintf("value %q of %s contains one of , : ; which TOP's property_alias cannot carry", v.Value, v.Name))
			}
		}
		stock := push.Stocks[s.Code]
		if stock < 0 || stock > MaxNum {
			return nil, invalid("sku "+s.Code, "stock", fmt.Sprintf("%d is outside 0 to %d", stock, MaxNum))
		}
		if total += stock; total > MaxNum {
			return nil, invalid(rec, "stock", fmt.Sprintf("the SKUs' stock adds up to more than TOP's %d", MaxNum))
		}
		prices[i] = price
		if i == 0 || price < minPrice {
			minPrice = price
		}
	}
	params["num"] = strconv.Itoa(total)
	// The item price must lie within the SKU price range: the lowest is.
	params["price"] = minPrice.Yuan()
	if HasSKUs(p) {
		props, alias, err := SKUProperties(p, o)
		if err != nil {
			return nil, err
		}
		var sp, sq, spr, so, sb []string
		barcodes := false
		for i, s := range skus {
			sp = append(sp, props[s.Code])
			sq = append(sq, strconv.Itoa(push.Stocks[s.Code]))
			spr = append(spr, prices[i].Yuan())
			so = append(so, s.Code)
			sb = append(sb, s.Barcode)
			barcodes = barcodes || s.Barcode != ""
		}
		params["sku_properties"] = strings.Join(sp, ",")
		params["sku_quantities"] = strings.Join(sq, ",")
		params["sku_prices"] = strings.Join(spr, ",")
		params["sku_outer_ids"] = strings.Join(so, ",")
		if barcodes {
			params["sku_barcode"] = strings.Join(sb, ",")
		}
		params["property_alias"] = alias
	}
	return params, nil
}

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: "tmall", Message: fe.Error()}
}
