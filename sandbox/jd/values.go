package jd

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// china is JD's clock zone; the sandbox needs no tz database.
var china = time.FixedZone("GMT+8", 8*3600)

const jdTime = "2006-01-02 15:04:05"

func ymd(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(china).Format(jdTime)
}

// num is a long sent as a JSON number or a string ("123"), as JOS takes
// both; it never goes through float64.
type num int64

func (n *num) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	s := strings.Trim(string(b), `"`)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return &json.UnmarshalTypeError{Value: "value " + string(b), Type: reflect.TypeOf(int64(0))}
	}
	*n = num(v)
	return nil
}

// fen parses a 元 amount sent as a JSON number or string: plain decimal,
// at most two decimals, no sign or exponent. 59.9 and "59.90" are 5990.
func fen(raw json.RawMessage) (int64, error) {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || (dot && frac == "") {
		return 0, fmt.Errorf("%q is not 元 with at most 2 decimals", s)
	}
	for _, r := range whole + frac {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not 元 with at most 2 decimals", s)
		}
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e11 {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f, nil
}

// yuan writes 分 as JD writes 元 amounts in orders: "139.00".
func yuan(f int64) string { return fmt.Sprintf("%d.%02d", f/100, f%100) }

// yuanNumber writes 分 as a JSON number with two decimals (jdPrice).
func yuanNumber(f int64) json.Number { return json.Number(yuan(f)) }
