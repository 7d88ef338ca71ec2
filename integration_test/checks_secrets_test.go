package integration_test

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/syncctl/syncctl/connectors"
)

// The secret scan: at the end of every scenario, every container's log and
// every workflow history of the run are searched for every secret the
// system was given and every token the platforms issued to it.

// minSecretLen is the shortest value worth looking for: a shorter one
// matches by chance.
const minSecretLen = 8

// secretValue is one value that must appear nowhere. Kind names it in a
// failure ("jd/it credential app_secret"); the value is never printed.
type secretValue struct {
	Kind  string
	Value string
	Token bool // issued by a platform during the run, not configured
}

// place is one thing the scan reads: a container's log, a history event.
type place struct {
	Where string
	Texts [][]byte
}

// leak is a secret found in a place.
type leak struct{ Kind, Where string }

// findLeaks returns each place where a secret appears, in any form it
// would take there: as it is, JSON- or Go-escaped, percent-encoded, or
// base64 (a []byte field in a JSON payload), standard or URL alphabet, at
// any alignment. A text that is JSON, or a log line that is, is also
// searched decoded, so no escaping hides a value. Values shorter than
// minSecretLen are not searched.
func findLeaks(secrets []secretValue, places []place) []leak {
	type needles struct {
		kind  string
		forms [][]byte
	}
	var all []needles
	for _, s := range secrets {
		if len(s.Value) >= minSecretLen {
			all = append(all, needles{s.Kind, secretForms(s.Value)})
		}
	}
	var out []leak
	for _, p := range places {
		var texts [][]byte
		for _, t := range p.Texts {
			texts = append(texts, t)
			texts = append(texts, jsonStrings(t, 0)...)
		}
		for _, n := range all {
			if containsAny(texts, n.forms) {
				out = append(out, leak{Kind: n.kind, Where: p.Where})
			}
		}
	}
	return out
}

func containsAny(texts, forms [][]byte) bool {
	for _, t := range texts {
		for _, f := range forms {
			if bytes.Contains(t, f) {
				return true
			}
		}
	}
	return false
}

// secretForms is the value as it would be written into a log line, a URL,
// a JSON string or a JSON []byte.
func secretForms(v string) [][]byte {
	forms := []string{v, strings.Trim(strconv.Quote(v), `"`), url.QueryEscape(v), url.PathEscape(v)}
	if b, err := json.Marshal(v); err == nil {
		forms = append(forms, strings.Trim(string(b), `"`))
	}
	// Base64 of v after k other bytes: the 4-character groups made of v's
	// bytes only are the same wherever v starts (mod 3).
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for k := range 3 {
			e := enc.EncodeToString(append(make([]byte, k), v...))
			start, end := 0, (k+len(v))/3*4
			if k > 0 {
				start = 4
			}
			if end-start >= minSecretLen {
				forms = append(forms, e[start:end])
			}
		}
	}
	seen := map[string]bool{}
	var out [][]byte
	for _, f := range forms {
		if !seen[f] {
			seen[f] = true
			out = append(out, []byte(f))
		}
	}
	return out
}

// jsonStrings decodes a JSON text (or each line of a text that is JSON,
// as a JSON log is) and returns its strings and keys, themselves decoded
// when they hold JSON.
func jsonStrings(t []byte, depth int) [][]byte {
	if depth > 3 {
		return nil
	}
	t = bytes.TrimSpace(t)
	if len(t) == 0 {
		return nil
	}
	if !json.Valid(t) {
		if !bytes.ContainsAny(t, "\n") {
			return nil
		}
		var out [][]byte
		for line := range bytes.Lines(t) {
			if line = bytes.TrimSpace(line); len(line) > 0 && (line[0] == '{' || line[0] == '[' || line[0] == '"') {
				out = append(out, jsonStrings(line, depth+1)...)
			}
		}
		return out
	}
	var v any
	if json.Unmarshal(t, &v) != nil {
		return nil
	}
	var out [][]byte
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			out = append(out, []byte(v))
			if s := strings.TrimSpace(v); len(s) > 1 && strings.ContainsAny(s[:1], `{["`) {
				out = append(out, jsonStrings([]byte(s), depth+1)...)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for k, e := range v {
				out = append(out, []byte(k))
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// eventPlace is one history event as the scan reads it: every string and
// bytes field (payload data, metadata, failure messages and stacks), raw.
// Its String() would not do: protobuf's text format escapes the quotes
// and non-ASCII bytes of a JSON payload.
func eventPlace(workflowID, runID string, ev *historypb.HistoryEvent) place {
	p := place{Where: fmt.Sprintf("workflow %s run %s event %d (%s)", workflowID, runID, ev.GetEventId(), ev.GetEventType())}
	protoTexts(ev.ProtoReflect(), &p.Texts)
	return p
}

func protoTexts(m protoreflect.Message, out *[][]byte) {
	if u := m.GetUnknown(); len(u) > 0 {
		*out = append(*out, u)
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			l := v.List()
			for i := range l.Len() {
				protoValue(fd, l.Get(i), out)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				*out = append(*out, []byte(k.String()))
				protoValue(fd.MapValue(), mv, out)
				return true
			})
		default:
			protoValue(fd, v, out)
		}
		return true
	})
}

func protoValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, out *[][]byte) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		*out = append(*out, []byte(v.String()))
	case protoreflect.BytesKind:
		*out = append(*out, v.Bytes())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		protoTexts(v.Message(), out)
	}
}

// What the scan looks for.

// secretsToScan is every secret the system was given (each shop credential
// its connector declares Secret, the ERP webhook secret, serve's API token)
// and every token issued to it: the tokens in the store the workers share
// and those each sandbox keeps in its state file.
func (tp *topology) secretsToScan(ctx context.Context, c *tally) []secretValue {
	tp.t.Helper()
	var out []secretValue
	seen := map[string]bool{}
	add := func(kind, v string, token bool) {
		if v == "" || seen[v] {
			return
		}
		seen[v] = true
		if len(v) < minSecretLen {
			tp.t.Logf("secret scan: %s is shorter than %d characters: not searched", kind, minSecretLen)
			return
		}
		out = append(out, secretValue{Kind: kind, Value: v, Token: token})
	}
	for _, s := range tp.shops {
		for _, spec := range s.reg.Connector.Credentials {
			if spec.Secret {
				add(fmt.Sprintf("%s credential %s", s.ref, spec.Name), s.creds[spec.Name], false)
			}
		}
	}
	add("the ERP webhook secret", tp.erpSecret, false)
	if tp.api != nil {
		add("serve's API token", tp.apiToken, false)
	}
	ts, ok := tp.Store.(connectors.TokenStore)
	if !ok {
		tp.t.Fatal("the store keeps no tokens: nothing to read them from")
	}
	for _, s := range tp.shops {
		tok, found, err := ts.LoadToken(ctx, s.ref)
		if err != nil {
			tp.t.Fatalf("%s: read its token from the store: %v", s.ref, err)
		}
		if !found && mintsTokens(s.reg.Connector) {
			c.problem("secret scan: no token of %s in the store, though its connector mints one: the scan cannot look for it", s.ref)
		}
		add(fmt.Sprintf("%s access token (store)", s.ref), tok.Access.Reveal(), true)
		add(fmt.Sprintf("%s refresh token (store)", s.ref), tok.Refresh.Reveal(), true)
		for field, values := range tp.sandboxTokens(s) {
			for _, v := range values {
				add(fmt.Sprintf("%s token the sandbox issued (its state's %s)", s.ref, field), v, true)
			}
		}
	}
	return out
}

// mintsTokens reports whether a connector fetches access tokens.
func mintsTokens(p connectors.Platform) bool {
	for _, spec := range p.Credentials {
		if spec.Minted {
			return true
		}
	}
	return false
}

// sandboxTokens reads the tokens a sandbox keeps in its state file (those
// still live; a sandbox that keeps them in memory only has none there):
// every top-level field whose name says token, a map keyed by token or a
// list of them.
func (tp *topology) sandboxTokens(s *sbShop) map[string][]string {
	out, err := exec.Command("docker", "cp", s.node.id()+":/data/shop.json", "-").Output()
	if err != nil {
		return nil // no state written yet
	}
	tr := tar.NewReader(bytes.NewReader(out))
	if _, err := tr.Next(); err != nil {
		tp.t.Fatalf("%s sandbox state file: %v", s.ref, err)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		tp.t.Fatalf("%s sandbox state file: %v", s.ref, err)
	}
	var state map[string]json.RawMessage
	if err := json.Unmarshal(b, &state); err != nil {
		tp.t.Fatalf("%s sandbox state file: %v", s.ref, err)
	}
	tokens := map[string][]string{}
	for field, raw := range state {
		if !strings.Contains(strings.ToLower(field), "token") {
			continue
		}
		var byToken map[string]json.RawMessage
		var list []string
		switch {
		case json.Unmarshal(raw, &byToken) == nil:
			for k := range byToken {
				tokens[field] = append(tokens[field], k)
			}
		case json.Unmarshal(raw, &list) == nil:
			tokens[field] = append(tokens[field], list...)
		}
		sort.Strings(tokens[field])
	}
	return tokens
}

