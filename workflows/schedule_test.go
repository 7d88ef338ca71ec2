package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/mapping/pricing"
	"github.com/syncctl/syncctl/workflows"
)

// A promotion switches on and off at its times by itself: the schedule
// sleeps on a durable timer until the promotion starts, pushes, sleeps
// until it ends, pushes again, and ends when nothing is left to switch.
// A configuration change on the way (the signal) pushes at once. Virtual
// time: the ten days pass at once, and every push starts at its instant.
func TestPriceScheduleSwitchesPromotionsAtTheirTimes(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	shop := domain.ShopRef{Channel: "tmall", Shop: "flagship"}
	t0 := env.Now()
	rule := pricing.Rule{Promotions: []pricing.Promotion{{Name: "双11", Start: t0.Add(10 * 24 * time.Hour), End: t0.Add(12 * 24 * time.Hour),
		Off: pricing.Adjustment{BP: 2000}}}}
	var acts *workflows.Activities
	env.OnActivity(acts.NextPriceChangeOf, mock.Anything, shop).Return(func(context.Context, domain.ShopRef) (workflows.NextPriceChange, error) {
		at, ok := rule.NextChange(env.Now())
		return workflows.NextPriceChange{At: at, Ok: ok}, nil
	})
	var pushes []time.Duration
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in workflows.CatalogPushInput) (*workflows.PushProgress, error) {
		if !in.All || in.Shop != shop {
			t.Errorf("push input = %+v, want every product of %s", in, shop)
		}
		pushes = append(pushes, workflow.Now(ctx).Sub(t0))
		return &workflows.PushProgress{Shop: shop}, nil
	}, workflow.RegisterOptions{Name: workflows.CatalogPushWorkflowName})
	// An edited configuration on the third day.
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(workflows.SignalReprice, nil) }, 3*24*time.Hour)

	env.ExecuteWorkflow(workflows.PriceSchedule, workflows.PriceScheduleInput{Shop: shop})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st workflows.PriceScheduleState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	want := []time.Duration{3 * 24 * time.Hour, 10 * 24 * time.Hour, 12 * 24 * time.Hour}
	if len(pushes) != len(want) || st.Pushes != len(want) {
		t.Fatalf("pushes at %v (state %+v), want at %v", pushes, st, want)
	}
	for i := range want {
		if pushes[i] != want[i] {
			t.Fatalf("push %d at %v, want %v", i, pushes[i], want[i])
		}
	}
}
