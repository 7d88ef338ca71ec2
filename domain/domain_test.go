package domain_test

import (
	"math"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
)

func TestParseYuan(t *testing.T) {
	ok := map[string]domain.Money{"200.07": 20007, "12": 1200, "0.5": 50, "0.05": 5, ".5": 50, "-3.10": -310, "99999999.99": 9999999999}
	for in, want := range ok {
		if got, err := domain.ParseYuan(in); err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1.234", "abc", "1,00", "1.2.3", "¥5", "1e3", ".", "-"} {
		if got, err := domain.ParseYuan(in); err == nil {
			t.Errorf("ParseYuan(%q) = %d, want an error", in, got)
		}
	}
}

func TestMoneyYuanRoundTrip(t *testing.T) {
	for _, m := range []domain.Money{0, 1, 99, 100, 20007, -310} {
		back, err := domain.ParseYuan(m.Yuan())
		if err != nil || back != m {
			t.Errorf("%d → %q → %d, %v", m, m.Yuan(), back, err)
		}
	}
	if got := domain.Money(20007).Yuan(); got != "200.07" {
		t.Errorf("Yuan = %q", got)
	}
	if got := domain.Money(math.MinInt64).Yuan(); got != "-92233720368547758.08" {
		t.Errorf("Yuan(MinInt64) = %q", got)
	}
	if got := domain.Money(math.MaxInt64).Yuan(); got != "92233720368547758.07" {
		t.Errorf("Yuan(MaxInt64) = %q", got)
	}
}

func TestContentHashIgnoresPriceStockAndSKUOrder(t *testing.T) {
	p := domain.Product{Code: "A", Title: "T", SKUs: []domain.SKU{{Code: "A-1", ListPrice: 100, Stock: 1}, {Code: "A-2", ListPrice: 200}}}
	q := p
	q.SKUs = []domain.SKU{{Code: "A-2", ListPrice: 999, Stock: 5}, {Code: "A-1", ListPrice: 1}}
	if p.ContentHash() != q.ContentHash() {
		t.Error("price, stock or SKU order changed the content hash")
	}
	q.Title = "T2"
	if p.ContentHash() == q.ContentHash() {
		t.Error("a title change did not change the content hash")
	}
}

func TestErrorsAndMasking(t *testing.T) {
	err := &domain.Error{Code: domain.ERateLimited, Platform: "tmall", PlatformCode: "7", Message: "App Call Limited"}
	if domain.ErrorCode(err) != domain.ERateLimited || !domain.Retryable(domain.ErrorCode(err)) {
		t.Errorf("rate limited error code/retryable wrong: %v", err)
	}
	if !strings.Contains(err.Error(), "[7]") || domain.Retryable(domain.EInvalid) {
		t.Errorf("error text %q", err)
	}
	if got := domain.MaskPhone("13812345678"); got != "138****5678" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := domain.MaskName("张三丰"); got != "张**" {
		t.Errorf("MaskName = %q", got)
	}
	fe := domain.FieldError{Record: "row 12", Field: "list_price", Reason: "must be > 0"}
	if fe.Error() != "row 12, field list_price: must be > 0" {
		t.Errorf("FieldError = %q", fe.Error())
	}
}

func TestMoneyArithmeticNeverWraps(t *testing.T) {
	if s, ok := domain.Money(math.MaxInt64).Plus(1); ok || s != 0 {
		t.Fatalf("max + 1 = %d, %v", s, ok)
	}
	if s, ok := domain.Money(math.MinInt64).Plus(-1); ok || s != 0 {
		t.Fatalf("min - 1 = %d, %v", s, ok)
	}
	if s, ok := domain.Money(5990).Plus(10); !ok || s != 6000 {
		t.Fatalf("59.90 + 0.10 = %d, %v", s, ok)
	}
	if p, ok := domain.Money(math.MaxInt64 / 2).Times(3); ok || p != 0 {
		t.Fatalf("overflowing product = %d, %v", p, ok)
	}
	if p, ok := domain.Money(-1).Times(2); ok || p != 0 {
		t.Fatalf("negative amount = %d, %v", p, ok)
	}
	if p, ok := domain.Money(1990).Times(3); !ok || p != 5970 {
		t.Fatalf("19.90 × 3 = %d, %v", p, ok)
	}
}

