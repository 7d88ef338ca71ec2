package integration_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/config"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// erpDown is how long scenario 3's ERP receiver is stopped.
const erpDown = 30 * time.Second

// Scenario 3: the ERP receiver is down while orders are sold, paid and
// cancelled on every shop; when it returns every order version is
// delivered once, and each order's versions in their order.
func chaosERPDown(t *testing.T) {
	o := topoOptions{Platforms: []string{"youzan", "vipshop", "douyin"}}
	scenario(t, "3. ERP receiver down while orders flow", o, func(ctx context.Context, tp *topology, c *tally) {
		tp.importCatalog(ctx, genCatalog("ERP", 60))
		tp.pushAll(ctx)
		tp.awaitPushes(ctx, c)
		s := sold{}
		tp.startPulls(ctx)
		tp.sell(ctx, 3, s)
		tp.awaitOrders(ctx, s)

		tp.stop(tp.erp)
		down := time.Now()
		for wave := 0; wave < 3; wave++ {
			before := sold{}
			for k, v := range s {
				before[k] = v
			}
			tp.sell(ctx, 4, s)
			// A buyer cancels an order sold while the ERP is down: its
			// next version follows the first.
			for _, sh := range tp.shops {
				ids := s[sh.ref][len(before[sh.ref]):]
				for _, id := range ids {
					if sh.admin.CancelOrder(ctx, id) == nil {
						break
					}
				}
			}
			time.Sleep(erpDown / 4)
		}
		pending := 0
		if st, err := tp.Store.DeliveryStats(ctx); err == nil {
			pending = st[store.DeliveryPending]
		}
		if pending == 0 {
			c.problem("no delivery waited for the ERP while it was down")
		}
		time.Sleep(erpDown - time.Since(down))
		tp.start(tp.erp)
		tp.waitHTTP(ctx, tp.erp.url(portERP)+"/stats")
		back := time.Now()
		tp.awaitOrders(ctx, s)
		t.Logf("%d deliveries waited; every order in the ERP %s after it came back", pending, time.Since(back).Round(time.Second))
		tp.checkListings(ctx, c, nil, true)
		tp.checkOrders(ctx, c, s)
	})
}

