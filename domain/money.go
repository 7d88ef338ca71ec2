// Package domain holds syncctl's business types: the master catalog, channel
// listings, sales orders and the coded errors every edge translates.
// It imports nothing from the rest of the project.
package domain

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in fen (1/100 yuan). Every price and amount in syncctl
// is integer fen; platforms that speak yuan strings convert at the edge.
type Money int64

// Yuan formats m as a yuan string with exactly two decimals ("200.07").
func (m Money) Yuan() string {
	sign := ""
	u := uint64(m)
	if m < 0 {
		sign, u = "-", uint64(-(m+1))+1 // -MinInt64 overflows int64, not uint64
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

// String implements fmt.Stringer as "¥200.07".
func (m Money) String() string { return "¥" + m.Yuan() }

// Plus is m + n; ok is false when the sum would overflow (a platform
// amount must never wrap).
func (m Money) Plus(n Money) (sum Money, ok bool) {
	if (n > 0 && m > math.MaxInt64-n) || (n < 0 && m < math.MinInt64-n) {
		return 0, false
	}
	return m + n, true
}

// Times is m × n for a non-negative amount and count; ok is false when it
// would overflow or either is negative.
func (m Money) Times(n int) (product Money, ok bool) {
	if m < 0 || n < 0 {
		return 0, false
	}
	if n != 0 && int64(m) > math.MaxInt64/int64(n) {
		return 0, false
	}
	return m * Money(n), true
}

// ParseYuan parses a decimal yuan string ("200.07", "12", "0.5") into fen
// without going through float64. More than two decimals is an error, not a
// silent rounding.
func ParseYuan(s string) (Money, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty amount")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		s = s[1:]
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && (!hasDot || frac == "") {
		return 0, fmt.Errorf("amount %q is not a number", s)
	}
	if len(frac) > 2 {
		return 0, fmt.Errorf("amount %q has more than 2 decimals", s)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("amount %q is not a number", s)
		}
	}
	var w int64
	if whole != "" {
		var err error
		w, err = strconv.ParseInt(whole, 10, 64)
		if err != nil || w > 1e13 {
			return 0, fmt.Errorf("amount %q is out of range", s)
		}
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	v := w*100 + f
	if neg {
		v = -v
	}
	return Money(v), nil
}
