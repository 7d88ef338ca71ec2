package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

const (
	// readyTimeout bounds waiting for readiness when ctx has no deadline.
	readyTimeout = 2 * time.Minute
	pollInterval = 50 * time.Millisecond
	// registryRefresh is the server's system.namespaceCacheRefreshInterval
	// default; other services see namespace changes within this time.
	registryRefresh = 2 * time.Second
)

// waitReady waits until the frontend serves, the namespace is loaded, and
// every wanted search attribute is registered on it and usable in queries.
func waitReady(ctx context.Context, frontend, namespace string, want map[string]enums.IndexedValueType, log *slog.Logger) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	conn, err := grpc.NewClient(frontend, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("devserver: connecting to frontend %s: %w", frontend, err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	wf := workflowservice.NewWorkflowServiceClient(conn)
	op := operatorservice.NewOperatorServiceClient(conn)

	if err := poll(ctx, "frontend "+frontend+" to serve", func(ctx context.Context) (bool, error) {
		r, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: workflowservice.WorkflowService_ServiceDesc.ServiceName})
		return err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING, nil
	}); err != nil {
		return err
	}
	if err := poll(ctx, "namespace "+namespace, func(ctx context.Context) (bool, error) {
		_, err := wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		return err == nil, nil
	}); err != nil {
		return err
	}
	if len(want) == 0 {
		return nil
	}

	// Search attributes. On a fresh database they were stored with the
	// namespace before start; on an existing one, new ones are added here.
	resp, err := op.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("devserver: listing search attributes: %w", err)
	}
	have := resp.GetCustomAttributes()
	missing := map[string]enums.IndexedValueType{}
	for name, t := range want {
		got, ok := have[name]
		switch {
		case !ok:
			if st, isSys := resp.GetSystemAttributes()[name]; isSys {
				return fmt.Errorf("devserver: search attribute %q is a system attribute (%v)", name, st)
			}
			missing[name] = t
		case got != t:
			return fmt.Errorf("devserver: search attribute %q already exists on namespace %q with type %v, not %v "+
				"(the type of a search attribute cannot be changed; remove the state dir to start over)",
				name, namespace, got, t)
		}
	}
	if len(missing) > 0 {
		names := slices.Sorted(maps.Keys(missing))
		log.Info("registering search attributes", "namespace", namespace, "names", names)
		if _, err := op.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
			Namespace:        namespace,
			SearchAttributes: missing,
		}); err != nil {
			var inv *serviceerror.InvalidArgument
			if errors.As(err, &inv) {
				return fmt.Errorf("devserver: adding search attributes %v: %w (SQLite visibility allows %s per namespace)",
					names, err, sqliteSALimits())
			}
			return fmt.Errorf("devserver: adding search attributes %v: %w", names, err)
		}
		// Wait until the frontend's namespace registry knows them (a query
		// naming them stops failing), then one more refresh period so the
		// history service (workflow upserts) has picked them up as well.
		for _, name := range names {
			q := fmt.Sprintf("`%s` IS NULL", name)
			if err := poll(ctx, "search attribute "+name, func(ctx context.Context) (bool, error) {
				_, err := wf.CountWorkflowExecutions(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: q})
				return err == nil, nil
			}); err != nil {
				return err
			}
		}
		select {
		case <-time.After(registryRefresh):
		case <-ctx.Done():
			return fmt.Errorf("devserver: waiting for search attributes: %w", ctx.Err())
		}
	}
	return nil
}

// poll calls f until it reports done, returns an error, or ctx ends.
func poll(ctx context.Context, what string, f func(context.Context) (bool, error)) error {
	for {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		done, err := f(cctx)
		cancel()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: waiting for %s: %w", what, ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}
