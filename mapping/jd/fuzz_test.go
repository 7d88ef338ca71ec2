package jdmap_test

import (
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
	jdmap "github.com/syncctl/syncctl/mapping/jd"
)

// FuzzOrder: whatever the platform sends as an order, DecodeOrder never
// panics and either names the order and the field or maps an order that
// holds.
func FuzzOrder(f *testing.F) {
	for _, s := range []string{searchOrder, `{"orderId":1,"itemInfoList":[{"skuId":"x","itemTotal":"0","jdPrice":59.999}]}`, `not json`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return jdmap.DecodeOrder(shop, raw) })
	})
}
