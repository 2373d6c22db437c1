package telemetry

import (
	"context"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
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

// engineCollector reads engine snapshots at scrape time, so the
// supervisor needs no metric calls of its own.
type engineCollector struct{ engines Engines }

func (c *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- engineStateDesc
	ch <- engineRestartsDesc
	ch <- engineExitDesc
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
	}
}
