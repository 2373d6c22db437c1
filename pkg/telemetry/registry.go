package telemetry

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/mgmtsvc"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// Namespace prefixes daos_server's own metrics.
const Namespace = "daos_server"

// Engines reports the engine instances; *server.Server is one.
type Engines interface {
	Instances() []server.InstanceInfo
}

// Registry is daos_server's metrics. It is safe for concurrent use.
type Registry struct {
	reg       *prometheus.Registry
	drpcCalls *prometheus.CounterVec
	drpcTime  *prometheus.HistogramVec
	grpcCalls *prometheus.CounterVec
	grpcTime  *prometheus.HistogramVec
}

// NewRegistry makes a registry with the process, Go, dRPC and gRPC
// metrics. Engine metrics are added by WatchEngines.
func NewRegistry() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		drpcCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "drpc", Name: "requests_total",
			Help: "dRPC calls served on the daos_server socket, by module, method and response status.",
		}, []string{"module", "method", "status"}),
		drpcTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "drpc", Name: "request_duration_seconds",
			Help:    "Time to handle dRPC calls on the daos_server socket, by module and method.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, []string{"module", "method"}),
		grpcCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "grpc", Name: "requests_total",
			Help: "gRPC control-service calls, by method and status code.",
		}, []string{"method", "code"}),
		grpcTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "grpc", Name: "request_duration_seconds",
			Help:    "Time to serve gRPC control-service calls, by method.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method"}),
	}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.drpcCalls, r.drpcTime, r.grpcCalls, r.grpcTime,
	)
	return r
}

// Gatherer is the registry to serve or inspect.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// MgmtStatus reports the management service (*mgmtsvc.Service).
type MgmtStatus interface {
	Status() mgmtsvc.Status
}

// WatchManagement adds the management service's metrics (raft state,
// system map version, members by state), read at each scrape.
func (r *Registry) WatchManagement(m MgmtStatus) error {
	return r.reg.Register(&mgmtCollector{ms: m})
}

// EngineIO reads engines' I/O counters (*server.Server).
type EngineIO interface {
	Instances() []server.InstanceInfo
	EngineMetrics(ctx context.Context, idx int) (*enginepb.MetricsResp, error)
}

// WatchEngineIO adds the engines' I/O and pool space metrics, read from
// every ready engine at each scrape.
func (r *Registry) WatchEngineIO(e EngineIO) error {
	return r.reg.Register(&ioCollector{engines: e})
}

// WatchEngines adds the engine metrics, read from e at each scrape. It
// may be called once.
func (r *Registry) WatchEngines(e Engines) error {
	return r.reg.Register(&engineCollector{engines: e})
}

// ObserveCall counts a dRPC call; it makes the registry a
// drpc.CallObserver.
func (r *Registry) ObserveCall(module drpc.Module, method drpc.Method, st drpcpb.Status, elapsed time.Duration) {
	mod, meth := strconv.Itoa(int(module)), strconv.Itoa(int(method))
	r.drpcCalls.WithLabelValues(mod, meth, st.String()).Inc()
	r.drpcTime.WithLabelValues(mod, meth).Observe(elapsed.Seconds())
}

// UnaryInterceptor counts and times unary gRPC calls.
func (r *Registry) UnaryInterceptor(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	began := time.Now()
	resp, err := h(ctx, req)
	r.observeGRPC(info.FullMethod, began, err)
	return resp, err
}

// StreamInterceptor counts and times streaming gRPC calls.
func (r *Registry) StreamInterceptor(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	began := time.Now()
	err := h(srv, ss)
	r.observeGRPC(info.FullMethod, began, err)
	return err
}

func (r *Registry) observeGRPC(method string, began time.Time, err error) {
	r.grpcCalls.WithLabelValues(method, status.Code(err).String()).Inc()
	r.grpcTime.WithLabelValues(method).Observe(time.Since(began).Seconds())
}

// engineStates are the states daos_server_engine_state reports.
var engineStates = []server.State{
	server.StateAwaitFormat, server.StateStopped, server.StateStarting, server.StateReady, server.StateErrored,
}

var (
	engineStateDesc = prometheus.NewDesc(Namespace+"_engine_state",
		"Engine instance state: 1 for the current state, 0 for the others.", []string{"engine", "state"}, nil)
	engineRestartsDesc = prometheus.NewDesc(Namespace+"_engine_restarts_total",
		"Automatic restarts of the engine after unexpected exits.", []string{"engine"}, nil)
	engineExitDesc = prometheus.NewDesc(Namespace+"_engine_last_exit_code",
		"Exit code of the engine's last process (-1: ended by a signal).", []string{"engine"}, nil)
)