// Scenario 7: the ERP changes the stock of a few SKUs again and again
// (through syncctl serve) while buyers order those SKUs on every shop.
// Throughout, no SKU is offered across the shops beyond the highest stock
// the ERP ever gave it; at the end each shop offers its share of the ERP's
// last value, and every order reached the ERP once.
func chaosStockAndOrders(t *testing.T) {
	stock := &config.Stock{Shares: []config.Share{
		{Shops: config.Patterns{"tmall/*"}, Share: "40%"},
		{Shops: config.Patterns{"jd/*"}, Share: "30%"},
		{Shops: config.Patterns{"youzan/*"}, Share: "30%"},
	}}
	o := topoOptions{Platforms: []string{"tmall", "jd", "youzan"}, Serve: true, Stock: stock}
	scenario(t, "7. ERP stock updates racing orders", o, func(ctx context.Context, tp *topology, c *tally) {
		tp.importCatalog(ctx, genCatalog("RACE", 8))
		tp.pushAll(ctx)
		tp.awaitPushes(ctx, c)
		var skus []domain.SKU
		if err := store.EachProduct(ctx, tp.Store, "", 0, func(p domain.Product) error {
			skus = append(skus, p.SKUs...)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		alloc := tp.allocation(stock)
		s := sold{}
		tp.startPulls(ctx)

		var mu sync.Mutex
		highest, last, version := map[string]int{}, map[string]int{}, map[string]int64{}
		for _, k := range skus {
			highest[k.Code], last[k.Code] = k.Stock, k.Stock
		}
		rctx, stop := context.WithTimeout(ctx, raceFor)
		defer stop()
		var wg sync.WaitGroup
		var apiErrs, samples int
		var over []string
		wg.Add(3)
		go func() { // the ERP
			defer wg.Done()
			rng := rand.New(rand.NewPCG(1, 2))
			for rctx.Err() == nil {
				k := skus[rng.IntN(len(skus))]
				mu.Lock()
				version[k.Code]++
				v, n := version[k.Code], 5+rng.IntN(60)
				highest[k.Code] = max(highest[k.Code], n)
				mu.Unlock()
				if err := tp.setStock(rctx, k.Code, n, v); err != nil {
					if rctx.Err() == nil {
						mu.Lock()
						apiErrs++
						mu.Unlock()
					}
					continue
				}
				mu.Lock()
				last[k.Code] = n
				mu.Unlock()
				time.Sleep(150 * time.Millisecond)
			}
		}()
		go func() { // the buyers
			defer wg.Done()
			rng := rand.New(rand.NewPCG(3, 4))
			for rctx.Err() == nil {
				sh := tp.shops[rng.IntN(len(tp.shops))]
				k := skus[rng.IntN(len(skus))]
				if ids, err := sh.admin.SellOrders(rctx, 1, k.Code); len(ids) > 0 {
					mu.Lock()
					s[sh.ref] = append(s[sh.ref], ids...)
					mu.Unlock()
				} else if err != nil && rctx.Err() == nil {
					_ = err // sold out there: the buyer goes elsewhere
				}
				time.Sleep(200 * time.Millisecond)
			}
		}()
		go func() { // someone watching every shop
			defer wg.Done()
			for rctx.Err() == nil {
				sum := map[string]int{}
				for _, sh := range tp.shops {
					items, err := sh.admin.Items(rctx)
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
				for code, n := range sum {
					if n > highest[code] {
						over = append(over, fmt.Sprintf("%s offered %d across the shops, the ERP never had more than %d", code, n, highest[code]))
					}
				}
				mu.Unlock()
				time.Sleep(300 * time.Millisecond)
			}
		}()
		wg.Wait()
		for _, o := range over {
			c.duplicated++ // units offered that do not exist
			c.problem("%s", o)
		}
		if apiErrs > 0 {
			c.problem("%d stock updates refused by the API", apiErrs)
		}
		t.Logf("%d stock samples of every shop during the race; %d orders", samples, len(s[tp.shops[0].ref])+len(s[tp.shops[1].ref])+len(s[tp.shops[2].ref]))

		// The ERP's last word on every SKU, after the last sale: a level it
		// never gave during the race, so every shop gets a new share (a
		// share equal to the last one pushed is not pushed again, whatever
		// the platform sold since: the ERP's level counts those sales).
		for i, k := range skus {
			version[k.Code]++
			last[k.Code] = 100 + i
			if err := tp.setStock(ctx, k.Code, last[k.Code], version[k.Code]); err != nil {
				t.Fatal(err)
			}
		}
		want := func(shop domain.ShopRef, k domain.SKU) int {
			k.Stock = last[k.Code]
			return alloc(shop, k, nil, time.Now())
		}
		var mismatch string
		tp.waitFor(ctx, 2*time.Minute, "every shop showing its share of the ERP's last stock", func() bool {
			for _, sh := range tp.shops {
				items, err := sh.admin.Items(ctx)
				if err != nil {
					return false
				}
				for _, it := range items {
					for _, ik := range it.SKUs {
						if w := want(sh.ref, domain.SKU{Code: ik.OuterID}); ik.Stock != w {
							if m := fmt.Sprintf("%s shows %d of %s, its share of %d is %d", sh.ref, ik.Stock, ik.OuterID, last[ik.OuterID], w); m != mismatch {
								mismatch = m
								t.Log(m)
							}
							return false
						}
					}
				}
			}
			return true
		})
		for _, k := range skus {
			p, err := tp.Store.ProductOfSKU(ctx, k.Code)
			if err != nil {
				t.Fatal(err)
			}
			for _, pk := range p.SKUs {
				if pk.Code == k.Code && pk.Stock != last[k.Code] {
					c.problem("SKU %s: the master stock is %d, the ERP's last value %d", k.Code, pk.Stock, last[k.Code])
				}
			}
		}
		tp.awaitOrders(ctx, s)
		tp.checkListings(ctx, c, want, false)
		tp.checkOrders(ctx, c, s)
	})
}

// raceFor is how long scenario 7's ERP and buyers race.
const raceFor = 30 * time.Second

// allocation is the workers' stock allocation, computed here from the
// same stock section.
func (tp *topology) allocation(stock *config.Stock) func(domain.ShopRef, domain.SKU, []any, time.Time) int {
	tp.t.Helper()
	cfg := config.Config{Stock: stock}
	for _, s := range tp.shops {
		cfg.Shops = append(cfg.Shops, config.Shop{Channel: s.ref.Channel, Shop: s.ref.Shop})
	}
	a, err := cfg.Allocation()
	if err != nil {
		tp.t.Fatal(err)
	}
	return func(shop domain.ShopRef, k domain.SKU, _ []any, at time.Time) int { return a(shop, k, nil, at) }
}

// setStock sends one ERP stock level to syncctl serve.
func (tp *topology) setStock(ctx context.Context, sku string, stock int, version int64) error {
	body, _ := json.Marshal(map[string]any{"items": []map[string]any{{"sku": sku, "stock": stock, "version": version}}})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tp.api.url(portAPI)+"/v1/inventory", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tp.apiToken)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("POST /v1/inventory: HTTP %d: %s", resp.StatusCode, b)
	}
	return nil
}
