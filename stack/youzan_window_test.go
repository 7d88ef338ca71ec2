package stack_test

import (
	"context"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// youzan.trades.sold.get serves at most page_no × page_size = 10 000 orders
// of one query. 10 500 orders sold within seconds all fall in one pull
// window: the connector splits it, never truncates it, and every order
// reaches the ERP exactly once.
func TestYouzanWindowOverTenThousandOrders(t *testing.T) {
	if testing.Short() {
		t.Skip("sells and delivers 10 500 orders")
	}
	t.Parallel()
	s := start(t, stack.Options{Platforms: []string{"youzan"}})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	sb := s.Sandboxes[0]
	if p := push(t, s, sb.Shop); p.Failed != 0 {
		t.Fatalf("push = %+v", p)
	}
	start := time.Now()
	var ids []string
	for len(ids) < 10500 {
		got, err := sb.Admin.SellOrders(ctx, 5250, "")
		ids = append(ids, got...)
		if err != nil {
			t.Fatalf("sold %d: %v", len(ids), err)
		}
	}
	// The sandbox dates a burst's orders at most 4 000 a second (no second
	// may hold more than a query can page), so the last are a few seconds ahead.
	time.Sleep(4 * time.Second)
	var st workflows.PullStats
	in := workflows.OrderPullInput{Shop: sb.Shop, Once: true, PullPolicy: domain.PullPolicy{Overlap: 5 * time.Minute, InitialLookback: time.Hour}}
	if err := execute(ctx, s, sb.Shop, workflows.OrderPullOnceID(sb.Shop, time.Now()), workflows.OrderPullWorkflowName, in, &st); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, o := range s.Receiver.Orders() {
		got[o.Key] = o.Deliveries
	}
	bad := 0
	for _, id := range ids {
		if n := got[sb.Shop.String()+"/"+id]; n != 1 {
			if bad < 5 {
				t.Errorf("order %s delivered %d times", id, n)
			}
			bad++
		}
	}
	if bad > 0 || st.Created != len(ids) {
		t.Fatalf("%d of %d orders not delivered exactly once; the pull created %d", bad, len(ids), st.Created)
	}
	t.Logf("%d orders in one window: pulled and delivered in %s with %d platform calls", len(ids), time.Since(start).Round(time.Millisecond), st.Calls)
}
