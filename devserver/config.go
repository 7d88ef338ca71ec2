package devserver

import (
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/searchattribute/sadefs"
	"go.temporal.io/server/temporal"
)

const (
	clusterName = "active"
	storeName   = "sqlite-default"
)

// dynamicConfig is the server's dynamic config for local development. Each
// entry differs from the server default on purpose.
func dynamicConfig() dynamicconfig.StaticClient {
	dc := dynamicconfig.StaticClient{}
	set := func(k dynamicconfig.Key, v any) { dc[k] = v }

	// Search attributes added through the operator API are visible at once
	// instead of after the cluster-metadata cache refresh (as in start-dev).
	set(dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(), true)
	// Bypassing that cache costs persistence reads; raise the per-host
	// persistence rate limits accordingly (same numbers as start-dev).
	set(dynamicconfig.FrontendPersistenceMaxQPS.Key(), 10000)
	set(dynamicconfig.HistoryPersistenceMaxQPS.Key(), 45000)
	// The UI and syncctl's status pages list/count workflows a lot; the
	// default of 10 visibility RPS per namespace throttles them.
	set(dynamicconfig.FrontendMaxNamespaceVisibilityRPSPerInstance.Key(), 100)
	// 8k cached mutable states instead of 128k: plenty for dev, less memory.
	set(dynamicconfig.HistoryCacheHostLevelMaxSize.Key(), 8192)
	// One task-queue partition instead of four: a single local worker gets
	// tasks without partition forwarding, and fewer task-queue rows/loops.
	set(dynamicconfig.MatchingNumTaskqueueReadPartitions.Key(), 1)
	set(dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(), 1)
	// No periodic phone-home version check from a developer machine.
	set(dynamicconfig.EnableServerVersionCheck.Key(), false)
	return dc
}

func buildServerOptions(o options, sqlCfg *config.SQL, log *slog.Logger, fatal *fatalRecorder) ([]temporal.ServerOption, error) {
	ip := o.IP
	frontend := net.JoinHostPort(ip, strconv.Itoa(o.FrontendPort))
	httpPort, err := freePort(ip)
	if err != nil {
		return nil, err
	}
	svc := map[string]config.Service{}
	hosts := map[primitives.ServiceName]static.Hosts{}
	for _, name := range []primitives.ServiceName{
		primitives.FrontendService, primitives.HistoryService,
		primitives.MatchingService, primitives.WorkerService,
	} {
		var rpc config.RPC
		rpc.BindOnIP = ip
		if name == primitives.FrontendService {
			rpc.GRPCPort = o.FrontendPort
			rpc.HTTPPort = httpPort // frontend HTTP API (also used for Nexus callbacks)
		} else if rpc.GRPCPort, err = freePort(ip); err != nil {
			return nil, err
		}
		svc[string(name)] = config.Service{RPC: rpc}
		hosts[name] = static.SingleLocalHost(net.JoinHostPort(ip, strconv.Itoa(rpc.GRPCPort)))
	}

	var conf config.Config
	conf.Global.Membership.MaxJoinDuration = 30 * time.Second
	conf.Global.Membership.BroadcastAddress = ip
	conf.Persistence.DefaultStore = storeName
	conf.Persistence.VisibilityStore = storeName
	conf.Persistence.NumHistoryShards = 1
	conf.Persistence.DataStores = map[string]config.DataStore{storeName: {SQL: sqlCfg}}
	conf.ClusterMetadata = &cluster.Config{
		EnableGlobalNamespace:    false,
		FailoverVersionIncrement: 10,
		MasterClusterName:        clusterName,
		CurrentClusterName:       clusterName,
		ClusterInformation: map[string]cluster.ClusterInformation{
			clusterName: {
				Enabled:                true,
				InitialFailoverVersion: 1,
				RPCAddress:             frontend,
				HTTPAddress:            net.JoinHostPort(ip, strconv.Itoa(httpPort)),
				// ClusterID empty: generated once and persisted on first start.
			},
		},
	}
	conf.DCRedirectionPolicy.Policy = "noop"
	conf.Services = svc
	conf.Archival.History.State = "disabled"
	conf.Archival.Visibility.State = "disabled"
	conf.NamespaceDefaults.Archival.History.State = "disabled"
	conf.NamespaceDefaults.Archival.Visibility.State = "disabled"
	conf.PublicClient.HostPort = frontend

	return []temporal.ServerOption{
		temporal.WithConfig(&conf),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(hosts),
		temporal.WithLogger(serverLogger{l: log, fatal: fatal}),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	}, nil
}

// sqliteSALimits describes how many custom search attributes of each type the
// SQLite visibility schema has room for (per namespace), e.g.
// "Bool 3, Datetime 3, Double 3, Int 3, Keyword 10, KeywordList 3, Text 3".
func sqliteSALimits() string {
	var parts []string
	for t, n := range SQLiteSearchAttributeLimits() {
		parts = append(parts, fmt.Sprintf("%s %d", t, n))
	}
	slices.Sort(parts)
	return strings.Join(parts, ", ")
}

// SQLiteSearchAttributeLimits returns how many custom search attributes of
// each type a namespace can have with SQLite visibility (server v1.32:
// Keyword 10; Bool, Datetime, Double, Int, KeywordList, Text 3 each).
func SQLiteSearchAttributeLimits() map[enums.IndexedValueType]int {
	counts := map[enums.IndexedValueType]int{}
	for _, t := range sadefs.GetDBIndexSearchAttributes(nil).CustomSearchAttributes {
		counts[t]++
	}
	return counts
}
