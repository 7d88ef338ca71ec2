package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/syncctl/syncctl/catalog"
	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
)

// Peak RSS is the kernel's high-water mark of this process (VmHWM in
// /proc/self/status), reset before each measured step by writing 5 to
// /proc/self/clear_refs. The process holds the embedded Temporal server,
// the sandboxes, the store and the worker together, so it bounds the
// worker's own from above.
func rssMethod() string {
	if resetPeakRSS() {
		return "VmHWM of this process (/proc/self/status), reset per step through /proc/self/clear_refs; Temporal server, sandboxes, store and worker together"
	}
	return "VmHWM of this process since it started (/proc/self/clear_refs not writable): Temporal server, sandboxes, store and worker together"
}

// resetPeakRSS sets VmHWM back to the current RSS (Linux 4.0 and later),
// after handing the memory earlier steps left free back to the system, so
// a step's peak is not an earlier step's.
func resetPeakRSS() bool {
	debug.FreeOSMemory()
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}

// peakRSS is VmHWM in MiB (0 where /proc is not there).
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// machine is the CPUs and the load average when the run starts.
func machine() string {
	s := fmt.Sprintf("%d CPUs (GOMAXPROCS %d)", runtime.NumCPU(), runtime.GOMAXPROCS(0))
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			s += ", load average " + strings.Join(f[:3], " ")
		}
	}
	return s
}

// historyStats describes a workflow's history over every run of its
// continue-as-new chain.
type historyStats struct {
	Events       int // all runs
	Runs         int
	MaxRunEvents int // the longest run's events
	MaxRunBytes  int // the largest run's history, encoded
	// LargestPayload is the largest single payload (an input, a result, a
	// query answer stored in the history), encoded.
	LargestPayload int
}

// Temporal's warning limits (server dynamic config defaults): a run's
// history count and size, and one payload (blob).
const (
	warnHistoryEvents = 10 * 1024
	warnHistoryBytes  = 10 << 20
	warnBlobBytes     = 512 << 10
)

// withinLimits says whether no run came near a Temporal warning limit.
func (h historyStats) withinLimits() bool {
	return h.MaxRunEvents < warnHistoryEvents && h.MaxRunBytes < warnHistoryBytes && h.LargestPayload < warnBlobBytes
}

// readHistory reads a workflow's history from runID on, following each
// continue-as-new to the next run.
func readHistory(ctx context.Context, c client.Client, workflowID, runID string) (historyStats, error) {
	var h historyStats
	for runID != "" {
		it := c.GetWorkflowHistory(ctx, workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		next, events, size := "", 0, 0
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				return h, fmt.Errorf("history of %s: %w", workflowID, err)
			}
			events++
			size += proto.Size(ev)
			eachPayload(ev.ProtoReflect(), func(p *commonpb.Payload) { h.LargestPayload = max(h.LargestPayload, proto.Size(p)) })
			if a := ev.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				next = a.GetNewExecutionRunId()
			}
		}
		h.Runs++
		h.Events += events
		h.MaxRunEvents, h.MaxRunBytes = max(h.MaxRunEvents, events), max(h.MaxRunBytes, size)
		runID = next
	}
	return h, nil
}

// eachPayload calls f with every Payload inside m, at any depth.
func eachPayload(m protoreflect.Message, f func(*commonpb.Payload)) {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		f(p)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				eachPayload(l.Get(i).Message(), f)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				eachPayload(mv.Message(), f)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			eachPayload(v.Message(), f)
		}
		return true
	})
}

// percentile is the p-th percentile (0–100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// importGenerated streams a generated catalog into the store, as
// `catalog generate | catalog import -` would.
func importGenerated(ctx context.Context, st store.Store, o catalog.GenerateOptions, change func(int, *domain.Product)) (catalog.ImportReport, error) {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeGenerated(pw, o, change))
	}()
	rep, err := catalog.Import(ctx, st, pr, catalog.FormatJSON)
	_ = pr.CloseWithError(io.ErrClosedPipe)
	if err == nil && len(rep.Rejected) > 0 {
		err = fmt.Errorf("the generated catalog had %d rejected rows, first: %v", len(rep.Rejected), rep.Rejected[0])
	}
	return rep, err
}

// writeGenerated is catalog.Generate with a change applied to each
// product (nil: none): the 1 %-changed catalog of the re-sync.
func writeGenerated(w io.Writer, o catalog.GenerateOptions, change func(int, *domain.Product)) error {
	if change == nil {
		return catalog.Generate(w, catalog.FormatJSON, o)
	}
	e, err := catalog.NewExporter(w, catalog.FormatJSON)
	if err != nil {
		return err
	}
	for i := range o.SPUs {
		p := catalog.GenerateProduct(o, i)
		change(i, &p)
		if err := e.Write(p); err != nil {
			return err
		}
	}
	return e.Close()
}

// spus is how many products of perSPU SKUs make at least skus SKUs.
func spus(skus, perSPU int) int { return (skus + perSPU - 1) / perSPU }

// cpuSample is this process's CPU time so far and the time its threads
// spent runnable but waiting for a CPU (other processes had them): on a
// shared machine the second says how much the figures were held back.
type cpuSample struct{ used, waited time.Duration }

func cpuNow() cpuSample {
	var s cpuSample
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		// The fields after the command (which may hold spaces) start at state.
		if i := strings.LastIndexByte(string(b), ')'); i > 0 {
			f := strings.Fields(string(b)[i+1:])
			if len(f) > 12 {
				ut, _ := strconv.ParseInt(f[11], 10, 64)
				st, _ := strconv.ParseInt(f[12], 10, 64)
				s.used = time.Duration(ut+st) * 10 * time.Millisecond // USER_HZ is 100 on Linux
			}
		}
	}
	tasks, _ := os.ReadDir("/proc/self/task")
	for _, t := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + t.Name() + "/schedstat")
		if f := strings.Fields(string(b)); err == nil && len(f) >= 2 {
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			s.waited += time.Duration(ns)
		}
	}
	return s
}

// usedSince is the CPU time used since before.
func (s cpuSample) usedSince(before cpuSample) time.Duration { return s.used - before.used }

func (s cpuSample) since(before cpuSample) string {
	return fmt.Sprintf("%.0f s / %.0f s", (s.used - before.used).Seconds(), (s.waited - before.waited).Seconds())
}
