package kit_test

import (
	"testing"
	"time"

	"github.com/syncctl/syncctl/sandbox/kit"
)

func TestBansExtendNeverShortenAndEnd(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	b := kit.NewBans(func() time.Time { return now })
	if _, _, banned := b.Check("app"); banned {
		t.Fatal("banned before any throttle")
	}
	b.Start("app", 3*time.Second, "accesscontrol.limited-by-api-access-count")
	b.Start("app", time.Second, "accesscontrol.limited-by-app-access-count") // shorter: kept as it was
	left, reason, banned := b.Check("app")
	if !banned || left != 3*time.Second || reason != "accesscontrol.limited-by-api-access-count" {
		t.Fatalf("after 3s and 1s bans: %v %s %v", left, reason, banned)
	}
	if _, _, other := b.Check("other-app"); other {
		t.Fatal("another app is banned")
	}
	now = now.Add(2500 * time.Millisecond)
	if left, _, _ := b.Check("app"); kit.Seconds(left) != 1 {
		t.Fatalf("0.5s left announces %d seconds, want 1", kit.Seconds(left))
	}
	b.Start("app", 5*time.Second, "accesscontrol.limited-by-app-access-count") // longer: extends
	if left, reason, _ := b.Check("app"); left != 5*time.Second || reason != "accesscontrol.limited-by-app-access-count" {
		t.Fatalf("after a longer ban: %v %s", left, reason)
	}
	now = now.Add(5 * time.Second)
	if _, _, banned := b.Check("app"); banned {
		t.Fatal("still banned at its end")
	}
	b.Start("app", time.Minute, "x")
	b.Clear()
	if _, _, banned := b.Check("app"); banned {
		t.Fatal("banned after Clear")
	}
	for d, want := range map[time.Duration]int{0: 1, 100 * time.Millisecond: 1, time.Second: 1, 1001 * time.Millisecond: 2, 3 * time.Second: 3} {
		if got := kit.Seconds(d); got != want {
			t.Errorf("Seconds(%s) = %d, want %d", d, got, want)
		}
	}
}

func TestStatsCountCallsDuringBan(t *testing.T) {
	s := kit.NewStats()
	s.DuringBan()
	s.Reject("7")
	if v := s.View(); v.CallsDuringBan != 1 || v.Rejected["7"] != 1 || v.Total != 1 {
		t.Fatalf("view = %+v", v)
	}
	s.Reset()
	if v := s.View(); v.CallsDuringBan != 0 {
		t.Fatalf("after reset: %+v", v)
	}
}
