package integration_test

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

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

// The secret scan passes only if it can fail: a secret or token in a log
// line or a history payload is caught however it is written there (as it
// is, JSON-escaped inside a payload, as a []byte's base64), and a clean
// run passes.
func TestChaosChecksCatchSecretLeaks(t *testing.T) {
	session := "6100" + "0123456789abcdef01234567"
	odd := `s3cr<&>"é\-` + "0f1e2d"               // JSON and protobuf text escape it
	access := "sbx_" + "a1b2c3d4e5f60718293a4b5c" // a token a platform issued
	short := "k9Z7x"                              // too short to mean anything
	secrets := []secretValue{
		{Kind: "tmall/it credential session", Value: session},
		{Kind: "wechat/it credential secret", Value: odd},
		{Kind: "wechat/it access token (store)", Value: access, Token: true},
		{Kind: "a short one", Value: short},
	}
	log := func(name string, lines ...string) place {
		return place{Where: "the log of container " + name, Texts: [][]byte{[]byte(strings.Join(lines, "\n"))}}
	}
	clean := `{"time":"2025-01-01T00:00:00Z","level":"INFO","msg":"worker serving","shop":"tmall/it","token":"***"}`
	event := func(id int64, v any) place {
		payloads, err := converter.GetDefaultDataConverter().ToPayloads(v)
		if err != nil {
			t.Fatal(err)
		}
		ev := &historypb.HistoryEvent{EventId: id, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
			Attributes: &historypb.HistoryEvent_ActivityTaskScheduledEventAttributes{ActivityTaskScheduledEventAttributes: &historypb.ActivityTaskScheduledEventAttributes{Input: payloads}}}
		if id == 7 && strings.Contains(ev.String(), odd) {
			t.Fatal("the event's String() shows the escaped secret as it is: the case below proves nothing")
		}
		return eventPlace("catalog-push/wechat/it", "r1", ev)
	}
	type input struct {
		Shop  string
		Token string
		Raw   []byte
	}
	failed := &historypb.HistoryEvent{EventId: 9, EventType: enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED,
		Attributes: &historypb.HistoryEvent_ActivityTaskFailedEventAttributes{ActivityTaskFailedEventAttributes: &historypb.ActivityTaskFailedEventAttributes{
			Failure: &failurepb.Failure{Message: "refresh: POST /token?access_token=" + access + ": HTTP 500"}}}}

	cases := map[string]struct {
		places []place
		want   []leak
	}{
		"clean": {places: []place{log("worker-1", clean, "plain line"), event(5, input{Shop: "tmall/it", Token: "***", Raw: []byte("nothing")})}},
		"in a JSON log line": {places: []place{log("worker-2", clean, `{"level":"ERROR","msg":"call failed","url":"http://sb-tmall:8201/router/rest?session=`+session+`"}`)},
			want: []leak{{"tmall/it credential session", "the log of container worker-2"}}},
		"escaped in a text log line": {places: []place{log("api", "level=ERROR msg=refused secret="+strconv.Quote(odd))},
			want: []leak{{"wechat/it credential secret", "the log of container api"}}},
		"in a payload": {places: []place{event(6, input{Token: access})},
			want: []leak{{"wechat/it access token (store)", "workflow catalog-push/wechat/it run r1 event 6 (ActivityTaskScheduled)"}}},
		"JSON-escaped in a payload": {places: []place{event(7, input{Token: odd})},
			want: []leak{{"wechat/it credential secret", "workflow catalog-push/wechat/it run r1 event 7 (ActivityTaskScheduled)"}}},
		"base64 in a payload, any alignment": {places: []place{event(8, input{Raw: []byte(session)}), event(10, input{Raw: []byte("x" + session)}), event(11, input{Raw: []byte("xy" + odd)})},
			want: []leak{{"tmall/it credential session", "workflow catalog-push/wechat/it run r1 event 8 (ActivityTaskScheduled)"},
				{"tmall/it credential session", "workflow catalog-push/wechat/it run r1 event 10 (ActivityTaskScheduled)"},
				{"wechat/it credential secret", "workflow catalog-push/wechat/it run r1 event 11 (ActivityTaskScheduled)"}}},
		"in a failure message": {places: []place{eventPlace("order-pull/wechat/it", "r2", failed)},
			want: []leak{{"wechat/it access token (store)", "workflow order-pull/wechat/it run r2 event 9 (ActivityTaskFailed)"}}},
		"too short to look for": {places: []place{log("erp", "key "+short)}},
	}
	for name, tc := range cases {
		got := findLeaks(secrets, tc.places)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: found %v, want %v", name, got, tc.want)
		}
	}
}
