// Package vipshopmap holds the pure mappings between syncctl's domain and
// the wire payloads of Vipshop 唯品会 VOP (MP marketplace, channels.md §4a):
// a master product → addProduct / editProduct / appendSkus requests (money
// as yuan JSON numbers with two decimals, written from integer fen), and a
// SovOrder of getOrders with its getOrderDetail lines → SalesOrder (ids as
// strings, yuan decimal strings parsed exactly, GMT+8 times).
package vipshopmap

import (
	"encoding/json"
	"fmt"

	"github.com/syncctl/syncctl/domain"
)

// Yuan writes fen as a yuan JSON number with exactly two decimals: 73900 →
// 739.00. The bytes are built from the integer, never through float64, so
// 739.00 stays 739.00 on the wire.
func Yuan(m domain.Money) json.Number { return json.Number(m.Yuan()) }

// ParseYuan reads a yuan amount the platform sent as a JSON number (739.00,
// 739, 739.5) or a decimal string ("739.00") into fen, exactly: more than two
// decimals, an exponent or a negative amount is an EInvalid error naming the
// record and the field, never a rounding.
func ParseYuan(record, field string, v json.Number) (domain.Money, error) {
	if v == "" {
		return 0, invalid(record, field, "missing")
	}
	m, err := domain.ParseYuan(string(v))
	if err != nil {
		return 0, invalid(record, field, err.Error())
	}
	if m < 0 {
		return 0, invalid(record, field, fmt.Sprintf("%s yuan is negative", v))
	}
	return m, nil
}

func invalid(record, field, reason string) error {
	fe := domain.FieldError{Record: record, Field: field, Reason: reason}
	return &domain.Error{Code: domain.EInvalid, Platform: Platform, Message: fe.Error()}
}

// Platform names the platform in errors (the channel id).
const Platform = "vipshop"
