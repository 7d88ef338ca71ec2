package stack

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
)

// pendingLine says in one line what a shop's deliveries wait for: "40
// deliveries waiting: ERP unreachable: dial tcp 127.0.0.1:9: connection
// refused", from the ERP's last answer to the oldest of them ("" when none
// waits).
func (s *Stack) pendingLine(ctx context.Context, shop domain.ShopRef) (int, string, error) {
	n, err := s.Store.CountPendingDeliveries(ctx, shop)
	if err != nil || n == 0 {
		return n, "", err
	}
	ds, err := s.Store.PendingDeliveries(ctx, 0)
	if err != nil {
		return n, "", err
	}
	why := "not sent yet"
	for _, d := range ds {
		if d.Shop == shop && d.Attempts > 0 {
			why = lastAnswer(d.LastError, d.LastHTTPStatus)
			break
		}
	}
	what := "deliveries"
	if n == 1 {
		what = "delivery"
	}
	return n, fmt.Sprintf("%d %s waiting: %s", n, what, why), nil
}

// notePending adds to a demo that stopped early (a timeout while a pull
// waited for the ERP, most often) where it stopped: the orders of this run
// pulled so far, and the deliveries it leaves waiting, one line per shop
// with the ERP's last answer: the reason, where the error alone would only
// say "context deadline exceeded".
func (s *Stack) notePending(ctx context.Context, shops []*demoShop, sum *Summary) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	sum.Pending, sum.OrdersPulled, sum.OrderUpdates = 0, 0, 0
	for _, d := range shops {
		if recs, err := s.Store.ListOrders(ctx, d.sb.Shop, 0); err == nil {
			sold := map[string]bool{}
			for _, id := range d.sold {
				sold[id] = true
			}
			d.row.OrdersPulled, d.row.OrderUpdates = 0, 0
			for _, r := range recs {
				if sold[r.Order.PlatformOrderID] {
					d.row.OrdersPulled++
					d.row.OrderUpdates += max(0, r.Versions-1)
				}
			}
			sum.OrdersPulled += d.row.OrdersPulled
			sum.OrderUpdates += d.row.OrderUpdates
		}
		n, line, err := s.pendingLine(ctx, d.sb.Shop)
		if err != nil {
			continue
		}
		d.row.Pending = n
		sum.Pending += n
		if line != "" {
			d.fail("%s: %s", d.sb.Shop, line)
		}
	}
}

// timedOut tells a deadline error that came with the demo's own deadline
// (a call may see it before the context says so: the Temporal client
// keeps a margin for its long polls, more on a loaded machine).
func timedOut(ctx context.Context, err error) bool {
	deadline, ok := ctx.Deadline()
	return ok && errors.Is(err, context.DeadlineExceeded) && time.Until(deadline) < 5*time.Second
}

// lastAnswer is the ERP's answer to a delivery's last attempt.
func lastAnswer(lastError string, httpStatus int) string {
	switch {
	case lastError != "":
		return erp.Answer(lastError)
	case httpStatus != 0:
		return fmt.Sprintf("HTTP %d", httpStatus)
	}
	return "no answer yet"
}
