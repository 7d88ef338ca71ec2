package stack_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/syncctl/syncctl/catalog/sample"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/stack"
	"github.com/syncctl/syncctl/store/storetest"
)

// freePort is a loopback port nothing listens on right now.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// The built-in ERP receiver keeps its secret, its port and what it applied
// in the state dir: after a restart a redelivery is acknowledged as a
// duplicate, not applied a second time.
func TestBuiltInERPRemembersDeliveriesAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	ctx := context.Background()
	s := start(t, stack.Options{StateDir: dir, ERPPort: port, Platforms: agnostic})
	o := storetest.Order("3000000000000000001", domain.OrderPaid)
	ch, err := s.Store.UpsertOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Worker.Activities.DeliverToERP(ctx, ch.DeliveryID); err != nil {
		t.Fatal(err)
	}
	url := s.ERPURL
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, stack.ERPReceiverStateFile)
	if fi, err := os.Stat(state); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("receiver state %s: %v %v", state, err, fi)
	}

	s2 := start(t, stack.Options{StateDir: dir, ERPPort: port, Platforms: agnostic})
	if s2.ERPURL != url {
		t.Fatalf("the ERP receiver moved from %s to %s", url, s2.ERPURL)
	}
	if n, err := s2.Store.RequeueDeliveries(ctx, o.Shop, o.PlatformOrderID); err != nil || n != 1 {
		t.Fatalf("requeue: %d %v", n, err)
	}
	// The restarted stack signs with the kept secret; the receiver knows the id.
	if _, err := s2.Worker.Activities.DeliverToERP(ctx, ch.DeliveryID); err != nil {
		t.Fatal(err)
	}
	if st := s2.Receiver.Stats(); st.Accepted != 1 || st.Duplicates != 1 || st.BadSignature != 0 {
		t.Fatalf("receiver after the restart = %+v, want 1 applied, the redelivery a duplicate", st)
	}
}

// A taken port does not stop the stack: the receiver takes another one.
func TestBuiltInERPTakesAnotherPortWhenItsIsTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	s := start(t, stack.Options{ERPPort: port, Platforms: agnostic})
	if s.ERPURL == "" || strings.Contains(s.ERPURL, ln.Addr().String()) {
		t.Fatalf("ERP URL %q", s.ERPURL)
	}
}

// A demo the ERP never answers ends with one line per shop saying how many
// deliveries wait and the ERP's last answer, not only "deadline exceeded".
func TestDemoWithAnUnreachableERPSaysWhatWaits(t *testing.T) {
	// Port 1 (tcpmux) has no listener here: a port picked free and closed
	// again could be taken by a parallel test's server meanwhile.
	refused := "http://127.0.0.1:1/hook"
	s := start(t, stack.Options{ERPURL: refused, ERPSecret: []byte("whsec_x"), Platforms: agnostic})
	// The timeout leaves a loaded machine (CI runs the chaos suite beside
	// this) time to push and pull before the deliveries wait it out.
	sum, err := stack.RunDemo(context.Background(), s, stack.DemoOptions{Catalog: sample.JSON(), Orders: 2, Close: 0, Timeout: 45 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "timed out") {
		t.Fatalf("err = %v", err)
	}
	want := s.Sandboxes[0].Shop.String() + ": 2 deliveries waiting: ERP unreachable: dial tcp 127.0.0.1:"
	found := false
	for _, f := range sum.Failures {
		if strings.HasPrefix(f, want) && strings.HasSuffix(f, ": connection refused") {
			found = true
		}
	}
	if !found || sum.Pending != 2*len(s.Sandboxes) || sum.OrdersPulled != 2*len(s.Sandboxes) {
		t.Fatalf("failures %q, pending %d, pulled %d; want %q… connection refused, every order pulled and waiting", sum.Failures, sum.Pending, sum.OrdersPulled, want)
	}
}
