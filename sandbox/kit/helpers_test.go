package kit_test

import (
	"strings"
	"testing"

	"github.com/syncctl/syncctl/sandbox/kit"
)

type rec struct{ ID int }

func TestIndexAndSortedValues(t *testing.T) {
	p := kit.NewStateFile("/x/state.json", "x sandbox", 1, nil)
	key := func(r *rec) (int, bool) { return r.ID, r.ID > 0 }
	m := map[int]*rec{}
	if err := kit.Index(p, []*rec{{ID: 3}, {ID: 1}}, m, key, "rec %d has no id"); err != nil || len(m) != 2 {
		t.Fatalf("%v %v", m, err)
	}
	if got := kit.SortedValues(m); len(got) != 2 || got[0].ID != 1 || got[1].ID != 3 {
		t.Fatalf("sorted %v", got)
	}
	if got := kit.SortedValues(map[int]*rec{}); got == nil {
		t.Fatal("SortedValues of an empty map is nil: a state file would write null")
	}
	for _, list := range [][]*rec{{{ID: 1}, nil}, {{ID: 1}, {ID: 0}}} {
		err := kit.Index(p, list, map[int]*rec{}, key, "rec %d has no id")
		if err == nil || !strings.Contains(err.Error(), "x sandbox: state file /x/state.json: rec 2 has no id") {
			t.Errorf("%v", err)
		}
	}
}
