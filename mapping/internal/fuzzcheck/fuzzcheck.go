// Package fuzzcheck holds what every mapping package's fuzz targets check:
// the seed variants a realistic payload yields and the properties of a
// mapped order or after-sales case. Only tests import it.
package fuzzcheck

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/syncctl/syncctl/domain"
)

var (
	quotedNumber = regexp.MustCompile(`"(-?[0-9]+(\.[0-9]+)?)"`)
	bareNumber   = regexp.MustCompile(`:\s*(-?[0-9]+(\.[0-9]+)?)`)
	stringValue  = regexp.MustCompile(`:\s*"[^"]*"`)
	anyScalar    = regexp.MustCompile(`:\s*("[^"]*"|-?[0-9]+(\.[0-9]+)?|true|false)`)
	firstDigit   = regexp.MustCompile(`:\s*([0-9])`)
)

// Variants are the seed and what a broken platform could send instead:
// the payload cut short, and with its values swapped for another JSON
// type (quoted numbers bare, numbers quoted, numbers true, strings
// arrays, numbers negative, every scalar null).
func Variants(seed string) []string {
	return []string{
		seed,
		seed[:len(seed)/2],
		seed[:max(len(seed)-1, 0)],
		quotedNumber.ReplaceAllString(seed, "$1"),
		bareNumber.ReplaceAllString(seed, `:"$1"`),
		bareNumber.ReplaceAllString(seed, `:true`),
		stringValue.ReplaceAllString(seed, `:[]`),
		firstDigit.ReplaceAllString(seed, `:-$1`),
		anyScalar.ReplaceAllString(seed, `:null`),
	}
}

// Named checks that err is an EInvalid *domain.Error whose message names
// a record and a field: "<record>, field <field>: <reason>", the record
// being noun alone or noun and an id ("order", "order 123", "order (no
// tid)"; the id as the platform sent it, whatever it is, but not empty).
func Named(t testing.TB, err error, noun string) {
	t.Helper()
	var e *domain.Error
	if !errors.As(err, &e) || e.Code != domain.EInvalid {
		t.Fatalf("error is not EInvalid: %#v", err)
	}
	rec, rest, ok := strings.Cut(e.Message, ", field ")
	field, reason, _ := strings.Cut(rest, ": ")
	named := rec == noun || strings.HasPrefix(rec, noun+" ") && len(rec) > len(noun)+1
	if !ok || !named || field == "" || reason == "" {
		t.Fatalf("error does not name the record and the field: %q", e.Message)
	}
}

// Order checks one mapping of a payload: map is called twice and must
// give the same answer. An error names the order and the field; an order
// has ids, lines with a positive quantity and a known refund state (a case
// id or refunded money only with a refund), no negative money or rate, and
// content that marshals (Version digests it: a time JSON cannot carry
// would give every such order the same version).
func Order(t testing.TB, mapIt func() (domain.SalesOrder, error)) {
	t.Helper()
	o, err := mapIt()
	again, err2 := mapIt()
	if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() {
		t.Fatalf("mapping twice differs: %v / %v", err, err2)
	}
	if err != nil {
		Named(t, err, "order")
		return
	}
	if !reflect.DeepEqual(o, again) || o.Version() != again.Version() {
		t.Fatalf("mapping twice differs:\n%+v\n%+v", o, again)
	}
	if _, err := json.Marshal(o); err != nil {
		t.Fatalf("accepted an order that does not marshal (Version is blind to it): %v", err)
	}
	a := o.Amounts
	switch {
	case o.PlatformOrderID == "" || o.Currency != "CNY":
		t.Fatalf("accepted an order without id or currency: %+v", o)
	case o.CreatedAt.IsZero() || o.ModifiedAt.IsZero():
		t.Fatalf("order %s: no created or modified time", o.PlatformOrderID)
	case a.Goods < 0 || a.Discount < 0 || a.Freight < 0 || a.Paid < 0:
		t.Fatalf("order %s: negative amounts %+v", o.PlatformOrderID, a)
	case len(o.Lines) == 0:
		t.Fatalf("order %s: accepted without lines", o.PlatformOrderID)
	}
	cps(t, o.PlatformOrderID, o.CPS)
	for i, l := range o.Lines {
		if l.PlatformLineID == "" || l.Quantity <= 0 || l.UnitPrice < 0 || l.Paid < 0 {
			t.Fatalf("order %s: line %d %+v", o.PlatformOrderID, i, l)
		}
		if !refundStates[l.RefundState] || l.Refunded < 0 || l.RefundState == "" && (l.RefundCaseID != "" || l.Refunded != 0) {
			t.Fatalf("order %s: line %d refund state %q case %q refunded %d", o.PlatformOrderID, i, l.RefundState, l.RefundCaseID, l.Refunded)
		}
		cps(t, o.PlatformOrderID, l.CPS)
	}
}

// refundStates are the states a line's refund may be in ("": none).
var refundStates = map[domain.AfterSaleStatus]bool{"": true, domain.AfterSaleRequested: true, domain.AfterSaleApproved: true,
	domain.AfterSaleRejected: true, domain.AfterSaleRefunded: true, domain.AfterSaleCancelled: true, domain.AfterSaleUnknown: true}

func cps(t testing.TB, id string, c *domain.CPSInfo) {
	t.Helper()
	if c != nil && (c.Commission < 0 || c.Estimated < 0 || c.CommissionRate < 0) {
		t.Fatalf("order %s: negative commission %+v", id, *c)
	}
}

// AfterSale checks one mapping of an after-sales case as Order does an
// order.
func AfterSale(t testing.TB, mapIt func() (domain.AfterSale, error)) {
	t.Helper()
	a, err := mapIt()
	again, err2 := mapIt()
	if (err == nil) != (err2 == nil) || err != nil && err.Error() != err2.Error() || !reflect.DeepEqual(a, again) {
		t.Fatalf("mapping twice differs: %v / %v", err, err2)
	}
	if err != nil {
		Named(t, err, "after-sale case")
		return
	}
	if _, err := json.Marshal(a); err != nil {
		t.Fatalf("accepted a case that does not marshal: %v", err)
	}
	if a.PlatformCaseID == "" || a.PlatformOrderID == "" || a.RefundAmount < 0 || a.CreatedAt.IsZero() || a.ModifiedAt.IsZero() {
		t.Fatalf("accepted case %+v", a)
	}
	for _, l := range a.Lines {
		if l.PlatformLineID == "" || l.Quantity <= 0 || l.RefundAmount < 0 {
			t.Fatalf("case %s: line %+v", a.PlatformCaseID, l)
		}
	}
}
