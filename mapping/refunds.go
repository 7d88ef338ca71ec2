package mapping

import (
	"github.com/syncctl/syncctl/domain"
)

// ApplyRefunds sets an order's status from its lines' refund states, the
// same way for every platform: a refund under way on any line makes it
// refunding; every line refunded in full, refunded; some lines (or part of
// a line's money) refunded, partially_refunded. An order without refunds,
// or whose refunds were all rejected or withdrawn, keeps the status its
// platform gave it; the platform's own word stays in PlatformStatus.
func ApplyRefunds(o *domain.SalesOrder) {
	var asked, refunded, part int
	for _, l := range o.Lines {
		switch l.RefundState {
		case domain.AfterSaleRequested, domain.AfterSaleApproved:
			asked++
		case domain.AfterSaleRefunded:
			refunded++
			if l.Refunded > 0 && l.Refunded < l.Paid {
				part++
			}
		}
	}
	switch {
	case asked > 0:
		o.Status = domain.OrderRefunding
	case refunded > 0 && refunded == len(o.Lines) && part == 0:
		o.Status = domain.OrderRefunded
	case refunded > 0:
		o.Status = domain.OrderPartRefunded
	}
}

// RefundCasesFromLines derives the refund cases an order's lines show, for
// platforms whose refunds syncctl reads from the order itself (those
// without connectors.AfterSales): one case per refund id the lines name,
// else one per line with a refund. A case's id is the platform's refund id,
// or "<order id>/<line id>" when the platform gives none, so the same
// refund keeps its id across pulls. Its amount is what the lines say was
// returned, else the lines' paid amount (the whole line was asked back).
// CreatedAt and ModifiedAt are the order's modification time: the store
// keeps the first CreatedAt it saw.
func RefundCasesFromLines(o domain.SalesOrder) []domain.AfterSale {
	var out []domain.AfterSale
	at := map[string]int{}
	for _, l := range o.Lines {
		if l.RefundState == "" {
			continue
		}
		id := l.RefundCaseID
		if id == "" {
			id = o.PlatformOrderID + "/" + l.PlatformLineID
		}
		amount := l.Refunded
		if amount == 0 {
			amount = l.Paid
		}
		line := domain.AfterSaleLine{PlatformLineID: l.PlatformLineID, SKUCode: l.SKUCode, Quantity: l.Quantity, RefundAmount: amount}
		if i, ok := at[id]; ok {
			out[i].Lines = append(out[i].Lines, line)
			out[i].RefundAmount += amount
			out[i].Status = lessAdvanced(out[i].Status, l.RefundState)
			continue
		}
		at[id] = len(out)
		out = append(out, domain.AfterSale{Shop: o.Shop, PlatformCaseID: id, PlatformOrderID: o.PlatformOrderID, Kind: "refund",
			Status: l.RefundState, PlatformStatus: l.RefundStatus, RefundAmount: amount, Lines: []domain.AfterSaleLine{line},
			CreatedAt: o.ModifiedAt, ModifiedAt: o.ModifiedAt})
	}
	return out
}

// lessAdvanced is the state of a case whose lines disagree: the one
// furthest from done (a case is refunded when all its lines are).
func lessAdvanced(a, b domain.AfterSaleStatus) domain.AfterSaleStatus {
	rank := map[domain.AfterSaleStatus]int{domain.AfterSaleRequested: 0, domain.AfterSaleApproved: 1, domain.AfterSaleUnknown: 2,
		domain.AfterSaleRejected: 3, domain.AfterSaleCancelled: 3, domain.AfterSaleRefunded: 4}
	if rank[b] < rank[a] {
		return b
	}
	return a
}
