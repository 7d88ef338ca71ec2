package jdmap

import (
	"fmt"
	"sort"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Carriers maps syncctl's carrier codes (domain.Shipment.Carrier) to JD's
// logistics company ids (jingdong.pop.order.shipment logiCoprId).
// UNCONFIRMED: from integrators' tables, not from a JD document; a shop's
// own contracted carriers are listed by JD's merchant logistics API. A
// numeric carrier passes through as a JD id.
var Carriers = map[string]string{
	"SF":    "467",  // 顺丰速运
	"ZTO":   "1499", // 中通快递
	"YTO":   "463",  // 圆通速递
	"STO":   "470",  // 申通快递
	"YUNDA": "1327", // 韵达快递
	"EMS":   "465",  // 邮政EMS
	"JD":    "2087", // 京东快递
	"DBL":   "3046", // 德邦快递
	"SELF":  "1274", // 厂家自送 (no waybill tracking)
}

// CarrierID returns JD's logiCoprId for a carrier code (case-insensitive),
// or EInvalid naming the order, the field and the known codes.
func CarrierID(order, carrier string) (string, error) {
	c := strings.ToUpper(strings.TrimSpace(carrier))
	if id, ok := Carriers[c]; ok {
		return id, nil
	}
	if domain.Digits(c) {
		return c, nil
	}
	known := make([]string, 0, len(Carriers))
	for k := range Carriers {
		known = append(known, k)
	}
	sort.Strings(known)
	return "", invalid("order "+order, "carrier", fmt.Sprintf("%q is not a carrier JD knows (use %s, or JD's numeric logiCoprId)", carrier, domain.List(known)))
}
