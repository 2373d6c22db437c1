package telemetry

import (
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/daos-go/daos/pkg/control/mgmtsvc"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// fakeEngines is a settable engine snapshot.
type fakeEngines struct {
	mu    sync.Mutex
	infos []server.InstanceInfo
}

func (f *fakeEngines) Instances() []server.InstanceInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]server.InstanceInfo(nil), f.infos...)
}

func (f *fakeEngines) set(infos ...server.InstanceInfo) {
	f.mu.Lock()
	f.infos = infos
	f.mu.Unlock()
}

func scrape(t *testing.T, url string) map[string]*MetricSet {
	t.Helper()
	sets, err := Scrape(context.Background(), nil, url)
	require.NoError(t, err)
	out := map[string]*MetricSet{}
	for _, s := range sets {
		out[s.Name] = s
	}
	return out
}

func value(t *testing.T, sets map[string]*MetricSet, name string, labels map[string]string) float64 {
	t.Helper()
	s, ok := sets[name]
	require.True(t, ok, "no metric %s", name)
next:
	for _, m := range s.Metrics {
		for k, v := range labels {
			if m.Labels[k] != v {
				continue next
			}
		}
		return m.Value
	}
	t.Fatalf("no %s with labels %v in %+v", name, labels, s.Metrics)
	return 0
}

func TestEngineMetrics(t *testing.T) {
	eng := &fakeEngines{}
	eng.set(server.InstanceInfo{Index: 0, State: server.StateReady, PID: 10})
	reg := NewRegistry()
	require.NoError(t, reg.WatchEngines(eng))
	ts := httptest.NewServer(Handler(reg.Gatherer(), nil))
	defer ts.Close()

	sets := scrape(t, ts.URL+MetricsPath)
	require.Equal(t, 1.0, value(t, sets, "daos_server_engine_state", map[string]string{"engine": "0", "state": "Ready"}))
	require.Equal(t, 0.0, value(t, sets, "daos_server_engine_state", map[string]string{"engine": "0", "state": "Errored"}))
	require.Equal(t, 0.0, value(t, sets, "daos_server_engine_restarts_total", map[string]string{"engine": "0"}))
	require.Equal(t, "counter", sets["daos_server_engine_restarts_total"].Type)
	require.NotContains(t, sets, "daos_server_engine_last_exit_code", "no exit yet")
	require.Contains(t, sets, "go_goroutines")
	require.Contains(t, sets, "process_cpu_seconds_total")

	// The engine died with exit code 3 and was restarted.
	eng.set(server.InstanceInfo{Index: 0, State: server.StateStarting, PID: 11, Restarts: 1,
		LastExit: "exit status 3", LastExitCode: 3})
	sets = scrape(t, ts.URL+MetricsPath)
	require.Equal(t, 1.0, value(t, sets, "daos_server_engine_state", map[string]string{"engine": "0", "state": "Starting"}))
	require.Equal(t, 0.0, value(t, sets, "daos_server_engine_state", map[string]string{"engine": "0", "state": "Ready"}))
	require.Equal(t, 1.0, value(t, sets, "daos_server_engine_restarts_total", map[string]string{"engine": "0"}))
	require.Equal(t, 3.0, value(t, sets, "daos_server_engine_last_exit_code", map[string]string{"engine": "0"}))
}

