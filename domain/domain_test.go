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
