package tmall_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/connectors"
	"github.com/syncctl/syncctl/domain"
)

// 250 orders in one window: the probe learns the total, then pages 3, 2, 1
// are read backwards.
func TestListOrdersWalksPagesBackwards(t *testing.T) {
	const total = 250
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.trades.sold.increment.get": func(p map[string]string) string {
			if p["page_size"] != "100" || p["start_modified"] != "2026-11-24 08:00:00" || p["end_modified"] != "2026-11-24 08:30:00" {
				t.Errorf("params %v", p)
			}
			if !strings.Contains(p["fields"], "orders.outer_sku_id") {
				t.Errorf("fields %q do not ask for the lines", p["fields"])
			}
			page, _ := strconv.Atoi(p["page_no"])
			var trades []string
			for i := (page - 1) * 100; i < min(page*100, total); i++ {
				trades = append(trades, fmt.Sprintf(`{"tid":%d,"status":"WAIT_SELLER_SEND_GOODS","created":"2026-11-24 08:01:00","modified":"2026-11-24 08:01:00",
				  "payment":"59.90","total_fee":"59.90","post_fee":"0.00","orders":{"order":[{"oid":%d,"outer_sku_id":"A-1","num":1,"price":"59.90","payment":"59.90"}]}}`,
					3500000000000000000+i*1000, 3500000000000000001+i*1000))
			}
			return `{"trades_sold_increment_get_response":{"total_results":250,"trades":{"trade":[` + strings.Join(trades, ",") + `]}}}`
		},
	}}
	ch := open(t, g)
	from := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC) // 08:00 GMT+8
	q := connectors.OrderQuery{From: from, To: from.Add(30 * time.Minute)}
	seen := map[string]bool{}
	var pages []string
	for {
		page, err := ch.ListOrders(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Orders {
			seen[o.PlatformOrderID] = true
		}
		pages = append(pages, g.calls[len(g.calls)-1]["page_no"])
		if page.NextPageToken == "" {
			break
		}
		q.PageToken = page.NextPageToken
	}
	if strings.Join(pages, ",") != "3,2,1" || len(seen) != total || len(g.calls) != 4 || !seen["3500000000000249000"] {
		t.Fatalf("pages %v, %d orders, %d calls; want 3,2,1 after a probe, all 250 exactly", pages, len(seen), len(g.calls))
	}
	if _, err := ch.ListOrders(context.Background(), connectors.OrderQuery{From: from, To: from.Add(25 * time.Hour)}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a window over a day = %v, want invalid before calling", err)
	}
	if _, err := ch.ListOrders(context.Background(), connectors.OrderQuery{From: from, To: from.Add(time.Hour), PageToken: "x7"}); domain.ErrorCode(err) != domain.EInvalid {
		t.Fatalf("a bad page token = %v", err)
	}
}

// One trade that does not decode or map is rejected on its own, naming the
// field; the others on the page are delivered.
func TestBadTradesAreRejectedNotFatal(t *testing.T) {
	good := func(tid, extra string) string {
		return `{"tid":` + tid + `,"status":"TRADE_CLOSED","created":"2026-11-24 08:01:00","modified":"2026-11-24 08:02:00","payment":"10.00",` +
			`"orders":{"order":[{"oid":1,"num":1,"price":"10.00","outer_sku_id":"A-1"` + extra + `}]}}`
	}
	trades := []string{
		`{"tid":3500000000000000001,"status":"WAIT_SELLER_SEND_GOODS","created":"2026-11-24 08:01:00","modified":"2026-11-24 08:01:00","payment":"abc","orders":{"order":[{"oid":1,"num":1}]}}`,
		`{"tid":3500000000000000002,"orders":{"order":[{"oid":1,"num":"two"}]}}`, // a type the struct cannot take
		`{"tid":3500000000000000003,"status":"TRADE_CLOSED","created":"2026-11-24 08:01:00","modified":"2026-11-24 08:02:00","payment":"-5.00","orders":{"order":[{"oid":1,"num":1}]}}`,
		good("3500000000000000004", `,"sku_id":5123456789012345678,"num_iid":"612345678901"`), // ids as number and as string
		good(`"3500000000000000005"`, `,"sku_id":"5123456789012345679"`),
		good("3500000000000000006", `,"price":"9999999999999.99","num":10000`), // price × num overflows int64 fen
	}
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.trades.sold.increment.get": func(map[string]string) string {
			return `{"trades_sold_increment_get_response":{"total_results":6,"trades":{"trade":[` + strings.Join(trades, ",") + `]}}}`
		},
	}}
	from := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	page, err := open(t, g).ListOrders(context.Background(), connectors.OrderQuery{From: from, To: from.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Orders) != 2 || page.Orders[0].PlatformOrderID != "3500000000000000004" || page.Orders[1].PlatformOrderID != "3500000000000000005" ||
		page.Orders[0].Lines[0].PlatformSKUID != "5123456789012345678" || page.Orders[0].Lines[0].PlatformItemID != "612345678901" ||
		page.Orders[1].Lines[0].PlatformSKUID != "5123456789012345679" || page.Orders[0].Status != domain.OrderCancelled {
		t.Fatalf("orders = %+v", page.Orders)
	}
	want := map[string]string{
		"3500000000000000001": "order 3500000000000000001, field payment",
		"3500000000000000002": "order 3500000000000000002, field orders.order.num",
		"3500000000000000003": "order 3500000000000000003, field payment: amount \"-5.00\" is negative",
		"3500000000000000006": "order 3500000000000000006, field orders[1].price: price × num",
	}
	if len(page.Rejected) != len(want) {
		t.Fatalf("rejected = %+v", page.Rejected)
	}
	for _, r := range page.Rejected {
		if w, ok := want[r.PlatformOrderID]; !ok || !strings.Contains(r.Reason, w) {
			t.Errorf("rejected %s: %q, want it to contain %q", r.PlatformOrderID, r.Reason, w)
		}
	}
}

