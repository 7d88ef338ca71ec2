package kuaishoumap_test

import (
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
	kuaishoumap "github.com/syncctl/syncctl/mapping/kuaishou"
)

// FuzzOrder: whatever the platform sends as an order, DecodeOrder never
// panics and either names the order and the field or maps an order that
// holds.
func FuzzOrder(f *testing.F) {
	for _, s := range []string{goodOrder, refundedOrder, `{"orderBaseInfo":{"oid":1,"createTime":1,"updateTime":1,"totalFee":"1","cpsType":2},"orderItemInfo":{"num":1,"price":1.5}}`, `not json`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return kuaishoumap.DecodeOrder(shop, raw) })
	})
}
