package integration_test

import (
	"flag"
	"strconv"
	"testing"
)

// TestChaos runs the whole system as separate hosts under faults, one
// scenario per subtest, each on its own Docker network with its own
// PostgreSQL, Temporal, two workers, sandboxes and ERP receiver, and ends
// each by checking every listing and every order against the sandboxes and
// the ERP receiver. The table of what they checked is printed at the end
// of the run (and kept in the README's reliability section).
//
//	go test ./integration_test/ -run TestChaos -count=1 -v -timeout 30m
//	go test ./integration_test/ -run TestChaos/dark -count=1 -v
//
// The scenarios run side by side (SYNCCTL_CHAOS_PARALLEL of them, default
// 3: most of their time is spent waiting on a fault), longest first;
// SYNCCTL_CHAOS_SERIAL=1 runs them one by one.
func TestChaos(t *testing.T) {
	for _, sc := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"worker-killed", chaosWorkerKilled},
		{"temporal-restart", chaosTemporalRestart},
		{"platform-dark", chaosPlatformDark},
		{"erp-down", chaosERPDown},
		{"throttle-storm", chaosThrottleStorm},
		{"stock-and-orders", chaosStockAndOrders},
		{"worker-cut-off", chaosWorkerCutOff},
	} {
		t.Run(sc.name, sc.run)
	}
}

// setChaosParallel lets the scenarios run SYNCCTL_CHAOS_PARALLEL at a time
// unless -parallel was given (its default, GOMAXPROCS, is 2 here: the
// scenarios mostly wait). TestMain calls it after parsing the flags.
func setChaosParallel() {
	given := false
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "test.parallel" {
			given = true
		}
	})
	if !given {
		_ = flag.Set("test.parallel", strconv.Itoa(envInt("SYNCCTL_CHAOS_PARALLEL", 3)))
	}
}