func TestDRPCMetrics(t *testing.T) {
	reg := NewRegistry()
	dir, err := os.MkdirTemp("", "tm")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	ds := drpc.NewServer(filepath.Join(dir, "s.sock"), drpc.ServerOptions{Observer: reg})
	ds.Register(drpc.ModuleSrv, drpc.MethodNotifyReady, func(context.Context, []byte) ([]byte, error) { return nil, nil })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, ds.Listen(ctx))
	served := make(chan error, 1)
	sctx, stop := context.WithCancel(ctx)
	go func() { served <- ds.Serve(sctx) }()
	c := drpc.NewClient(ds.Path(), 0)
	for range 2 {
		_, err := c.Call(ctx, drpc.ModuleSrv, drpc.MethodNotifyReady, nil)
		require.NoError(t, err)
	}
	c.Close()
	stop()
	require.NoError(t, <-served)

	ts := httptest.NewServer(Handler(reg.Gatherer(), nil))
	defer ts.Close()
	sets := scrape(t, ts.URL+MetricsPath)
	labels := map[string]string{"module": itoa(int(drpc.ModuleSrv)), "method": itoa(int(drpc.MethodNotifyReady))}
	require.Equal(t, 2.0, value(t, sets, "daos_server_drpc_requests_total",
		map[string]string{"module": labels["module"], "method": labels["method"], "status": "SUCCESS"}))
	h := sets["daos_server_drpc_request_duration_seconds"]
	require.Equal(t, "histogram", h.Type)
	require.Equal(t, uint64(2), *h.Metrics[0].Count)
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestGRPCInterceptor(t *testing.T) {
	reg := NewRegistry()
	info := &grpc.UnaryServerInfo{FullMethod: "/ctl.CtlSvc/StorageScan"}
	_, err := reg.UnaryInterceptor(context.Background(), nil, info, func(context.Context, any) (any, error) { return "ok", nil })
	require.NoError(t, err)
	ts := httptest.NewServer(Handler(reg.Gatherer(), nil))
	defer ts.Close()
	sets := scrape(t, ts.URL+MetricsPath)
	require.Equal(t, 1.0, value(t, sets, "daos_server_grpc_requests_total",
		map[string]string{"method": "/ctl.CtlSvc/StorageScan", "code": "OK"}))
}

func TestServeAndBadPorts(t *testing.T) {
	_, err := Listen("127.0.0.1", 70000)
	require.ErrorContains(t, err, "telemetry_port 70000")
	_, err = Listen("127.0.0.1", 0)
	require.ErrorContains(t, err, "0 disables")

	lis, err := Listen("127.0.0.1", freePort(t))
	require.NoError(t, err)
	port := lis.Addr().(*net.TCPAddr).Port
	_, err = Listen("127.0.0.1", port)
	require.ErrorContains(t, err, "telemetry_port")
	require.ErrorContains(t, err, "address already in use")

	reg := NewRegistry()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, lis, reg.Gatherer(), nil) }()
	sets := scrape(t, "http://"+lis.Addr().String()+MetricsPath)
	require.Contains(t, sets, "go_goroutines")
	cancel()
	require.NoError(t, <-done)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type fakeMgmt struct{ st mgmtsvc.Status }

func (f *fakeMgmt) Status() mgmtsvc.Status { return f.st }

func TestManagementMetrics(t *testing.T) {
	ms := &fakeMgmt{}
	eng := &fakeEngines{}
	eng.set(server.InstanceInfo{Index: 0, State: server.StateReady, Rank: 2, HasRank: true, Joined: true})
	reg := NewRegistry()
	require.NoError(t, reg.WatchManagement(ms))
	require.NoError(t, reg.WatchEngines(eng))
	ts := httptest.NewServer(Handler(reg.Gatherer(), nil))
	defer ts.Close()

	sets := scrape(t, ts.URL+MetricsPath)
	require.NotContains(t, sets, "daos_server_ms_raft_state", "a server without a replica reports raft state")
	require.Equal(t, 2.0, value(t, sets, "daos_server_engine_rank", map[string]string{"engine": "0"}))
	require.Equal(t, 1.0, value(t, sets, "daos_server_engine_joined", map[string]string{"engine": "0"}))

	ms.st = mgmtsvc.Status{Replica: true, RaftState: "Leader", Term: 4, LastIndex: 17, Leader: true, MapVersion: 9,
		Members: map[string]int{"joined": 2, "unresponsive": 1}}
	sets = scrape(t, ts.URL+MetricsPath)
	require.Equal(t, 1.0, value(t, sets, "daos_server_ms_raft_state", map[string]string{"state": "Leader"}))
	require.Equal(t, 0.0, value(t, sets, "daos_server_ms_raft_state", map[string]string{"state": "Follower"}))
	require.Equal(t, 4.0, value(t, sets, "daos_server_ms_raft_term", nil))
	require.Equal(t, 17.0, value(t, sets, "daos_server_ms_raft_last_index", nil))
	require.Equal(t, 9.0, value(t, sets, "daos_server_system_map_version", nil))
	require.Equal(t, 2.0, value(t, sets, "daos_server_system_members", map[string]string{"state": "joined"}))
	require.Equal(t, 1.0, value(t, sets, "daos_server_system_members", map[string]string{"state": "unresponsive"}))
	require.Equal(t, 0.0, value(t, sets, "daos_server_system_members", map[string]string{"state": "excluded"}))
}

