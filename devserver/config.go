package devserver

import (
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
)

// currentCluster is the name of the single cluster.
const currentCluster = "active"

// serverConfig builds the static server configuration: one SQLite store for
// everything, one history shard, fixed ports, archival off.
func (s *Server) serverConfig(sqlCfg *config.SQL) *config.Config {
	ports := NewPortLayout(s.opts.Port)
	internal := internalIP(s.opts.IP)
	service := func(grpcPort, membershipPort int) config.Service {
		return config.Service{RPC: config.RPC{
			GRPCPort:       grpcPort,
			MembershipPort: membershipPort,
			BindOnIP:       internal,
		}}
	}
	// The frontend listens on IP (maybe 0.0.0.0); the services reach it
	// through the broadcast address, which it also listens on.
	frontend := service(ports.Frontend, ports.FrontendMembership)
	frontend.RPC.BindOnIP = s.opts.IP

	var rootTLS config.RootTLS
	if s.opts.TLS != nil {
		rootTLS = s.opts.TLS.rootTLS(dialHost(s.opts.IP))
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{
				MaxJoinDuration:  30 * time.Second,
				BroadcastAddress: internal,
			},
			TLS: rootTLS,
			// Metrics nil: no Prometheus listener (saves a port and memory).
		},
		Persistence: config.Persistence{
			DefaultStore:    storeName,
			VisibilityStore: storeName,
			// Fixed when the database is created; must never change.
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{storeName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        currentCluster,
			CurrentClusterName:       currentCluster,
			ClusterInformation: map[string]cluster.ClusterInformation{
				currentCluster: {
					Enabled:                true,
					InitialFailoverVersion: 1,
					RPCAddress:             s.frontend,
				},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": frontend,
			"history":  service(ports.History, ports.HistoryMembership),
			"matching": service(ports.Matching, ports.MatchingMembership),
			"worker":   service(ports.Worker, ports.WorkerMembership),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		// The worker service (system workflows) dials the frontend here.
		PublicClient: config.PublicClient{HostPort: s.frontend},
	}
}

// dynamicConfig returns the dynamic config of the dev server. See the
// comments for why each value is set.
func dynamicConfig() dynamicconfig.StaticClient {
	on := []dynamicconfig.ConstrainedValue{{Value: true}}
	return dynamicconfig.StaticClient{
		// Newly registered search attributes are usable at once (dev only:
		// every read goes to the database).
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): on,
		// Approvals are workflow updates; the UI sends updates too. Both are
		// on by default in v1.32.1; pinned here so that a server upgrade
		// cannot turn them off silently.
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key():              on,
		dynamicconfig.FrontendEnableUpdateWorkflowExecutionAsyncAccepted.Key(): on,
		// Worker versioning APIs, as in `temporal server start-dev`, so that
		// the UI's task queue / deployment pages work.
		dynamicconfig.FrontendEnableWorkerVersioningDataAPIs.Key(): on,
		dynamicconfig.FrontendEnableWorkerVersioningRuleAPIs.Key(): on,
		// Batch operations (terminate/cancel/signal many) from the UI.
		dynamicconfig.FrontendEnableBatcher.Key(): on,
	}
}