var (
	raftStateDesc = prometheus.NewDesc(Namespace+"_ms_raft_state",
		"1 for the raft state this server's management service replica is in.", []string{"state"}, nil)
	raftTermDesc = prometheus.NewDesc(Namespace+"_ms_raft_term",
		"Raft term of this server's management service replica.", nil, nil)
	raftIndexDesc = prometheus.NewDesc(Namespace+"_ms_raft_last_index",
		"Last raft log index of this server's management service replica.", nil, nil)
	mapVersionDesc = prometheus.NewDesc(Namespace+"_system_map_version",
		"System map version in this replica's copy of the membership.", nil, nil)
	membersDesc = prometheus.NewDesc(Namespace+"_system_members",
		"System members (ranks) by state, in this replica's copy of the membership.", []string{"state"}, nil)
	engineRankDesc = prometheus.NewDesc(Namespace+"_engine_rank",
		"Rank of the engine (present once the management service has assigned one).", []string{"engine"}, nil)
	engineJoinedDesc = prometheus.NewDesc(Namespace+"_engine_joined",
		"1 when the engine has joined the system since it last started.", []string{"engine"}, nil)
)

// raftStates and memberStates are always exported, 0 when not current,
// so that dashboards see every series.
var (
	raftStates   = []string{"Follower", "Candidate", "Leader", "Shutdown"}
	memberStates = []string{"awaitformat", "starting", "ready", "joined", "stopping", "stopped", "excluded",
		"errored", "unresponsive", "adminexcluded", "checkerstarted"}
)

type mgmtCollector struct{ ms MgmtStatus }

func (c *mgmtCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{raftStateDesc, raftTermDesc, raftIndexDesc, mapVersionDesc, membersDesc} {
		ch <- d
	}
}

func (c *mgmtCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.ms.Status()
	if !st.Replica {
		return
	}
	for _, s := range raftStates {
		v := 0.0
		if s == st.RaftState {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(raftStateDesc, prometheus.GaugeValue, v, s)
	}
	ch <- prometheus.MustNewConstMetric(raftTermDesc, prometheus.GaugeValue, float64(st.Term))
	ch <- prometheus.MustNewConstMetric(raftIndexDesc, prometheus.GaugeValue, float64(st.LastIndex))
	ch <- prometheus.MustNewConstMetric(mapVersionDesc, prometheus.GaugeValue, float64(st.MapVersion))
	for _, s := range memberStates {
		ch <- prometheus.MustNewConstMetric(membersDesc, prometheus.GaugeValue, float64(st.Members[s]), s)
	}
}

var (
	ioOpsDesc = prometheus.NewDesc("engine_io_ops_total",
		"Object I/O requests served, by rank, target and operation.", []string{"rank", "target", "op"}, nil)
	ioErrorsDesc = prometheus.NewDesc("engine_io_errors_total",
		"Object I/O requests that failed, by rank, target and operation.", []string{"rank", "target", "op"}, nil)
	ioBytesDesc = prometheus.NewDesc("engine_io_bytes_total",
		"Bytes of object data moved, by rank, target and operation.", []string{"rank", "target", "op"}, nil)
	ioLatencyDesc = prometheus.NewDesc("engine_io_latency_seconds",
		"Time to serve object I/O requests, by rank, target and operation.", []string{"rank", "target", "op"}, nil)
	ioSizeLatencyDesc = prometheus.NewDesc("engine_io_size_latency_seconds",
		"Time to serve object I/O requests that moved data, by rank, target, operation and request size class (256B ... 4MB, GT4MB).",
		[]string{"rank", "target", "op", "size"}, nil)
	poolSpaceDesc = prometheus.NewDesc("engine_pool_space_bytes",
		"Space of each pool's shard on each target, by tier (scm, nvme) and kind (total, free).",
		[]string{"rank", "target", "pool", "tier", "kind"}, nil)
	poolHandlesDesc = prometheus.NewDesc("engine_pool_handles",
		"Open pool handles, reported by the rank whose replica leads the pool service.", []string{"rank", "pool"}, nil)
	poolContainersDesc = prometheus.NewDesc("engine_pool_containers",
		"Containers of the pool, reported by the rank whose replica leads the pool service.", []string{"rank", "pool"}, nil)
	contHandlesDesc = prometheus.NewDesc("engine_container_handles",
		"Open handles of each container, reported by the rank whose replica leads the pool service.", []string{"rank", "pool", "container", "label"}, nil)
	poolMapVersionDesc = prometheus.NewDesc("engine_pool_map_version",
		"The pool map's version, reported by the rank whose replica leads the pool service.", []string{"rank", "pool"}, nil)
)

// ioScrapeTimeout bounds asking one engine for its counters.
const ioScrapeTimeout = 2 * time.Second

type ioCollector struct{ engines EngineIO }

func (c *ioCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{ioOpsDesc, ioErrorsDesc, ioBytesDesc, ioLatencyDesc, ioSizeLatencyDesc, poolSpaceDesc,
		poolHandlesDesc, poolContainersDesc, poolMapVersionDesc, contHandlesDesc} {
		ch <- d
	}
}

func (c *ioCollector) Collect(ch chan<- prometheus.Metric) {
	for _, in := range c.engines.Instances() {
		if in.State != server.StateReady {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), ioScrapeTimeout)
		m, err := c.engines.EngineMetrics(ctx, in.Index)
		cancel()
		if err != nil {
			continue // the engine's own state metrics tell why
		}
		rank := "engine" + strconv.Itoa(in.Index)
		if in.HasRank {
			rank = strconv.FormatUint(uint64(in.Rank), 10)
		}
		for _, o := range m.Ops {
			tgt := strconv.FormatUint(uint64(o.Target), 10)
			ch <- prometheus.MustNewConstMetric(ioOpsDesc, prometheus.CounterValue, float64(o.Count), rank, tgt, o.Op)
			ch <- prometheus.MustNewConstMetric(ioErrorsDesc, prometheus.CounterValue, float64(o.Errors), rank, tgt, o.Op)
			ch <- prometheus.MustNewConstMetric(ioBytesDesc, prometheus.CounterValue, float64(o.Bytes), rank, tgt, o.Op)
			if h, err := prometheus.NewConstHistogram(ioLatencyDesc, o.Count, float64(o.LatencySumNs)/1e9,
				cumulative(m.BoundsS, o.Buckets), rank, tgt, o.Op); err == nil {
				ch <- h
			}
			for _, sz := range o.BySize {
				if h, err := prometheus.NewConstHistogram(ioSizeLatencyDesc, sz.Count, float64(sz.LatencySumNs)/1e9,
					cumulative(m.BoundsS, sz.Buckets), rank, tgt, o.Op, sz.Size); err == nil {
					ch <- h
				}
			}
		}
		for _, sp := range m.Shards {
			tgt := strconv.FormatUint(uint64(sp.Target), 10)
			for _, v := range []struct {
				tier, kind string
				val        uint64
			}{{"scm", "total", sp.ScmTotal}, {"scm", "free", sp.ScmFree}, {"nvme", "total", sp.NvmeTotal}, {"nvme", "free", sp.NvmeFree}} {
				ch <- prometheus.MustNewConstMetric(poolSpaceDesc, prometheus.GaugeValue, float64(v.val), rank, tgt, sp.Pool, v.tier, v.kind)
			}
		}
		for _, ps := range m.Services {
			ch <- prometheus.MustNewConstMetric(poolHandlesDesc, prometheus.GaugeValue, float64(ps.Handles), rank, ps.Pool)
			ch <- prometheus.MustNewConstMetric(poolContainersDesc, prometheus.GaugeValue, float64(ps.Containers), rank, ps.Pool)
			ch <- prometheus.MustNewConstMetric(poolMapVersionDesc, prometheus.GaugeValue, float64(ps.MapVersion), rank, ps.Pool)
			for _, c := range ps.ContainersOpen {
				ch <- prometheus.MustNewConstMetric(contHandlesDesc, prometheus.GaugeValue, float64(c.Handles), rank, ps.Pool, c.Uuid, c.Label)
			}
		}
	}
}

