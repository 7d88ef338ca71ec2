package wechatmap_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
	wechatmap "github.com/syncctl/syncctl/mapping/wechat"
)

// Every syncctl carrier has a code, and the codes are the platform's.
func TestCarriers(t *testing.T) {
	for code := range domain.Carriers {
		if wechatmap.Carriers[code] == "" {
			t.Errorf("carrier %s has no delivery_id", code)
		}
	}
	for code, id := range map[string]string{"YUNDA": "YUNDA", "JTSD": "JTSD", "DBKD": "DBKD", "POSTB": "EMS", "SF": "SF"} {
		if wechatmap.Carriers[code] != id {
			t.Errorf("%s → %s, want %s", code, wechatmap.Carriers[code], id)
		}
	}
}

func shipOrder() domain.SalesOrder {
	return domain.SalesOrder{PlatformOrderID: "3720463198760912384", Lines: []domain.OrderLine{
		{PlatformLineID: "1380997701", SKUCode: "YS-TS-001-WHT-M", PlatformItemID: "10000029995861", PlatformSKUID: "1380997701", Quantity: 3},
		{PlatformLineID: "1380997702", SKUCode: "YS-TS-001-BLK-M", PlatformItemID: "10000029995861", PlatformSKUID: "1380997702", Quantity: 1},
	}}
}

func TestDeliveryRequest(t *testing.T) {
	whole := domain.Shipment{PlatformOrderID: "3720463198760912384", Carrier: "YUNDA", TrackingNo: "4312345678901"}
	b, err := wechatmap.DeliveryRequest(whole, domain.SalesOrder{})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	if string(raw) != `{"order_id":"3720463198760912384","delivery_list":[{"delivery_id":"YUNDA","waybill_id":"4312345678901","deliver_type":1}]}` {
		t.Errorf("whole order: %s", raw)
	}
	// A split shipment: 2 of the 3 white by line id, the black by SKU code.
	split := whole
	split.Lines = []domain.ShipmentLine{{PlatformLineID: "1380997701", Quantity: 2}, {SKUCode: "YS-TS-001-BLK-M"}}
	b, err = wechatmap.DeliveryRequest(split, shipOrder())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ = json.Marshal(b.DeliveryList[0].ProductInfos)
	if string(raw) != `[{"product_id":"10000029995861","sku_id":"1380997701","product_cnt":2},{"product_id":"10000029995861","sku_id":"1380997702","product_cnt":1}]` {
		t.Errorf("split: %s", raw)
	}
	cases := []struct {
		name, code, want string
		edit             func(*domain.Shipment)
	}{
		{"TOP's code is not ours", domain.EInvalid, `field carrier: unknown carrier "YD"`, func(s *domain.Shipment) { s.Carrier = "YD" }},
		{"no waybill", domain.EInvalid, "field tracking_no", func(s *domain.Shipment) { s.TrackingNo = "" }},
		{"unknown line", domain.ENotFound, "lines[0]", func(s *domain.Shipment) { s.Lines = []domain.ShipmentLine{{PlatformLineID: "999"}} }},
		{"too many", domain.EInvalid, "lines[0].quantity", func(s *domain.Shipment) { s.Lines = []domain.ShipmentLine{{PlatformLineID: "1380997701", Quantity: 4}} }},
		{"twice", domain.EInvalid, "twice", func(s *domain.Shipment) {
			s.Lines = []domain.ShipmentLine{{PlatformLineID: "1380997701"}, {SKUCode: "YS-TS-001-WHT-M"}}
		}},
		{"nameless line", domain.EInvalid, "names no order line", func(s *domain.Shipment) { s.Lines = []domain.ShipmentLine{{Quantity: 1}} }},
	}
	for _, c := range cases {
		s := whole
		c.edit(&s)
		_, err := wechatmap.DeliveryRequest(s, shipOrder())
		if domain.ErrorCode(err) != c.code || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "3720463198760912384") {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestDraftWithoutSKU(t *testing.T) {
	draft := []byte(`{"product_id":"10000029995861","out_product_id":"YS-TS-001","title":"纯棉圆领短袖T恤","edit_status":2,
	  "audit_info":{"submit_time":1795485600},"head_imgs":["https://img/1.jpg"],
	  "skus":[{"sku_id":"1380997701","out_sku_id":"YS-TS-001-WHT-M","sale_price":5990,"stock_num":10},
	          {"sku_id":1380997702,"out_sku_id":"YS-TS-001-BLK-M","sale_price":6990,"stock_num":5}]}`)
	body, err := wechatmap.DraftWithoutSKU(draft, "10000029995861", "1380997702")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(body)
	if strings.Contains(string(raw), "1380997702") || !strings.Contains(string(raw), `"sku_id":"1380997701"`) ||
		strings.Contains(string(raw), "edit_status") || strings.Contains(string(raw), "audit_info") || !strings.Contains(string(raw), `"title":"纯棉圆领短袖T恤"`) {
		t.Errorf("body %s", raw)
	}
	if _, err := wechatmap.DraftWithoutSKU(draft, "10000029995861", "99"); domain.ErrorCode(err) != domain.ENotFound {
		t.Errorf("unknown sku: %v", err)
	}
	if _, err := wechatmap.DraftWithoutSKU([]byte(`[]`), "10000029995861", "99"); domain.ErrorCode(err) != domain.EInvalid {
		t.Errorf("not an object: %v", err)
	}
}
