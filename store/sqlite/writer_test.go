package sqlite

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/syncctl/syncctl/domain"
)

// The writers of one process take turns (DB.writer): many at once all
// get through without SQLite ever answering busy, and one waiting for
// its turn stops waiting when its ctx ends.
func TestWritersOfOneProcessTakeTurns(t *testing.T) {
	ctx := context.Background()
	d, err := Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code := "P" + string(rune('A'+i%26)) + string(rune('a'+i/26))
			if ok, err := d.ClaimWrite(ctx, shop, code, "h", time.Minute); err != nil || !ok {
				errs <- errors.Join(err, errors.New("claim of "+code+" refused"))
				return
			}
			errs <- d.ReleaseWrite(ctx, shop, code, "h")
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	held := make(chan struct{})
	release := make(chan struct{})
	go func() {
		_ = d.write(ctx, func() error { close(held); <-release; return nil })
	}()
	<-held
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := d.ClaimWrite(short, shop, "P1", "h", time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a writer waiting its turn past its deadline: %v, want the deadline", err)
	}
	close(release)
	if ok, err := d.ClaimWrite(ctx, shop, "P1", "h", time.Minute); err != nil || !ok {
		t.Fatalf("after the other writer: %v, %v", ok, err)
	}
}
