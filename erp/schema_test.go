package erp_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/erp"
	"github.com/syncctl/syncctl/store"
)

// strictSchema compiles the published schema with additionalProperties
// false on every object: receivers must tolerate new fields, but syncctl
// must not send one the contract does not document.
func strictSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(erp.Schema))
	if err != nil {
		t.Fatal(err)
	}
	var closeObjects func(v any)
	closeObjects = func(v any) {
		switch n := v.(type) {
		case map[string]any:
			if n["type"] == "object" {
				n["additionalProperties"] = false
			}
			for _, c := range n {
				closeObjects(c)
			}
		case []any:
			for _, c := range n {
				closeObjects(c)
			}
		}
	}
	closeObjects(doc)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("webhook.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("webhook.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fullOrder sets every field of a SalesOrder, optional ones included.
func fullOrder() domain.SalesOrder {
	paid := time.Date(2026, 11, 24, 10, 2, 11, 0, time.FixedZone("CST", 8*3600))
	cps := &domain.CPSInfo{PromoterID: "ks_778899", PromoterName: "达人小王", CommissionRate: 2000, Commission: 2396, Estimated: 2400, Settlement: domain.SettlementSettled}
	return domain.SalesOrder{
		Shop: domain.ShopRef{Channel: "tmall", Shop: "flagship"}, PlatformOrderID: "3504329923814120471",
		Status: domain.OrderPaid, PlatformStatus: "WAIT_SELLER_SEND_GOODS", CreatedAt: paid, PaidAt: &paid, ModifiedAt: paid,
		Currency: "CNY", Amounts: domain.Amounts{Goods: 11980, Discount: 0, Freight: 0, Paid: 11980},
		Buyer:    domain.Party{Nick: "t**8", ID: "AAHm5xk2ABCD"},
		Receiver: domain.Receiver{Name: "王*", Phone: "138****5678", Province: "浙江省", City: "杭州市", District: "西湖区", Address: "文三路***"},
		Lines: []domain.OrderLine{{PlatformLineID: "3504329923814120472", SKUCode: "YS-TS-001-WHT-M", PlatformItemID: "600000000001",
			PlatformSKUID: "5000000000001", Title: "山野集纯棉圆领短袖T恤", Quantity: 2, UnitPrice: 5990, Paid: 11980,
			Status: "WAIT_SELLER_SEND_GOODS", RefundStatus: "NO_REFUND", CPS: cps}},
		CPS: cps, BuyerMessage: "请尽快发货",
	}
}

func schemaBody(t *testing.T, o domain.SalesOrder) any {
	t.Helper()
	body, err := erp.EnvelopeFor(store.Delivery{ID: "dlv_3f9c0a6d1b2e4f5a6b7c8d9e", Event: store.OrderCreated, Revision: 1, Order: o})
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEveryFieldSentIsInTheSchema(t *testing.T) {
	s := strictSchema(t)
	if err := s.Validate(schemaBody(t, fullOrder())); err != nil {
		t.Fatalf("a full envelope does not match the published schema:\n%v", err)
	}
	minimal := fullOrder()
	minimal.PaidAt, minimal.CPS, minimal.BuyerMessage = nil, nil, ""
	minimal.Buyer, minimal.Receiver = domain.Party{}, domain.Receiver{}
	minimal.Lines[0] = domain.OrderLine{PlatformLineID: "1", Title: "T恤", Quantity: 1, UnitPrice: 100, Paid: 100}
	if err := s.Validate(schemaBody(t, minimal)); err != nil {
		t.Fatalf("an envelope with only the required fields does not match:\n%v", err)
	}
}

// fullRefund sets every field of a refund case.
func fullRefund() domain.AfterSale {
	at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	return domain.AfterSale{Shop: domain.ShopRef{Channel: "tmall", Shop: "flagship"}, PlatformCaseID: "112233445566",
		PlatformOrderID: "3504329923814120471", Kind: "return_refund", Status: domain.AfterSaleApproved, PlatformStatus: "WAIT_BUYER_RETURN_GOODS",
		RefundAmount: 5990, Reason: "尺码不合适", CreatedAt: at, ModifiedAt: at, ReturnTrackingNo: "SF1234567890",
		Lines: []domain.AfterSaleLine{{PlatformLineID: "3504329923814120472", SKUCode: "YS-TS-001-WHT-M", Quantity: 1, RefundAmount: 5990}}}
}

func TestRefundEnvelopesMatchTheSchema(t *testing.T) {
	s := strictSchema(t)
	o := fullOrder()
	o.Status = domain.OrderRefunding
	o.Lines[0].RefundState, o.Lines[0].RefundCaseID, o.Lines[0].Refunded = domain.AfterSaleApproved, "112233445566", 0
	c := fullRefund()
	body, err := erp.EnvelopeFor(store.Delivery{ID: "dlv_3f9c0a6d1b2e4f5a6b7c8d9f", Event: store.RefundCreated, Revision: 1795485731000, Order: o, Refund: &c})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err := s.Validate(v); err != nil {
		t.Fatalf("a refund envelope does not match the published schema:\n%v", err)
	}
	var m map[string]any
	_ = json.Unmarshal(body, &m)
	m["refund"].(map[string]any)["status"] = "REFUND_SUCCESS"
	b, _ := json.Marshal(m)
	v, _ = jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err := s.Validate(v); err == nil {
		t.Fatal("the schema accepted a refund with the platform's status word in status")
	}
}

// The schema is not vacuous: what it requires, a body without fails.
func TestTheSchemaRefusesWhatTheContractForbids(t *testing.T) {
	s := strictSchema(t)
	mutate := map[string]func(m map[string]any){
		"no revision":        func(m map[string]any) { delete(m, "revision") },
		"unknown event":      func(m map[string]any) { m["event"] = "order.deleted" },
		"money as yuan":      func(m map[string]any) { m["order"].(map[string]any)["amounts"].(map[string]any)["paid"] = "119.80" },
		"order id as number": func(m map[string]any) { m["order"].(map[string]any)["platform_order_id"] = 3504329923814120471 },
		"no lines":           func(m map[string]any) { m["order"].(map[string]any)["lines"] = []any{} },
		"unknown status":     func(m map[string]any) { m["order"].(map[string]any)["status"] = "WAIT_SELLER_SEND_GOODS" },
		"bad time":           func(m map[string]any) { m["order"].(map[string]any)["created_at"] = "2026-11-24 10:02:11" },
		"undocumented field": func(m map[string]any) { m["order"].(map[string]any)["buyer_phone"] = "13812345678" },
	}
	for name, f := range mutate {
		t.Run(name, func(t *testing.T) {
			b, _ := json.Marshal(schemaBody(t, fullOrder()))
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			f(m)
			b, _ = json.Marshal(m)
			v, _ := jsonschema.UnmarshalJSON(strings.NewReader(string(b)))
			if err := s.Validate(v); err == nil {
				t.Fatalf("the schema accepted a body with %s", name)
			}
		})
	}
}

// The README's field-by-field table names every field of the order model.
func TestREADMEDocumentsEveryOrderField(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "### The sales-order model, field by field")
	if !ok {
		t.Fatal("README.md has no sales-order model section")
	}
	table, _, _ = strings.Cut(table, "\n\n\n")
	var walk func(reflect.Type)
	seen := map[reflect.Type]bool{}
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Slice {
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || seen[ty] || ty.PkgPath() == "time" {
			return
		}
		seen[ty] = true
		for i := 0; i < ty.NumField(); i++ {
			f := ty.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" || name == "-" {
				continue
			}
			if !strings.Contains(table, "`"+name+"`") {
				t.Errorf("README's order model does not name %s.%s (`%s`)", ty.Name(), f.Name, name)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeOf(domain.SalesOrder{}))
	_, refunds, ok := strings.Cut(string(readme), "### Refund cases, field by field")
	if !ok {
		t.Fatal("README.md has no refund case section")
	}
	table, _, _ = strings.Cut(refunds, "\n\n\n")
	walk(reflect.TypeOf(domain.AfterSale{}))
}
