package tmall_test

import (
	"testing"
	"time"
)

func duringBan(t *testing.T, e *env) int {
	t.Helper()
	n, ok := e.stats()["calls_during_ban"].(float64)
	if !ok {
		t.Fatalf("no calls_during_ban in %v", e.stats())
	}
	return int(n)
}

// A rate_limit fault bans the app like TOP: every call of the app_key, of
// any method, is refused with code 7 and the remaining seconds until the
// ban ends; the calls inside it are counted.
func TestThrottleBansTheAppUntilItEnds(t *testing.T) {
	e := newEnv(t, 0)
	e.fault(`{"kind":"rate_limit","method":"taobao.item.add","ban_seconds":3,"count":1}`)
	if c := errCode(e.call("taobao.item.add", nil)); c != "7/accesscontrol.limited-by-api-access-count" {
		t.Fatalf("the throttle = %s", c)
	}
	if n := duringBan(t, e); n != 0 {
		t.Fatalf("the throttle itself counted as %d calls during the ban", n)
	}
	for i, want := range []string{"This ban will last for 3 more seconds", "This ban will last for 2 more seconds", "This ban will last for 1 more seconds"} {
		out := e.call("taobao.item.seller.get", unknownItem) // another method, no fault on it
		if errCode(out) != "7/accesscontrol.limited-by-api-access-count" || subMsg(out) != want {
			t.Fatalf("call %ds into the ban = %s %q, want code 7 %q", i, errCode(out), subMsg(out), want)
		}
		e.clk.add(time.Second)
	}
	if n := duringBan(t, e); n != 3 {
		t.Fatalf("calls_during_ban = %d, want 3", n)
	}
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "15/isv.item-not-exist" {
		t.Fatalf("after the ban = %s", c)
	}
	if n := duringBan(t, e); n != 3 {
		t.Fatalf("a call after the ban counted: calls_during_ban = %d", n)
	}
}

// The QPS limit's refusal starts a ban too: a client that keeps calling
// stays refused until the announced second is over, even with tokens back.
func TestQPSRefusalStartsABan(t *testing.T) {
	e := newEnv(t, 2)
	e.call("taobao.item.seller.get", unknownItem)
	e.call("taobao.item.seller.get", unknownItem)
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "7/accesscontrol.limited-by-app-access-count" {
		t.Fatalf("third call in a second = %s", c)
	}
	e.clk.add(900 * time.Millisecond) // the bucket has a token again; the ban lasts 1 s
	out := e.call("taobao.item.seller.get", unknownItem)
	if errCode(out) != "7/accesscontrol.limited-by-app-access-count" || subMsg(out) != "This ban will last for 1 more seconds" {
		t.Fatalf("a call inside the ban = %s %q", errCode(out), subMsg(out))
	}
	if n := duringBan(t, e); n != 1 {
		t.Fatalf("calls_during_ban = %d, want 1", n)
	}
	e.clk.add(100 * time.Millisecond)
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "15/isv.item-not-exist" {
		t.Fatalf("after the ban = %s", c)
	}
	// A reset lifts a ban and zeroes the count.
	e.fault(`{"kind":"rate_limit","ban_seconds":30,"count":1}`)
	e.call("taobao.item.seller.get", unknownItem)
	e.call("taobao.item.seller.get", unknownItem)
	if n := duringBan(t, e); n != 2 {
		t.Fatalf("calls_during_ban = %d, want 2", n)
	}
	if status, out := postJSON(t, e.srv.URL+"/_sandbox/reset", `{}`); status != 200 {
		t.Fatalf("reset: %d %v", status, out)
	}
	e.clk.add(time.Second) // a token for the limiter
	if c := errCode(e.call("taobao.item.seller.get", unknownItem)); c != "15/isv.item-not-exist" {
		t.Fatalf("after a reset = %s: the ban outlived it", c)
	}
	if n := duringBan(t, e); n != 0 {
		t.Fatalf("calls_during_ban after a reset = %d", n)
	}
}
