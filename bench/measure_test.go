package bench

import (
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/proto"
)

func TestPercentileIsTheNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 1: time.Millisecond} {
		if got := percentile(ds, p); got != want {
			t.Errorf("p%g = %s, want %s", p, got, want)
		}
	}
	if percentile(nil, 50) != 0 || percentile(ds[:1], 99) != 100*time.Millisecond {
		t.Error("empty or single-value percentile")
	}
}

func TestFiguresPrintWithTheirPrecision(t *testing.T) {
	for v, want := range map[float64]string{20000: "20\u202f000", 0.954: "0.95", 12.34: "12.3", 1234.5: "1\u202f234", 0: "0", -1500: "-1\u202f500"} {
		if got := formatValue(v); got != want {
			t.Errorf("formatValue(%g) = %q, want %q", v, got, want)
		}
	}
	if got := (Figure{Name: "peak RSS", Value: 180, Unit: "MiB"}).String(); got != "peak RSS 180 MiB" {
		t.Errorf("figure = %q", got)
	}
}

// The largest payload is found at any depth of an event: an activity's
// input list and a workflow's memo map alike.
func TestEachPayloadFindsNestedPayloads(t *testing.T) {
	small, big := &commonpb.Payload{Data: make([]byte, 10)}, &commonpb.Payload{Data: make([]byte, 5000)}
	ev := &historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
		WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			Input: &commonpb.Payloads{Payloads: []*commonpb.Payload{small}},
			Memo:  &commonpb.Memo{Fields: map[string]*commonpb.Payload{"m": big}},
		}}}
	largest, n := 0, 0
	eachPayload(ev.ProtoReflect(), func(p *commonpb.Payload) { n++; largest = max(largest, proto.Size(p)) })
	if n != 2 || largest != proto.Size(big) {
		t.Fatalf("found %d payloads, largest %d B; want 2, %d B", n, largest, proto.Size(big))
	}
}
