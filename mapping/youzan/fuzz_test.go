package youzanmap_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
	youzanmap "github.com/syncctl/syncctl/mapping/youzan"
)

// FuzzOrder: whatever youzan.trades.sold.get sends as a full_order_info,
// DecodeOrder never panics and either names the order and the field or
// maps an order that holds.
func FuzzOrder(f *testing.F) {
	for _, s := range []string{goodOrder, refundedOrder, `{"order_info":{"tid":"E1"},"orders":[{"oid":"1","num":"x"}]}`, `not json`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return youzanmap.DecodeOrder(shop, raw) })
	})
}

// FuzzSalesman: whatever the salesman API sends as an order's record,
// ApplySalesman never panics; it refuses naming the record and the field,
// or leaves an order that holds, the same each time.
func FuzzSalesman(f *testing.F) {
	for _, s := range []string{salesmanRecord, `{"order_no":"","seller":"x","cps_money":"1"}`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	base, err := youzanmap.DecodeOrder(shop, json.RawMessage(goodOrder))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var r youzanmap.SalesmanTrade
		if json.Unmarshal(raw, &r) != nil {
			return
		}
		apply := func() (domain.SalesOrder, error) {
			o := base
			o.Lines = append([]domain.OrderLine(nil), base.Lines...)
			return o, youzanmap.ApplySalesman(&o, r)
		}
		o, err := apply()
		if err != nil {
			fuzzcheck.Named(t, err, "salesman order")
			return
		}
		if o.CPS == nil || o.CPS.PromoterID == "" || o.CPS.CommissionRate > 10000 {
			t.Fatalf("order CPS %+v", o.CPS)
		}
		for _, l := range o.Lines {
			if l.CPS != nil && (l.CPS.PromoterID == "" || l.CPS.CommissionRate > 10000) {
				t.Fatalf("line CPS %+v", l.CPS)
			}
		}
		if again, _ := apply(); !reflect.DeepEqual(o, again) {
			t.Fatalf("applying twice differs")
		}
		fuzzcheck.Order(t, apply)
	})
}
