package integration_test

import (
	"errors"
	"testing"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/store"
)

// The chaos scenarios pass only if their checks can fail: each of these
// states (no Docker needed) is caught as lost or duplicated.
func TestChaosChecksCatchLossAndDuplication(t *testing.T) {
	shop := domain.ShopRef{Channel: "tmall", Shop: "it"}
	products := []domain.Product{
		{Code: "P1", SKUs: []domain.SKU{{Code: "P1-0", ListPrice: 5990, Stock: 10}, {Code: "P1-1", ListPrice: 6990, Stock: 20}}},
		{Code: "P2", SKUs: []domain.SKU{{Code: "P2-0", ListPrice: 7990, Stock: 30}}},
	}
	item := func(code string, skus ...kit.ItemSKU) kit.Item { return kit.Item{OuterID: code, SKUs: skus} }
	sku := func(code string, price int64, stock int) kit.ItemSKU {
		return kit.ItemSKU{OuterID: code, PriceFen: price, Stock: stock}
	}
	good := []kit.Item{item("P1", sku("P1-0", 5990, 10), sku("P1-1", 6990, 20)), item("P2", sku("P2-0", 7990, 30))}
	listings := map[string]struct {
		items              []kit.Item
		lost, dup, problem int
	}{
		"all there":          {good, 0, 0, 0},
		"a SKU missing":      {[]kit.Item{item("P1", sku("P1-0", 5990, 10)), good[1]}, 1, 0, 1},
		"a product twice":    {append(append([]kit.Item(nil), good...), item("P2", sku("P2-0", 7990, 30))), 0, 2, 2},
		"a stranger":         {append(append([]kit.Item(nil), good...), item("P9")), 0, 1, 1},
		"a wrong stock":      {[]kit.Item{item("P1", sku("P1-0", 5990, 11), sku("P1-1", 6990, 20)), good[1]}, 0, 0, 1},
		"a wrong price":      {[]kit.Item{item("P1", sku("P1-0", 5991, 10), sku("P1-1", 6990, 20)), good[1]}, 0, 0, 1},
		"a sale taken":       {[]kit.Item{item("P1", sku("P1-0", 5990, 9), sku("P1-1", 6990, 20)), good[1]}, 0, 0, 0},
		"more than the sale": {[]kit.Item{item("P1", sku("P1-0", 5990, 7), sku("P1-1", 6990, 20)), good[1]}, 0, 0, 1},
	}
	for name, tc := range listings {
		c := &tally{}
		compareListings(c, shop, products, tc.items, map[string]int{"P1-0": 1}, nil)
		if c.listings != 3 || c.lost != tc.lost || c.duplicated != tc.dup || len(c.problems) != tc.problem {
			t.Errorf("listings, %s: %d checked, %d lost, %d duplicated, problems %q", name, c.listings, c.lost, c.duplicated, c.problems)
		}
	}

	rec := func(id string, versions int) store.OrderRecord {
		return store.OrderRecord{Order: domain.SalesOrder{Shop: shop, PlatformOrderID: id, Status: domain.OrderPaid, Amounts: domain.Amounts{Paid: 100}},
			Revision: versions, Versions: versions}
	}
	got := func(id string, deliveries int) erp.ReceivedOrder {
		return erp.ReceivedOrder{Key: "tmall/it/" + id, Revision: deliveries, Status: "paid", Paid: 100, Deliveries: deliveries}
	}
	platform := func(_ domain.ShopRef, id string) (domain.SalesOrder, error) {
		if id == "gone" {
			return domain.SalesOrder{}, errors.New("no such order")
		}
		return domain.SalesOrder{Status: domain.OrderPaid, Amounts: domain.Amounts{Paid: 100}}, nil
	}
	orders := map[string]struct {
		sold               []string
		stored             []store.OrderRecord
		erp                []erp.ReceivedOrder
		stats              erp.ReceiverStats
		lost, dup, problem int
	}{
		"all there":            {[]string{"1", "2"}, []store.OrderRecord{rec("1", 1), rec("2", 2)}, []erp.ReceivedOrder{got("1", 1), got("2", 2)}, erp.ReceiverStats{}, 0, 0, 0},
		"never pulled":         {[]string{"1", "2"}, []store.OrderRecord{rec("1", 1)}, []erp.ReceivedOrder{got("1", 1)}, erp.ReceiverStats{}, 1, 0, 1},
		"never delivered":      {[]string{"1", "2"}, []store.OrderRecord{rec("1", 1), rec("2", 1)}, []erp.ReceivedOrder{got("1", 1)}, erp.ReceiverStats{}, 1, 0, 1},
		"a version missing":    {[]string{"1"}, []store.OrderRecord{rec("1", 2)}, []erp.ReceivedOrder{got("1", 1)}, erp.ReceiverStats{}, 1, 0, 2},
		"a version twice":      {[]string{"1"}, []store.OrderRecord{rec("1", 1)}, []erp.ReceivedOrder{got("1", 2)}, erp.ReceiverStats{}, 0, 1, 2},
		"pulled twice":         {[]string{"1"}, []store.OrderRecord{rec("1", 1), rec("1", 1)}, []erp.ReceivedOrder{got("1", 1)}, erp.ReceiverStats{}, 0, 1, 1},
		"an order nobody sold": {[]string{"1"}, []store.OrderRecord{rec("1", 1)}, []erp.ReceivedOrder{got("1", 1), got("7", 1)}, erp.ReceiverStats{}, 0, 1, 1},
		"out of order":         {[]string{"1"}, []store.OrderRecord{rec("1", 1)}, []erp.ReceivedOrder{got("1", 1)}, erp.ReceiverStats{Stale: 1}, 0, 0, 1},
		"gone on the platform": {[]string{"gone"}, []store.OrderRecord{rec("gone", 1)}, []erp.ReceivedOrder{got("gone", 1)}, erp.ReceiverStats{}, 0, 0, 1},
	}
	for name, tc := range orders {
		c := &tally{}
		compareOrders(c, sold{shop: tc.sold}, []domain.ShopRef{shop}, map[domain.ShopRef][]store.OrderRecord{shop: tc.stored}, tc.erp, tc.stats, platform)
		if c.orders != len(tc.sold) || c.lost != tc.lost || c.duplicated != tc.dup || len(c.problems) != tc.problem {
			t.Errorf("orders, %s: %d checked, %d lost, %d duplicated, problems %q", name, c.orders, c.lost, c.duplicated, c.problems)
		}
	}

	cases := map[string]domain.AfterSale{
		"tmall/it/1/r1": {PlatformCaseID: "r1", Status: domain.AfterSaleRefunded, RefundAmount: 100},
		"tmall/it/2/r2": {PlatformCaseID: "r2", Status: domain.AfterSaleRequested, RefundAmount: 50},
	}
	refund := func(key string, status domain.AfterSaleStatus, fen int64) erp.ReceivedRefund {
		return erp.ReceivedRefund{Key: key, Status: string(status), Amount: fen, Deliveries: 1}
	}
	both := []erp.ReceivedRefund{refund("tmall/it/1/r1", domain.AfterSaleRefunded, 100), refund("tmall/it/2/r2", domain.AfterSaleRequested, 50)}
	refunds := map[string]struct {
		erp                []erp.ReceivedRefund
		lost, dup, problem int
	}{
		"all there":      {both, 0, 0, 0},
		"one missing":    {both[:1], 1, 0, 1},
		"a stranger":     {append(append([]erp.ReceivedRefund(nil), both...), refund("tmall/it/3/r3", domain.AfterSaleRequested, 1)), 0, 1, 1},
		"an older state": {[]erp.ReceivedRefund{both[0], refund("tmall/it/2/r2", domain.AfterSaleRefunded, 50)}, 0, 0, 1},
	}
	for name, tc := range refunds {
		c := &tally{}
		compareRefunds(c, cases, tc.erp)
		if c.lost != tc.lost || c.duplicated != tc.dup || len(c.problems) != tc.problem {
			t.Errorf("refunds, %s: %d lost, %d duplicated, problems %q", name, c.lost, c.duplicated, c.problems)
		}
	}
}
