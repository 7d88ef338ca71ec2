package domain

import "sort"

// Carriers are syncctl's carrier codes, the ones an ERP names in a
// Shipment. They are TOP's logistics company codes, the set most Chinese
// ERPs already speak. Each platform's mapping package translates them into
// the platform's own code in one table and refuses a code it has no entry
// for (CarrierCode), naming the field; nothing guesses a carrier.
var Carriers = map[string]string{
	"SF":    "顺丰速运",
	"ZTO":   "中通快递",
	"YTO":   "圆通速递",
	"STO":   "申通快递",
	"YUNDA": "韵达快递",
	"EMS":   "中国邮政 EMS",
	"POSTB": "邮政快递包裹",
	"JD":    "京东物流",
	"JTSD":  "极兔速递",
	"DBKD":  "德邦快递",
}

// CarrierCode looks a shipment's carrier up in a platform's table and
// returns the platform's code, or EInvalid naming the order and the field.
func CarrierCode[V any](platform string, table map[string]V, s Shipment) (V, error) {
	if v, ok := table[s.Carrier]; ok {
		return v, nil
	}
	var zero V
	known := make([]string, 0, len(table))
	for k := range table {
		known = append(known, k)
	}
	sort.Strings(known)
	if _, ours := Carriers[s.Carrier]; ours {
		return zero, Errorf(EInvalid, "shipment of order %s, field carrier: %s has no code for carrier %q (it takes %s)", s.PlatformOrderID, platform, s.Carrier, List(known))
	}
	return zero, Errorf(EInvalid, "shipment of order %s, field carrier: unknown carrier %q (syncctl's codes: %s)", s.PlatformOrderID, s.Carrier, List(known))
}
