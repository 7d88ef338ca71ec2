// Package jdmap holds the pure mappings between syncctl's domain and JD
// JOS (京东宙斯) wire payloads (channels.md §4): a master product →
// jingdong.ware.write.add's ware and skus (prices in 元, JSON numbers
// written exactly from 分), an order of jingdong.pop.order.search /
// jingdong.pop.order.get → SalesOrder (元 strings or numbers parsed
// exactly, "yyyy-MM-dd HH:mm:ss" GMT+8 times, ids kept as strings), and
// the carrier table of jingdong.pop.order.shipment.
package jdmap

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// Platform names JD in errors.
const Platform = "jd"

// TimeLayout is how JOS writes times (timestamp, start_date, modified…).
const TimeLayout = "2006-01-02 15:04:05"

// China is the zone of every JOS time. A fixed +8 zone needs no tz
// database on the host (China has had no DST since 1991).
var China = time.FixedZone("GMT+8", 8*3600)

// FormatTime writes t as JOS reads it (GMT+8).
func FormatTime(t time.Time) string { return t.In(China).Format(TimeLayout) }

// ParseTime reads a "yyyy-MM-dd HH:mm:ss" GMT+8 time, returned in UTC;
// errors name the record and the field.
func ParseTime(rec, field, s string) (time.Time, error) {
	t, err := time.ParseInLocation(TimeLayout, s, China)
	if err != nil {
		return time.Time{}, invalid(rec, field, fmt.Sprintf("%q is not yyyy-MM-dd HH:mm:ss", s))
	}
	return t.UTC(), nil
}

// ID is a JOS id sent as a JSON number (wareId, skuId) or string
// (orderId): it keeps the digits, never going through float64.
type ID string

// UnmarshalJSON accepts 123, "123" and null.
func (id *ID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*id = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ID(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*id = ID(n)
	}
	return nil
}

// Yuan is a 元 amount as JOS sends it: a string ("139.00") or a JSON number
// (139, 59.9). It keeps the text; Fen converts it exactly.
type Yuan string

// UnmarshalJSON accepts "139.00", 139.00, 139 and null (empty).
func (y *Yuan) UnmarshalJSON(b []byte) error {
	var id ID
	if err := id.UnmarshalJSON(b); err != nil {
		return fmt.Errorf("not a yuan amount: %s", b)
	}
	*y = Yuan(id)
	return nil
}

// Fen parses the amount into 分 exactly (no float64): more than two
// decimals, an exponent or a negative amount is an error naming the
// record and the field. Empty is 0 when optional.
func (y Yuan) Fen(rec, field string, optional bool) (domain.Money, error) {
	if y == "" {
		if optional {
			return 0, nil
		}
		return 0, invalid(rec, field, "missing")
	}
	m, err := domain.ParseYuan(string(y))
	if err != nil {
		return 0, invalid(rec, field, err.Error())
	}
	if m < 0 {
		return 0, invalid(rec, field, fmt.Sprintf("%s is negative", y))
	}
	return m, nil
}

// YuanNumber writes 分 as the JSON number JOS write APIs take for 元
// (jdPrice 59.90): two decimals, exact.
func YuanNumber(m domain.Money) json.Number { return json.Number(m.Yuan()) }

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: Platform, Message: fe.Error()}
}
