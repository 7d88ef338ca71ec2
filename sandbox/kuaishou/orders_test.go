package kuaishou_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
	"github.com/syncctl/syncctl/sandbox/kuaishou"
)

// stocked lists one item with plenty of stock and puts it in a 20 % plan.
func stocked(e *env) json.Number {
	it := newItem()
	it["skuList"].([]map[string]any)[0]["skuStock"] = 9000
	it["skuList"].([]map[string]any)[1]["skuStock"] = 9000
	id := e.ok("open.item.new", it)["kwaiItemId"].(json.Number)
	e.ok("open.distribution.plan.create", map[string]any{"planCreateType": "ITEM_NORMAL",
		"normalPlanParam": map[string]any{"itemIds": []any{id}, "commissionRate": 20}})
	return id
}

// TestBurstAndCursorWalk: 5000 orders sold in one admin call, then every
// page of the window walked by cursor until "nomore"; the mix holds
// cancelled, refunding and CPS orders from ~20 distributors.
func TestBurstAndCursorWalk(t *testing.T) {
	e := setup(t, nil)
	stocked(e)
	admin := kit.AdminClient{BaseURL: e.srv.URL}
	start := time.Now()
	ids, err := admin.SellOrders(context.Background(), 5000, "")
	if err != nil || len(ids) != 5000 {
		t.Fatalf("sold %d: %v", len(ids), err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("a burst of 5000 took %s", d)
	}
	from, to := e.clk.Now().Add(-time.Hour).UnixMilli(), e.clk.Now().Add(time.Hour).UnixMilli()
	seen := map[string]bool{}
	promoters := map[string]bool{}
	var cancelled, refunding, cps int
	cursor := ""
	for pages := 0; cursor != kuaishou.CursorEnd; pages++ {
		if pages > 200 {
			t.Fatal("no end of pages")
		}
		d := e.ok("open.order.cursor.list", map[string]any{"orderViewStatus": 1, "pageSize": 50, "sort": 1, "queryType": 2,
			"beginTime": from, "endTime": to, "cpsType": 0, "cursor": cursor})
		for _, raw := range d["orderList"].([]any) {
			o := raw.(map[string]any)
			base := o["orderBaseInfo"].(map[string]any)
			oid := base["oid"].(json.Number).String()
			if seen[oid] {
				t.Fatalf("order %s twice", oid)
			}
			seen[oid] = true
			if base["status"].(json.Number) == "80" {
				cancelled++
			}
			if len(o["orderRefundList"].([]any)) > 0 {
				refunding++
			}
			if c := o["orderCpsInfo"].(map[string]any); c["distributorId"].(json.Number) != "0" {
				cps++
				promoters[c["distributorId"].(json.Number).String()] = true
				if c["commissionRate"].(json.Number) != "200" || c["commissionAmount"].(json.Number) == "0" {
					t.Fatalf("commission %v", c)
				}
			}
		}
		cursor = d["cursor"].(string)
	}
	if len(seen) != 5000 {
		t.Fatalf("walked %d of 5000 orders", len(seen))
	}
	if cancelled < 100 || refunding < 100 || cps < 2000 || len(promoters) != kuaishou.Distributors() {
		t.Fatalf("mix: %d cancelled, %d refunding, %d cps from %d promoters", cancelled, refunding, cps, len(promoters))
	}
}

func TestOrderWindows(t *testing.T) {
	e := setup(t, nil)
	now := e.clk.Now()
	q := func(begin, end time.Time) int {
		return result(e.call("open.order.cursor.list", map[string]any{"queryType": 2, "pageSize": 50, "beginTime": begin.UnixMilli(), "endTime": end.UnixMilli()}, nil))
	}
	if c := q(now, now.Add(-time.Second)); c != kuaishou.CodeEndBeforeBegin {
		t.Errorf("end before begin: %d", c)
	}
	if c := q(now.Add(-7*24*time.Hour-time.Millisecond), now); c != kuaishou.CodeRangeOver7Days {
		t.Errorf("over 7 days: %d", c)
	}
	if c := q(now.Add(-91*24*time.Hour), now.Add(-85*24*time.Hour)); c != kuaishou.CodeBefore90Days {
		t.Errorf("before 90 days: %d", c)
	}
	if c := q(now.Add(-7*24*time.Hour), now); c != 1 {
		t.Errorf("exactly 7 days: %d", c)
	}
	if r := e.call("open.order.cursor.list", map[string]any{"queryType": 2, "pageSize": 51, "beginTime": now.Add(-time.Hour).UnixMilli(), "endTime": now.UnixMilli()}, nil); result(r) != kuaishou.CodeBadRequest {
		t.Errorf("page size 51: %v", r)
	}
}

// TestOrderUpdatedWhilePagingSkipsNone: the cursor is a key, so an order
// that moves while a window is paged never shifts the others.
func TestOrderUpdatedWhilePagingSkipsNone(t *testing.T) {
	e := setup(t, nil)
	stocked(e)
	e.sb.SetMix(kuaishou.Mix{})
	var ids []string
	for range 6 {
		got, err := e.sb.SellOrders(1, "")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
		e.clk.Advance(time.Second)
	}
	from, to := e.clk.Now().Add(-time.Minute).UnixMilli(), e.clk.Now().UnixMilli()
	seen := map[string]bool{}
	cursor := ""
	for first := true; cursor != kuaishou.CursorEnd; first = false {
		d := e.ok("open.order.cursor.list", map[string]any{"queryType": 2, "pageSize": 2, "sort": 2, "beginTime": from, "endTime": to, "cursor": cursor})
		for _, raw := range d["orderList"].([]any) {
			seen[raw.(map[string]any)["orderBaseInfo"].(map[string]any)["oid"].(json.Number).String()] = true
		}
		if first {
			e.clk.Advance(time.Second)
			if err := e.sb.CancelOrder(ids[0]); err != nil { // read already; now it leaves the window
				t.Fatal(err)
			}
		}
		cursor = d["cursor"].(string)
	}
	for _, id := range ids {
		if !seen[id] {
			t.Fatalf("order %s skipped", id)
		}
	}
}

func TestDeliver(t *testing.T) {
	e := setup(t, nil)
	stocked(e)
	e.sb.SetMix(kuaishou.Mix{})
	ids, _ := e.sb.SellOrders(2, "")
	oid, _ := json.Number(ids[0]).Int64()
	if r := e.call("open.seller.order.goods.deliver", map[string]any{"orderId": oid, "expressNo": "SF1234567890", "expressCode": 60}, nil); result(r) != kuaishou.CodeBadRequest {
		t.Fatalf("unknown carrier: %v", r)
	}
	e.ok("open.seller.order.goods.deliver", map[string]any{"orderId": oid, "expressNo": "SF1234567890", "expressCode": 4})
	if r := e.call("open.seller.order.goods.deliver", map[string]any{"orderId": oid, "expressNo": "SF1234567890", "expressCode": 4}, nil); result(r) != kuaishou.CodeConflict {
		t.Fatalf("shipped twice: %v", r)
	}
	d := e.ok("open.order.detail", map[string]any{"oid": oid})
	if d["orderBaseInfo"].(map[string]any)["status"].(json.Number) != "40" || len(d["orderLogisticsInfo"].([]any)) != 1 {
		t.Fatalf("detail %v", d)
	}
	if err := e.sb.CancelOrder(ids[0]); err == nil {
		t.Fatal("cancelled a shipped order")
	}
	if err := e.sb.RefundOrder(ids[1]); err != nil {
		t.Fatal(err)
	}
	oid2, _ := json.Number(ids[1]).Int64()
	if r := e.call("open.seller.order.goods.deliver", map[string]any{"orderId": oid2, "expressNo": "ZT1", "expressCode": 9}, nil); result(r) != kuaishou.CodeConflict {
		t.Fatalf("shipped a refunded order: %v", r)
	}
}

// The sandbox opens through its declaration and answers the common admin API.
func TestPlatformAndAdmin(t *testing.T) {
	creds := kuaishou.Platform.NewCredentials()
	for _, k := range []string{"appkey", "app_secret", "sign_secret", "refresh_token"} {
		if creds[k] == "" {
			t.Fatalf("credential %s missing: %v", k, creds)
		}
	}
	sb, err := kuaishou.Platform.Open(kit.Config{Credentials: creds})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	defer func() { srv.Close(); _ = sb.Close() }()
	if s := kuaishou.Platform.Shop(srv.URL); s.Gateway != srv.URL || s.Options["category_id"] == "" {
		t.Fatalf("shop setup %+v", s)
	}
	admin := kit.AdminClient{BaseURL: srv.URL}
	ctx := context.Background()
	if ids, err := admin.SellOrders(ctx, 1, ""); err == nil || len(ids) != 0 {
		t.Fatalf("sold from an empty shop: %v %v", ids, err)
	}
	if err := admin.Reset(ctx); err != nil {
		t.Fatal(err)
	}
}
