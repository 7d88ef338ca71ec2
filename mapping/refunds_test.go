package mapping_test

import (
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping"
)

func refundOrder(states ...domain.AfterSaleStatus) domain.SalesOrder {
	o := domain.SalesOrder{Shop: domain.ShopRef{Channel: "tmall", Shop: "flagship"}, PlatformOrderID: "T1",
		Status: domain.OrderShipped, ModifiedAt: time.Unix(1700000000, 0).UTC()}
	for i, s := range states {
		o.Lines = append(o.Lines, domain.OrderLine{PlatformLineID: string(rune('a' + i)), SKUCode: "SKU", Quantity: 1, Paid: 1000, RefundState: s})
	}
	return o
}

func TestApplyRefundsSetsTheOrderStatusFromItsLines(t *testing.T) {
	R, Q, A, X := domain.AfterSaleRefunded, domain.AfterSaleRequested, domain.AfterSaleApproved, domain.AfterSaleRejected
	cases := []struct {
		name  string
		lines []domain.AfterSaleStatus
		want  domain.OrderStatus
	}{
		{"no refund keeps the platform's status", []domain.AfterSaleStatus{"", ""}, domain.OrderShipped},
		{"a rejected refund keeps it too", []domain.AfterSaleStatus{X}, domain.OrderShipped},
		{"one line asked", []domain.AfterSaleStatus{Q, ""}, domain.OrderRefunding},
		{"approved, money not out yet", []domain.AfterSaleStatus{A}, domain.OrderRefunding},
		{"asked beats refunded", []domain.AfterSaleStatus{R, Q}, domain.OrderRefunding},
		{"every line refunded", []domain.AfterSaleStatus{R, R}, domain.OrderRefunded},
		{"some lines refunded", []domain.AfterSaleStatus{R, ""}, domain.OrderPartRefunded},
	}
	for _, c := range cases {
		o := refundOrder(c.lines...)
		mapping.ApplyRefunds(&o)
		if o.Status != c.want {
			t.Errorf("%s: status %q, want %q", c.name, o.Status, c.want)
		}
	}
	o := refundOrder(R)
	o.Lines[0].Refunded = 400 // part of the line's 1000
	mapping.ApplyRefunds(&o)
	if o.Status != domain.OrderPartRefunded {
		t.Errorf("part of a line's money refunded: status %q, want partially_refunded", o.Status)
	}
}

func TestRefundCasesFromLines(t *testing.T) {
	o := refundOrder(domain.AfterSaleRefunded, "", domain.AfterSaleRequested, domain.AfterSaleRequested)
	o.Lines[0].Refunded = 600
	o.Lines[2].RefundCaseID, o.Lines[3].RefundCaseID = "RF9", "RF9"
	o.Lines[3].RefundState = domain.AfterSaleApproved
	got := mapping.RefundCasesFromLines(o)
	if len(got) != 2 {
		t.Fatalf("cases %+v, want 2 (one per refund id, else per line)", got)
	}
	first, second := got[0], got[1]
	if first.PlatformCaseID != "T1/a" || first.Status != domain.AfterSaleRefunded || first.RefundAmount != 600 || len(first.Lines) != 1 {
		t.Errorf("line case %+v: want id T1/a, refunded, 600 fen, one line", first)
	}
	if second.PlatformCaseID != "RF9" || second.Status != domain.AfterSaleRequested || second.RefundAmount != 2000 || len(second.Lines) != 2 {
		t.Errorf("shared case %+v: want id RF9, requested (its least advanced line), 2000 fen (both lines' paid), two lines", second)
	}
	if first.PlatformOrderID != "T1" || first.Shop != o.Shop || !first.ModifiedAt.Equal(o.ModifiedAt) {
		t.Errorf("case %+v does not name its order, shop and time", first)
	}
	if n := len(mapping.RefundCasesFromLines(refundOrder("", ""))); n != 0 {
		t.Errorf("an order without refunds gave %d cases", n)
	}
}
