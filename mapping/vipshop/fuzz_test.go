package vipshopmap_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/internal/fuzzcheck"
	vipmap "github.com/syncctl/syncctl/mapping/vipshop"
)

// FuzzOrder: whatever getOrders sends as an order and getOrderDetail as
// its lines, DecodeOrder never panics and either names the order and the
// field or maps an order that holds.
func FuzzOrder(f *testing.F) {
	var d []struct {
		Products json.RawMessage `json:"order_products"`
	}
	if err := json.Unmarshal([]byte(orderDetail), &d); err != nil {
		f.Fatal(err)
	}
	detail := string(d[0].Products)
	for _, s := range []string{sovOrder, refusedOrder, strings.Replace(sovOrder, `"discount_fee":"39.00"`, `"discount_fee":"900.00"`, 1), `not json`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v), []byte(detail))
		}
	}
	for _, v := range fuzzcheck.Variants(detail) {
		f.Add([]byte(sovOrder), []byte(v))
	}
	f.Fuzz(func(t *testing.T, raw, detail []byte) {
		var lines []vipmap.OrderProduct
		_ = json.Unmarshal(detail, &lines) // lines that do not decode: none, a rejected order
		fuzzcheck.Order(t, func() (domain.SalesOrder, error) { return vipmap.DecodeOrder(shop, raw, lines) })
	})
}

// FuzzCancel: whatever batchGetCancelInfo sends, ApplyCancel never
// panics, only ever cancels an order or marks its lines cancel_requested,
// and leaves an order that holds.
func FuzzCancel(f *testing.F) {
	for _, v := range fuzzcheck.Variants(cancelInfos) {
		f.Add([]byte(v))
	}
	var d []vipmap.OrderDetail
	if err := json.Unmarshal([]byte(orderDetail), &d); err != nil {
		f.Fatal(err)
	}
	base, err := vipmap.DecodeOrder(shop, json.RawMessage(sovOrder), d[0].OrderProducts)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var r struct {
			CancelInfos []vipmap.CancelInfo `json:"cancelInfos"`
		}
		if json.Unmarshal(raw, &r) != nil {
			return
		}
		apply := func() (domain.SalesOrder, error) {
			o := base
			o.Lines = append([]domain.OrderLine(nil), base.Lines...)
			vipmap.ApplyCancel(&o, r.CancelInfos)
			return o, nil
		}
		o, _ := apply()
		if o.Status != base.Status && o.Status != domain.OrderCancelled || o.PlatformStatus != base.PlatformStatus || len(o.Lines) != len(base.Lines) {
			t.Fatalf("order %s %s, %d lines", o.Status, o.PlatformStatus, len(o.Lines))
		}
		for _, l := range o.Lines {
			if l.RefundStatus != "" && l.RefundStatus != vipmap.LineCancelRequested {
				t.Fatalf("line refund status %q", l.RefundStatus)
			}
		}
		fuzzcheck.Order(t, apply)
	})
}

// FuzzProduct: whatever getProducts sends as a product, ReviewState never
// panics and reads a known state or names the product and the field.
func FuzzProduct(f *testing.F) {
	for _, s := range []string{`{"spu_id":"5001","audit_status":"12","shelf_status":"0"}`,
		`{"spu_id":"5001","audit_status":"14","shelf_status":"0","audit_remark":"标题含违禁词"}`,
		`{"spu_id":"5001","audit_status":13,"shelf_status":1}`, `{"audit_status":"99"}`} {
		for _, v := range fuzzcheck.Variants(s) {
			f.Add([]byte(v))
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var p vipmap.ProductInfo
		if json.Unmarshal(raw, &p) != nil {
			return
		}
		st, reason, next, err := vipmap.ReviewState(p)
		if err != nil {
			fuzzcheck.Named(t, err, "product")
			return
		}
		if !slices.Contains([]domain.ListingStatus{domain.ListingInReview, domain.ListingRejected, domain.ListingOnSale}, st) ||
			(st == domain.ListingRejected) != (reason != "") || next < vipmap.NextNone || next > vipmap.NextOnShelf {
			t.Fatalf("ReviewState = %s %q %d", st, reason, next)
		}
	})
}
