package mapping

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// MapEach maps each raw order of a page on its own: one that cannot be
// decoded or mapped is returned in rejected (its id, or its place on the
// page when even the id is unreadable, and a reason naming the field) and
// never fails the others. noun and idName name the platform's order and id
// ("trade", "tid"); idOf digs the id out of an order that may not decode
// as a whole.
func MapEach(raws []json.RawMessage, noun, idName string, idOf func(json.RawMessage) string,
	decode func(json.RawMessage) (domain.SalesOrder, error)) (orders []domain.SalesOrder, rejected []connectors.RejectedOrder) {
	for i, raw := range raws {
		o, err := decode(raw)
		if err != nil {
			id := idOf(raw)
			if id == "" {
				id = fmt.Sprintf("(%s %d of the page, no %s)", noun, i+1, idName)
			}
			rejected = append(rejected, connectors.RejectedOrder{PlatformOrderID: id, Reason: err.Error()})
			continue
		}
		orders = append(orders, o)
	}
	return orders, rejected
}

// Unmarshal decodes a platform's raw JSON into v. A failure is an EInvalid
// error of the platform naming the record and, for a value of the wrong
// JSON type, the field's path ("amounts.paid_fen").
func Unmarshal(platform, record string, raw []byte, v any) error {
	err := json.Unmarshal(raw, v)
	if err == nil {
		return nil
	}
	fe := domain.FieldError{Record: record, Field: "(body)", Reason: "malformed JSON: " + err.Error()}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		fe.Field, fe.Reason = te.Field, fmt.Sprintf("JSON %s where a %s is expected", te.Value, te.Type)
	}
	return &domain.Error{Code: domain.EInvalid, Platform: platform, Message: fe.Error()}
}