type fakeIO struct{ fakeEngines }

func (f *fakeIO) EngineMetrics(context.Context, int) (*enginepb.MetricsResp, error) {
	return &enginepb.MetricsResp{
		BoundsS: []float64{0.001, 0.01},
		Ops: []*enginepb.OpStats{{Target: 2, Op: "update", Count: 5, Errors: 1, Bytes: 20480, LatencySumNs: 5e6, Buckets: []uint64{3, 1, 1},
			BySize: []*enginepb.SizeLatency{{Size: "4KB", Count: 5, LatencySumNs: 5e6, Buckets: []uint64{3, 1, 1}}}}},
		Shards: []*enginepb.ShardSpace{{Pool: "p1", Target: 2, ScmTotal: 100, ScmFree: 60, NvmeTotal: 1000, NvmeFree: 900}},
		Services: []*enginepb.PoolService{{Pool: "p1", Handles: 3, Containers: 7, MapVersion: 2,
			ContainersOpen: []*enginepb.ContainerStat{{Uuid: "c1", Label: "bench", Handles: 2}}}},
	}, nil
}

func TestEngineIOMetrics(t *testing.T) {
	io := &fakeIO{}
	io.set(server.InstanceInfo{Index: 0, State: server.StateReady, Rank: 4, HasRank: true},
		server.InstanceInfo{Index: 1, State: server.StateStopped})
	reg := NewRegistry()
	require.NoError(t, reg.WatchEngineIO(io))
	ts := httptest.NewServer(Handler(reg.Gatherer(), nil))
	defer ts.Close()
	sets := scrape(t, ts.URL+MetricsPath)
	labels := map[string]string{"rank": "4", "target": "2", "op": "update"}
	require.Equal(t, 5.0, value(t, sets, "engine_io_ops_total", labels))
	require.Equal(t, 1.0, value(t, sets, "engine_io_errors_total", labels))
	require.Equal(t, 20480.0, value(t, sets, "engine_io_bytes_total", labels))
	require.Contains(t, sets, "engine_io_latency_seconds")
	sized := sets["engine_io_size_latency_seconds"]
	require.NotNil(t, sized)
	require.Len(t, sized.Metrics, 1)
	m := sized.Metrics[0]
	require.Equal(t, map[string]string{"rank": "4", "target": "2", "op": "update", "size": "4KB"}, m.Labels)
	require.NotNil(t, m.Count)
	require.Equal(t, uint64(5), *m.Count)
	require.Equal(t, uint64(4), m.Buckets["0.01"], "3, then 1 more by 10 ms")
	require.Equal(t, 60.0, value(t, sets, "engine_pool_space_bytes", map[string]string{"pool": "p1", "tier": "scm", "kind": "free"}))
	svc := map[string]string{"rank": "4", "pool": "p1"}
	require.Equal(t, 3.0, value(t, sets, "engine_pool_handles", svc))
	require.Equal(t, 7.0, value(t, sets, "engine_pool_containers", svc))
	require.Equal(t, 2.0, value(t, sets, "engine_pool_map_version", svc))
	require.Equal(t, 2.0, value(t, sets, "engine_container_handles", map[string]string{"pool": "p1", "container": "c1", "label": "bench"}))
}
