package stack_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/workflows"
)

// A burst of stock changes with pushes racing each other (two per shop per
// change, as a push, an approval and a reservation may push one product
// at once) on a platform with absolute stock writes (Tmall) and one with
// delta writes (fake: read, diff, send). One writer per product and shop:
// when it is over every shop offers exactly its share of the last master
// stock — no plan from an older stock wrote after a newer one, no delta
// was sent twice — and the sum offered never exceeds the stock less the
// safety stock.
func TestStockBurstLeavesNoStaleValue(t *testing.T) {
	if testing.Short() {
		t.Skip("races pushes on a real Temporal server")
	}
	t.Parallel()
	policy := pricing.StockPolicy{Safety: 2, Shares: []pricing.ShareRule{
		{Shops: []pricing.ShopPattern{{Channel: "tmall", Shop: "*"}}, Share: 5000},
		{Shops: []pricing.ShopPattern{{Channel: "fake", Shop: "*"}}, Share: 3000},
	}}
	s := start(t, stack.Options{Platforms: agnostic, Stock: &policy})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	if _, err := stack.ImportCatalog(ctx, s.Store, sample.JSON()); err != nil {
		t.Fatal(err)
	}
	var shops []domain.ShopRef
	for _, sb := range s.Sandboxes {
		shops = append(shops, sb.Shop)
		if p := push(t, s, sb.Shop); p.Failed != 0 {
			t.Fatalf("push to %s = %+v", sb.Shop, p)
		}
	}
	page, err := s.Store.ListProducts(ctx, "", 1)
	if err != nil || len(page) != 1 {
		t.Fatalf("first product: %v", err)
	}
	prod := page[0]

	rng := rand.New(rand.NewPCG(7, 11))
	var runs []func() error
	var mu sync.Mutex
	// Throughout the burst the shops are read: no shop may ever offer more
	// than the highest master stock a push could have planned from (a
	// delta sent twice, or a stale plan written last, would).
	highest := map[string]int{}
	for _, k := range prod.SKUs {
		highest[k.Code] = k.Stock
	}
	sampleCtx, stopSampling := context.WithCancel(ctx)
	var sampled sync.WaitGroup
	var samples, overs int
	sampled.Add(1)
	go func() {
		defer sampled.Done()
		for sampleCtx.Err() == nil {
			sum := map[string]int{}
			for _, sb := range s.Sandboxes {
				items, err := sb.Admin.Items(sampleCtx)
				if err != nil {
					return
				}
				for _, it := range items {
					for _, k := range it.SKUs {
						sum[k.OuterID] += k.Stock
					}
				}
			}
			mu.Lock()
			samples++
			for code, most := range highest {
				if sum[code] > max(most-policy.Safety, 0) {
					overs++
					t.Errorf("during the burst %s was offered %d across shops; the master stock was never above %d (less %d held back)", code, sum[code], most, policy.Safety)
				}
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
		}
	}()
	for round := 0; round < 15; round++ {
		mu.Lock()
		for i := range prod.SKUs {
			prod.SKUs[i].Stock = rng.IntN(200)
			if round == 14 {
				// The last values were never pushed before: every shop is written.
				prod.SKUs[i].Stock = 300 + i
			}
			highest[prod.SKUs[i].Code] = max(highest[prod.SKUs[i].Code], prod.SKUs[i].Stock)
		}
		mu.Unlock()
		if _, err := s.Store.ImportProducts(ctx, []domain.Product{prod}); err != nil {
			t.Fatal(err)
		}
		for _, shop := range shops {
			for j := 0; j < 2; j++ {
				id := fmt.Sprintf("burst/%s/%d/%d", shop, round, j)
				run, err := s.StartWorkflow(ctx, shop, id, workflows.CatalogPushWorkflowName, workflows.CatalogPushInput{Shop: shop, Codes: []string{prod.Code}})
				if err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				runs = append(runs, func() error { return run.Get(ctx, nil) })
				mu.Unlock()
			}
		}
		if round < 10 {
			// Buyers take units on every shop while the pushes race.
			for _, sb := range s.Sandboxes {
				_, _ = sb.Admin.SellOrders(ctx, 1, prod.SKUs[rng.IntN(len(prod.SKUs))].Code) // refused when the shop offers none
			}
		}
		time.Sleep(time.Duration(rng.IntN(40)) * time.Millisecond)
	}
	for _, wait := range runs {
		if err := wait(); err != nil {
			t.Fatal(err)
		}
	}
	stopSampling()
	sampled.Wait()
	t.Logf("%d samples of every shop during the burst, %d over the stock", samples, overs)
	offered := map[string]map[domain.ShopRef]int{}
	for _, sb := range s.Sandboxes {
		items, err := sb.Admin.Items(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			for _, k := range it.SKUs {
				if offered[k.OuterID] == nil {
					offered[k.OuterID] = map[domain.ShopRef]int{}
				}
				offered[k.OuterID][sb.Shop] = k.Stock
			}
		}
	}
	for _, k := range prod.SKUs {
		want := policy.Allocate(k.Stock, shops, nil, time.Now())
		sum := 0
		for _, shop := range shops {
			if got := offered[k.Code][shop]; got != want[shop] {
				t.Errorf("%s on %s offers %d after the burst, want %d (its share of the last master stock %d)", k.Code, shop, got, want[shop], k.Stock)
			}
			sum += offered[k.Code][shop]
		}
		if sum > max(k.Stock-policy.Safety, 0) {
			t.Errorf("%s: %d offered across shops, %d to offer", k.Code, sum, k.Stock-policy.Safety)
		}
	}
}
