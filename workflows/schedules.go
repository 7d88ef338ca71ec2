package workflows

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/syncctl/syncctl/domain"
)

// Order pulls can run as Temporal Schedules instead of the long-running
// OrderPull: every Every, the schedule starts a one-shot OrderPull of the
// shop (pull until caught up, hand the versions to the ERP, finish). A
// pull still running when the next is due makes the schedule skip it;
// pausing, resuming and deleting are the schedule's own, visible in the
// Web UI's Schedules page.

// OrderPullScheduleID is the id of a shop's order-pull schedule:
// "order-pull-schedule/tmall/flagship".
func OrderPullScheduleID(shop domain.ShopRef) string { return "order-pull-schedule/" + shop.String() }

// PullSchedule is what `syncctl schedules list` shows of one schedule.
type PullSchedule struct {
	Shop       domain.ShopRef `json:"shop"`
	ID         string         `json:"id"`
	Every      time.Duration  `json:"every"`
	Paused     bool           `json:"paused"`
	Note       string         `json:"note,omitempty"`
	Runs       int            `json:"runs"`                // pulls it started
	Skipped    int            `json:"skipped"`             // pulls skipped: the previous one still ran
	LastRun    time.Time      `json:"last_run,omitzero"`   // when it started the last
	LastPullID string         `json:"last_pull,omitempty"` // that pull's workflow id
	Next       time.Time      `json:"next,omitzero"`
}

// ScheduleOrderPulls creates the shop's schedule, or sets the interval and
// policy of the one there is, on the shop's queue under base.
func ScheduleOrderPulls(ctx context.Context, c client.Client, base string, shop domain.ShopRef, every time.Duration, policy domain.PullPolicy) error {
	if every < time.Second {
		return domain.Errorf(domain.EInvalid, "schedule of %s, field every: at least 1s, not %s", shop, every)
	}
	action := &client.ScheduleWorkflowAction{
		ID: KindOrderPull + "-scheduled/" + shop.String(), Workflow: OrderPullWorkflowName, TaskQueue: ShopQueue(base, shop),
		Args: []any{OrderPullInput{Shop: shop, Once: true, PullPolicy: policy}},
	}
	return upsertSchedule(ctx, c, OrderPullScheduleID(shop), every, action, "syncctl schedules create")
}

// upsertSchedule creates a schedule running action every interval
// (skipping a run while the previous one goes), or sets the interval and
// action of the one with that id.
func upsertSchedule(ctx context.Context, c client.Client, id string, every time.Duration, action *client.ScheduleWorkflowAction, note string) error {
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{ID: id, Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, Note: note})
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return err
	}
	return c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &spec, action
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
}

// DescribePullSchedule describes the shop's schedule; ok is false when the
// shop has none.
func DescribePullSchedule(ctx context.Context, c client.Client, shop domain.ShopRef) (PullSchedule, bool, error) {
	d, err := c.ScheduleClient().GetHandle(ctx, OrderPullScheduleID(shop)).Describe(ctx)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return PullSchedule{}, false, nil
	}
	if err != nil {
		return PullSchedule{}, false, err
	}
	out := PullSchedule{Shop: shop, ID: OrderPullScheduleID(shop), Runs: d.Info.NumActions, Skipped: d.Info.NumActionsSkippedOverlap}
	if sp := d.Schedule.Spec; sp != nil && len(sp.Intervals) > 0 {
		out.Every = sp.Intervals[0].Every
	}
	if st := d.Schedule.State; st != nil {
		out.Paused, out.Note = st.Paused, st.Note
	}
	if n := len(d.Info.RecentActions); n > 0 {
		last := d.Info.RecentActions[n-1]
		out.LastRun = last.ActualTime
		if last.StartWorkflowResult != nil {
			out.LastPullID = last.StartWorkflowResult.WorkflowID
		}
	}
	if len(d.Info.NextActionTimes) > 0 {
		out.Next = d.Info.NextActionTimes[0]
	}
	return out, true, nil
}

// PausePullSchedule pauses (with a note) or resumes the shop's schedule.
func PausePullSchedule(ctx context.Context, c client.Client, shop domain.ShopRef, pause bool, note string) error {
	h := c.ScheduleClient().GetHandle(ctx, OrderPullScheduleID(shop))
	if pause {
		return h.Pause(ctx, client.SchedulePauseOptions{Note: note})
	}
	return h.Unpause(ctx, client.ScheduleUnpauseOptions{Note: note})
}

// DeletePullSchedule deletes the shop's schedule (a pull it started runs on).
func DeletePullSchedule(ctx context.Context, c client.Client, shop domain.ShopRef) error {
	return c.ScheduleClient().GetHandle(ctx, OrderPullScheduleID(shop)).Delete(ctx)
}

// PullSoon has a shop's orders pulled now, for a platform's push message:
// it signals the shop's long-running pull; where none runs, it triggers
// the shop's order-pull Schedule; where there is none either, it starts a
// one-shot pull (one per 10 seconds: a burst of messages makes one pull,
// and a pull already running is joined). how says which it did.
func PullSoon(ctx context.Context, c client.Client, base string, shop domain.ShopRef, now time.Time) (how string, err error) {
	if err := c.SignalWorkflow(ctx, OrderPullID(shop), "", SignalPullNow, nil); err == nil {
		return "signalled " + OrderPullID(shop), nil
	}
	h := c.ScheduleClient().GetHandle(ctx, OrderPullScheduleID(shop))
	if _, err := h.Describe(ctx); err == nil {
		if err := h.Trigger(ctx, client.ScheduleTriggerOptions{}); err == nil {
			return "triggered " + OrderPullScheduleID(shop), nil
		}
	}
	id := OrderPullOnceID(shop, now.Truncate(10*time.Second))
	in := OrderPullInput{Shop: shop, Once: true, PullPolicy: domain.DefaultPullPolicy()}
	if _, err := StartOn(ctx, c, base, shop, id, OrderPullWorkflowName, in); err != nil {
		return "", err
	}
	return "started " + id, nil
}
