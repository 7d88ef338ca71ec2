package domain

import (
	"fmt"
	"strconv"
	"strings"
)

// CommissionPolicy is the commission a shop's products carry in its
// promotion pool (Kuaishou 分销, Douyin 精选联盟, WeChat 优选联盟), in basis
// points: 2000 = 20 %. A product's rate is its own override, else the
// override of its deepest master category, else the default. Connectors
// convert basis points into their platform's unit and refuse a rate the
// platform cannot express rather than round it.
type CommissionPolicy struct {
	Default    int            `json:"default_bp"`
	ByCategory map[string]int `json:"by_category_bp,omitempty"` // master category path or a prefix of it: "食品" covers "食品/零食"
	ByProduct  map[string]int `json:"by_product_bp,omitempty"`  // master SPU code
}

// Rate is the commission of one product (0: it stays out of the pool).
func (c CommissionPolicy) Rate(p Product) int {
	if bp, ok := c.ByProduct[p.Code]; ok {
		return bp
	}
	best, rate := -1, c.Default
	for prefix, bp := range c.ByCategory {
		if (p.Category == prefix || strings.HasPrefix(p.Category, prefix+"/")) && len(prefix) > best {
			best, rate = len(prefix), bp
		}
	}
	return rate
}

// Check validates every rate, naming the field.
func (c CommissionPolicy) Check() error {
	if err := checkBP("default", c.Default); err != nil {
		return err
	}
	for k, v := range c.ByCategory {
		if err := checkBP("categories."+k, v); err != nil {
			return err
		}
	}
	for k, v := range c.ByProduct {
		if err := checkBP("products."+k, v); err != nil {
			return err
		}
	}
	return nil
}

func checkBP(field string, bp int) error {
	if bp < 0 || bp > 10000 {
		return fmt.Errorf("%s: %s is not a commission from 0 to 100%%", field, FormatRate(bp))
	}
	return nil
}

// ParseRate reads a commission as people write it: "20%", "12.5%",
// "0.25%" or basis points "2000bp". Precision finer than a basis point is
// refused, not rounded.
func ParseRate(s string) (int, error) {
	s = strings.TrimSpace(s)
	if v, ok := strings.CutSuffix(s, "bp"); ok {
		bp, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || bp < 0 {
			return 0, fmt.Errorf("%q is not a whole number of basis points", s)
		}
		return bp, nil
	}
	v, ok := strings.CutSuffix(s, "%")
	if !ok {
		return 0, fmt.Errorf("%q: write the commission as a percentage (\"20%%\", \"12.5%%\") or in basis points (\"2000bp\")", s)
	}
	whole, frac, _ := strings.Cut(strings.TrimSpace(v), ".")
	if len(frac) > 2 {
		return 0, fmt.Errorf("%q is finer than a basis point (0.01%%)", s)
	}
	frac += strings.Repeat("0", 2-len(frac))
	w, err1 := strconv.Atoi(whole)
	f, err2 := strconv.Atoi(frac)
	if whole == "" || err1 != nil || err2 != nil || w < 0 || strings.HasPrefix(frac, "-") {
		return 0, fmt.Errorf("%q is not a percentage", s)
	}
	return w*100 + f, nil
}

// FormatRate writes basis points as a percentage: 2000 → "20%", 1250 → "12.5%".
func FormatRate(bp int) string {
	s := strconv.Itoa(bp / 100)
	if r := bp % 100; r != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%02d", r), "0")
	}
	return s + "%"
}
