package tmall

import (
	"fmt"
	"sync"
	"testing"
)

// A worker pushing a million SKUs keeps at most maxRememberedItems items
// (it kept every one: 605 MiB after 1 000 000 SKUs), and the one it just
// read is among them.
func TestRememberedItemsAreBounded(t *testing.T) {
	c := &Channel{items: map[string]*itemInfo{}, itemLocks: map[string]*itemLock{}}
	for i := range maxRememberedItems + 500 {
		id := fmt.Sprint(1000 + i)
		c.remember(id, &itemInfo{skus: map[string]*skuInfo{}})
		if c.items[id] == nil {
			t.Fatalf("item %s was forgotten as it was remembered", id)
		}
	}
	if len(c.items) != maxRememberedItems {
		t.Fatalf("%d items remembered, want at most %d", len(c.items), maxRememberedItems)
	}
	// Reading a known item again replaces it and forgets nothing.
	for id := range c.items {
		c.remember(id, &itemInfo{})
		break
	}
	if len(c.items) != maxRememberedItems {
		t.Fatalf("%d items after a known one was read again", len(c.items))
	}
}

// The price updates of one item wait for each other, and the item's lock
// is gone once the last is done (it stayed for every item priced).
func TestItemLocksSerializeAndAreDropped(t *testing.T) {
	c := &Channel{items: map[string]*itemInfo{}, itemLocks: map[string]*itemLock{}}
	var wg sync.WaitGroup
	var mu sync.Mutex
	inside, most := 0, 0
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock := c.lockItem(fmt.Sprint(i % 2))
			mu.Lock()
			inside++
			most = max(most, inside)
			mu.Unlock()
			mu.Lock()
			inside--
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if most > 2 {
		t.Fatalf("%d updates inside at once for two items", most)
	}
	if len(c.itemLocks) != 0 {
		t.Fatalf("%d item locks left after every update ended", len(c.itemLocks))
	}
}