func TestGetOrder(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.trade.fullinfo.get": func(p map[string]string) string {
			if p["tid"] == "3504329923814120471" {
				return `{"trade_fullinfo_get_response":{"trade":{"tid":3504329923814120471,"status":"WAIT_SELLER_SEND_GOODS","created":"2026-11-24 10:02:11",
				  "modified":"2026-11-24 10:05:00","payment":"127.80","post_fee":"8.00","receiver_name":"王小明",
				  "orders":{"order":[{"oid":3504329923814120472,"outer_sku_id":"YS-TS-001-WHT-M","num":2,"price":"59.90","total_fee":"119.80","payment":"119.80"}]}}}}`
			}
			if p["tid"] == "1" {
				return `{"trade_fullinfo_get_response":{"trade":{"tid":1,"status":"WAIT_SELLER_SEND_GOODS","created":"soon"}}}`
			}
			return `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.trade-not-exist"}}`
		},
	}}
	ch := open(t, g)
	o, err := ch.GetOrder(context.Background(), "3504329923814120471")
	if err != nil {
		t.Fatal(err)
	}
	if o.PlatformOrderID != "3504329923814120471" || o.Lines[0].PlatformLineID != "3504329923814120472" || o.Amounts.Paid != 12780 ||
		o.Amounts.Goods != 11980 || o.Amounts.Freight != 800 || o.Receiver.Name != "王**" || o.Status != domain.OrderPaid {
		t.Fatalf("order = %+v", o)
	}
	if f := g.last("taobao.trade.fullinfo.get")["fields"]; !strings.Contains(f, "orders.oid") || !strings.Contains(f, "payment") {
		t.Fatalf("fields = %q", f)
	}
	if _, err := ch.GetOrder(context.Background(), "1"); domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "order 1, field created") {
		t.Fatalf("bad trade = %v", err)
	}
	if _, err := ch.GetOrder(context.Background(), "2"); domain.ErrorCode(err) != domain.ENotFound {
		t.Fatalf("unknown trade = %v", err)
	}
}

func TestShipSendsWaybillAndSplitLines(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.logistics.offline.send": func(map[string]string) string {
			return `{"logistics_offline_send_response":{"shipping":{"is_success":true}}}`
		},
	}}
	ch := open(t, g)
	s := domain.Shipment{PlatformOrderID: "3500000000000000001", Carrier: "SF", TrackingNo: "SF1234567890"}
	if err := ch.Ship(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	whole := g.last("taobao.logistics.offline.send")
	s.Lines = []domain.ShipmentLine{{PlatformLineID: "3500000000000000002"}, {PlatformLineID: "3500000000000000003"}}
	if err := ch.Ship(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	split := g.last("taobao.logistics.offline.send")
	if whole["tid"] != "3500000000000000001" || whole["out_sid"] != "SF1234567890" || whole["company_code"] != "SF" || whole["is_split"] != "" {
		t.Fatalf("whole shipment = %v", whole)
	}
	if split["sub_tid"] != "3500000000000000002,3500000000000000003" || split["is_split"] != "1" {
		t.Fatalf("split shipment = %v", split)
	}
}

// An empty value is dropped before signing and sending, as the SDKs do:
// the gateway reports the missing parameter instead of an empty one.
func TestEmptyParametersAreNotSent(t *testing.T) {
	g := &gateway{t: t, handlers: map[string]func(map[string]string) string{
		"taobao.logistics.offline.send": func(p map[string]string) string {
			if _, sent := p["company_code"]; sent {
				t.Errorf("company_code sent as %q", p["company_code"])
			}
			return `{"error_response":{"code":40,"msg":"Missing Required Arguments","sub_code":"missing-parameter:company_code"}}`
		},
	}}
	err := open(t, g).Ship(context.Background(), domain.Shipment{PlatformOrderID: "3500000000000000001", TrackingNo: "SF1"})
	if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), "company_code") {
		t.Fatalf("err = %v", err)
	}
}