func TestMasks(t *testing.T) {
	for in, want := range map[string]string{"文三路90号2单元": "文三路9***", "中山路": "***", "": ""} {
		if got := domain.MaskOnce(in, domain.MaskAddress); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
	if got := domain.MaskOnce("文三路****", domain.MaskAddress); got != "文三路****" {
		t.Errorf("masked twice: %q", got)
	}
	if !domain.Digits("3704612354559743232") || domain.Digits("") || domain.Digits("12a") {
		t.Error("Digits")
	}
}

func TestCarrierCode(t *testing.T) {
	table := map[string]string{"SF": "SF", "YUNDA": "YD"}
	s := domain.Shipment{PlatformOrderID: "3700001", Carrier: "YUNDA"}
	if got, err := domain.CarrierCode("wechat_shop", table, s); err != nil || got != "YD" {
		t.Fatalf("YUNDA: %q %v", got, err)
	}
	for carrier, want := range map[string]string{
		"ZTO": `has no code for carrier "ZTO"`, // ours, not the platform's
		"ZZ":  `unknown carrier "ZZ"`,
	} {
		s.Carrier = carrier
		_, err := domain.CarrierCode("wechat_shop", table, s)
		if domain.ErrorCode(err) != domain.EInvalid || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "order 3700001, field carrier") {
			t.Errorf("%s: %v", carrier, err)
		}
	}
}

func TestCommissionPolicyRate(t *testing.T) {
	c := domain.CommissionPolicy{Default: 2000,
		ByCategory: map[string]int{"食品": 1500, "食品/零食": 1200, "食": 100},
		ByProduct:  map[string]int{"GW-CK-001": 0}}
	for _, tc := range []struct {
		code, category string
		want           int
	}{
		{"FZ-TS-001", "服装/女装/T恤", 2000}, // default
		{"GW-NT-001", "食品/坚果", 1500},    // category prefix
		{"GW-DF-001", "食品/零食/豆干", 1200}, // the deepest prefix wins
		{"GW-CK-001", "食品/零食/饼干", 0},    // the product's own override, even 0 (out of the pool)
		{"SP-X-001", "食品饮料/水", 2000},    // "食品" is no path prefix of "食品饮料"
	} {
		if got := c.Rate(domain.Product{Code: tc.code, Category: tc.category}); got != tc.want {
			t.Errorf("%s (%s): %d, want %d", tc.code, tc.category, got, tc.want)
		}
	}
}

func TestParseAndFormatRate(t *testing.T) {
	ok := map[string]int{"20%": 2000, "12.5%": 1250, "0.25%": 25, "0%": 0, " 7 % ": 700, "2000bp": 2000, "15bp": 15}
	for in, want := range ok {
		if got, err := domain.ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"20", "0.125%", "-1%", "abc%", "1.5bp", "%", ".5.5%"} {
		if got, err := domain.ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) = %d, want an error", in, got)
		}
	}
	for bp, want := range map[int]string{2000: "20%", 1250: "12.5%", 25: "0.25%", 0: "0%", 1205: "12.05%"} {
		if got := domain.FormatRate(bp); got != want {
			t.Errorf("FormatRate(%d) = %q, want %q", bp, got, want)
		}
	}
	if err := (domain.CommissionPolicy{Default: 2000, ByCategory: map[string]int{"食品": 10001}}).Check(); err == nil || !strings.Contains(err.Error(), "categories.食品") {
		t.Errorf("Check: %v", err)
	}
}