// scanSecrets searches every container's log and every workflow history of
// the run for every secret and token, and makes each place one is found a
// problem of the scenario. It counts what it searched into c.
func (tp *topology) scanSecrets(c *tally) {
	tp.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	secrets := tp.secretsToScan(ctx, c)
	for _, s := range secrets {
		if s.Token {
			c.tokens++
		} else {
			c.secrets++
		}
	}
	// Each shop has a Secret credential; each shop whose connector mints
	// tokens has one in the store.
	wantSecrets, wantTokens := len(tp.shops)+1, 0
	if tp.api != nil {
		wantSecrets++
	}
	for _, s := range tp.shops {
		if mintsTokens(s.reg.Connector) {
			wantTokens++
		}
	}
	if c.secrets < wantSecrets || c.tokens < wantTokens {
		c.problem("secret scan: %d secrets and %d tokens to look for, want at least %d and %d", c.secrets, c.tokens, wantSecrets, wantTokens)
	}
	report := func(leaks []leak) {
		for _, l := range leaks {
			c.problem("secret leak: %s appears in %s", l.Kind, l.Where)
		}
	}

	nodes := append([]*node{tp.postgres, tp.temporal, tp.erp}, tp.workers...)
	if tp.api != nil {
		nodes = append(nodes, tp.api)
	}
	for _, s := range tp.shops {
		nodes = append(nodes, s.node)
	}
	for _, n := range nodes {
		c.places++
		report(findLeaks(secrets, []place{{Where: "the log of container " + n.name, Texts: [][]byte{[]byte(tp.logs(n))}}}))
	}

	runs, events, err := tp.eachHistory(ctx, func(wid, rid string, evs []*historypb.HistoryEvent) {
		// An activity's result or failure names the activity it is of.
		activity := map[int64]string{}
		for _, ev := range evs {
			if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil {
				activity[ev.GetEventId()] = a.GetActivityType().GetName()
			}
		}
		places := make([]place, len(evs))
		for i, ev := range evs {
			places[i] = eventPlace(wid, rid, ev)
			if name := activity[scheduledBy(ev)]; name != "" {
				places[i].Where += " of activity " + name
			}
		}
		report(findLeaks(secrets, places))
	})
	if err != nil {
		tp.t.Fatalf("secret scan: read the workflow histories: %v", err)
	}
	if runs == 0 {
		c.problem("secret scan: no workflow history to read")
	}
	c.places += runs
	tp.t.Logf("secret scan: %d secrets and %d tokens searched in %d container logs and %d workflow runs (%d events)",
		c.secrets, c.tokens, len(nodes), runs, events)
}

// scheduledBy is the event that scheduled an activity event's activity (0: none).
func scheduledBy(ev *historypb.HistoryEvent) int64 {
	switch {
	case ev.GetActivityTaskStartedEventAttributes() != nil:
		return ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()
	case ev.GetActivityTaskCompletedEventAttributes() != nil:
		return ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()
	case ev.GetActivityTaskFailedEventAttributes() != nil:
		return ev.GetActivityTaskFailedEventAttributes().GetScheduledEventId()
	case ev.GetActivityTaskTimedOutEventAttributes() != nil:
		return ev.GetActivityTaskTimedOutEventAttributes().GetScheduledEventId()
	}
	return 0
}

// eachHistory calls f with the whole history of every workflow run in the
// namespace: every run visibility lists (open, closed, continued as new),
// and any run a history names that it did not list yet (the next run of a
// continue-as-new, a child). f is called from one goroutine at a time.
func (tp *topology) eachHistory(ctx context.Context, f func(workflowID, runID string, events []*historypb.HistoryEvent)) (runs, events int, err error) {
	type run struct{ wid, rid string }
	seen := map[run]bool{}
	var queue []run
	enqueue := func(wid, rid string) {
		if r := (run{wid, rid}); rid != "" && !seen[r] {
			seen[r] = true
			queue = append(queue, r)
		}
	}
	var token []byte
	for {
		resp, err := tp.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: "default", PageSize: 500, NextPageToken: token})
		if err != nil {
			return 0, 0, fmt.Errorf("list workflows: %w", err)
		}
		for _, e := range resp.GetExecutions() {
			enqueue(e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId())
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}

	// A few histories at a time; f and the queue under one lock.
	var mu sync.Mutex
	var firstErr error
	for len(queue) > 0 {
		batch := queue
		queue = nil
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for _, r := range batch {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				evs, err := tp.history(ctx, r.wid, r.rid)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("workflow %s run %s: %w", r.wid, r.rid, err)
					}
					return
				}
				runs++
				events += len(evs)
				f(r.wid, r.rid, evs)
				for _, ev := range evs {
					if a := ev.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
						enqueue(r.wid, a.GetNewExecutionRunId())
					}
					if a := ev.GetChildWorkflowExecutionStartedEventAttributes(); a != nil {
						enqueue(a.GetWorkflowExecution().GetWorkflowId(), a.GetWorkflowExecution().GetRunId())
					}
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return runs, events, firstErr
		}
	}
	return runs, events, nil
}

// history reads a run's events (every page, every event).
func (tp *topology) history(ctx context.Context, wid, rid string) ([]*historypb.HistoryEvent, error) {
	it := tp.Client.GetWorkflowHistory(ctx, wid, rid, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var out []*historypb.HistoryEvent
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}
