package config

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// A running worker's pricing follows the file: an edit is taken (and
// reported once to the watcher), an invalid edit keeps the last good
// policy in force.
func TestLiveRereadsAnEditedFileAndKeepsTheLastGoodOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "syncctl.yaml")
	write := func(adjust string) {
		t.Helper()
		body := "shops:\n  - channel: tmall\n    shop: flagship\n    gateway: http://127.0.0.1:8201/router/rest\n    credentials:\n      app_key: {value: \"1\"}\n      app_secret: {env: S}\n      session: {env: T}\n" +
			"pricing:\n  rules:\n    - shops: tmall/flagship\n      adjust: \"" + adjust + "\"\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("+10%")
	cfg, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLive(path, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	l.now = func() time.Time { return clock }
	adjust := func() string { return l.Pricing().Rules[0].Adjust.String() }
	if got := adjust(); got != "+10%" {
		t.Fatalf("adjust = %s", got)
	}
	var changes atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Watch(ctx, 10*time.Millisecond, func() { changes.Add(1) })

	write("-5%")
	future := time.Now().Add(time.Hour)
	_ = os.Chtimes(path, future, future) // a new version even within the file system's time resolution
	clock = clock.Add(2 * time.Second)
	if got := adjust(); got != "-5%" {
		t.Fatalf("after the edit adjust = %s, want -5%%", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for changes.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := changes.Load(); n != 1 {
		t.Fatalf("the watcher heard of %d changes, want 1 (the push took the version first)", n)
	}

	write("-5 percent")
	later := future.Add(time.Hour)
	_ = os.Chtimes(path, later, later)
	clock = clock.Add(2 * time.Second)
	if got := adjust(); got != "-5%" {
		t.Fatalf("after an invalid edit adjust = %s, want the last good -5%%", got)
	}
}
