package fakemap_test

import (
	"testing"

	"github.com/syncctl/syncctl/domain"
	fakemap "github.com/syncctl/syncctl/mapping/fake"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
)

// FuzzOrder: whatever the platform sends as an order, DecodeOrder never
// panics and either names the order and the field or maps an order that
// holds.
func FuzzOrder(f *testing.F) {
	for _, s := range []string{goodOrder, refundedOrder, `{"order_id":"1","create_time":1,"update_time":1,"lines":[{"line_id":"1","quantity":1,"unit_price_fen":9223372036854775807}]}`, `not json`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return fakemap.DecodeOrder(shop, raw) })
	})
}