// cumulative turns an engine's per-bucket counts into Prometheus's
// cumulative buckets keyed by upper bound.
func cumulative(bounds []float64, counts []uint64) map[float64]uint64 {
	out := make(map[float64]uint64, len(bounds))
	var cum uint64
	for i, b := range bounds {
		if i < len(counts) {
			cum += counts[i]
		}
		out[b] = cum
	}
	return out
}

// engineCollector reads engine snapshots at scrape time, so the
// supervisor needs no metric calls of its own.
type engineCollector struct{ engines Engines }

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- engineStateDesc
	ch <- engineRestartsDesc
	ch <- engineExitDesc
	ch <- engineRankDesc
	ch <- engineJoinedDesc
}

func (c *engineCollector) Collect(ch chan<- prometheus.Metric) {
	for _, in := range c.engines.Instances() {
		idx := strconv.Itoa(in.Index)
		for _, st := range engineStates {
			v := 0.0
			if in.State == st {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(engineStateDesc, prometheus.GaugeValue, v, idx, string(st))
		}
		ch <- prometheus.MustNewConstMetric(engineRestartsDesc, prometheus.CounterValue, float64(in.Restarts), idx)
		if in.LastExit != "" {
			ch <- prometheus.MustNewConstMetric(engineExitDesc, prometheus.GaugeValue, float64(in.LastExitCode), idx)
		}
		if in.HasRank {
			ch <- prometheus.MustNewConstMetric(engineRankDesc, prometheus.GaugeValue, float64(in.Rank), idx)
		}
		joined := 0.0
		if in.Joined {
			joined = 1
		}
		ch <- prometheus.MustNewConstMetric(engineJoinedDesc, prometheus.GaugeValue, joined, idx)
	}
}
