// Package pricing holds the pure part of channel pricing and channel
// protection: the price a shop shows for a SKU (rule, rounding, fixed
// prices, promotions), the guards a price write passes (floor, parity,
// change size) and the stock each shop is offered (shares, caps, safety
// stock, reservations). No I/O, no clock read: every function takes the
// time it evaluates at, so a workflow can call it deterministically.
//
// Money is integer fen throughout. Percentages are basis points (1000 =
// 10 %, 1250 = 12.5 %): "up to 2 decimals" of a percent is exactly a basis
// point, so nothing is ever a float. How each result rounds to the fen is
// fixed and documented where it happens:
//   - a price moved by a percentage rounds half up to the fen (59.90 +10 %
//     = 65.89; 65.89 −20 % = 52.712 → 52.71; 0.05 +10 % = 0.055 → 0.06);
//   - a bound a price must stay above (floor, lower parity edge, biggest
//     step down) rounds up, a bound it must stay below rounds down, so a
//     comparison with the bound is exactly the comparison with the
//     unrounded value.
package pricing

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/syncctl/syncctl/domain"
)

// Adjustment moves a price by a signed percentage or by a signed amount,
// never both. The zero Adjustment leaves a price as it is.
type Adjustment struct {
	BP     int          // basis points: +1000 = +10 %, -550 = −5.5 %
	Amount domain.Money // fen: +300 = +3.00 yuan, -300 = −3.00 yuan
}

// Apply moves m. A percentage rounds half up to the fen. The result may be
// zero or negative (a markdown bigger than the price): callers treat a
// price ≤ 0 as no price, and the floor guard blocks it.
func (a Adjustment) Apply(m domain.Money) domain.Money {
	if a.BP != 0 {
		return scale(m, 10000+int64(a.BP), halfUp)
	}
	if s, ok := m.Plus(a.Amount); ok {
		return s
	}
	if a.Amount > 0 {
		return math.MaxInt64
	}
	return math.MinInt64
}

// IsZero reports an adjustment that changes nothing.
func (a Adjustment) IsZero() bool { return a.BP == 0 && a.Amount == 0 }

// String writes the adjustment as the configuration does: "+10%",
// "-5.5%", "+3.00", "-3.00".
func (a Adjustment) String() string {
	if a.Amount != 0 {
		if a.Amount > 0 {
			return "+" + a.Amount.Yuan()
		}
		return a.Amount.Yuan()
	}
	return FormatPercent(a.BP)
}

// FormatPercent writes signed basis points: 1000 → "+10%", -550 → "-5.5%", 0 → "0%".
func FormatPercent(bp int) string {
	switch {
	case bp > 0:
		return "+" + domain.FormatRate(bp)
	case bp < 0:
		return "-" + domain.FormatRate(-bp)
	}
	return "0%"
}

// ParsePercent reads a signed percentage with at most two decimals ("10%",
// "+12.5%", "-5%", "-0.25%") or signed basis points ("-500bp") into basis
// points. A finer precision is refused, not rounded.
func ParsePercent(s string) (int, error) {
	sign, rest := cutSign(s)
	if !strings.HasSuffix(rest, "%") && !strings.HasSuffix(rest, "bp") {
		return 0, fmt.Errorf("%q is not a percentage (write \"10%%\", \"-5.5%%\")", s)
	}
	bp, err := domain.ParseRate(rest)
	if err != nil {
		return 0, fmt.Errorf("%q is not a percentage with at most 2 decimals", s)
	}
	if bp > 1000000 {
		return 0, fmt.Errorf("%q is beyond 10000%%", s)
	}
	return sign * bp, nil
}

// ParseAdjustment reads a percentage ("+10%", "-5.5%") or, without a
// percent sign, an amount in yuan ("+3.00", "-3", "3.5"). A bare number is
// yuan, never a percentage: "10" is ten yuan.
func ParseAdjustment(s string) (Adjustment, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return Adjustment{}, fmt.Errorf("empty")
	}
	if strings.HasSuffix(t, "%") || strings.HasSuffix(t, "bp") {
		bp, err := ParsePercent(t)
		return Adjustment{BP: bp}, err
	}
	sign, rest := cutSign(t)
	m, err := domain.ParseYuan(rest)
	if err != nil || strings.HasPrefix(rest, "-") || strings.HasPrefix(rest, "+") {
		return Adjustment{}, fmt.Errorf("%q is neither a percentage (\"10%%\") nor an amount in yuan (\"3.00\")", s)
	}
	return Adjustment{Amount: domain.Money(sign) * m}, nil
}

// ParseAmount reads a positive amount in yuan ("59.90", "45").
func ParseAmount(s string) (domain.Money, error) {
	m, err := domain.ParseYuan(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not an amount in yuan (\"59.90\")", s)
	}
	if m <= 0 {
		return 0, fmt.Errorf("%q: must be more than 0", s)
	}
	return m, nil
}

// cutSign splits a leading "+", "-" or "−" (U+2212, as documents print it).
func cutSign(s string) (int, string) {
	s = strings.TrimSpace(s)
	for _, p := range []string{"+", "-", "−"} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			if p == "+" {
				return 1, strings.TrimSpace(rest)
			}
			return -1, strings.TrimSpace(rest)
		}
	}
	return 1, s
}

type rounding int

const (
	halfUp rounding = iota
	down
	up
)

// scale is m × factor / 10000 (factor in basis points: 11000 = ×1.10),
// exact in 128 bits and rounded as asked. A non-positive m or factor is 0;
// a result beyond int64 saturates (a guard stops such a price anyway).
func scale(m domain.Money, factor int64, r rounding) domain.Money {
	if m <= 0 || factor <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(m), uint64(factor))
	var add uint64
	switch r {
	case halfUp:
		add = 5000
	case up:
		add = 9999
	}
	var carry uint64
	lo, carry = bits.Add64(lo, add, 0)
	hi += carry
	if hi >= 10000 {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, 10000)
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return domain.Money(q)
}
