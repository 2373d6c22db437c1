package engine

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/logmask"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/rpc"
)

// ServerSocketName is daos_server's dRPC socket in socket_dir.
const ServerSocketName = "daos_server.sock"

// SocketPath is the dRPC socket an engine with process id pid listens on.
func SocketPath(socketDir string, pid int) string {
	return filepath.Join(socketDir, "daos_engine_"+strconv.Itoa(pid)+".sock")
}

// Options start an engine.
type Options struct {
	// Instance is the engine's index in the server's engines: list.
	Instance int
	// ServerSocket is the path of daos_server's dRPC socket.
	ServerSocket string
	// CallTimeout bounds each dRPC call to the server; 0 means 10 s.
	CallTimeout time.Duration
	Logger      *slog.Logger
	// PoolService makes the state machine of a pool's service; nil
	// means this engine hosts no pool services.
	PoolService func(pool poolhost.UUID) poolhost.Service
	// PoolInit makes a new pool service's first command; with
	// PoolService it lets the engine create pools.
	PoolInit PoolInit
	// LogLevels, if set, filter Logger (through a logmask.Handler): the
	// engine sets them from its configuration and SET_LOG_MASKS changes
	// them. Nil means Logger is not filtered here.
	LogLevels *logmask.Levels
	// LogEnv is D_LOG_MASK, DD_MASK and DD_SUBSYS from the environment.
	LogEnv LogEnv
	// Aggregation paces the background aggregation.
	Aggregation AggregationOptions
}

// Engine is a running engine's state.
type Engine struct {
	opts        Options
	cfg         *enginepb.EngineConfig
	sb          *superblock.Superblock
	incarnation uint64
	pings       atomic.Uint64
	member      membership
	dp          *dataPlane
	server      *drpc.Client // this engine's daos_server
	logs        logControl
	// smd is the identity of every configured bdev (smd.go).
	smd []smdDev
}

// Run runs the engine until ctx ends (a clean stop, nil) or something
// fails.
func Run(ctx context.Context, opts Options) error {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = 10 * time.Second
	}
	e := &Engine{opts: opts, incarnation: uint64(time.Now().UnixNano())}
	server := drpc.NewClient(opts.ServerSocket, 0)
	defer server.Close()
	e.server = server

	cfg, err := e.fetchConfig(ctx, server)
	if err != nil {
		return err
	}
	e.cfg = cfg
	e.logs = logControl{levels: opts.LogLevels, configured: configuredLogSettings(cfg.LogMask, opts.LogEnv, opts.Logger)}
	if e.logs.levels == nil {
		e.logs.levels = logmask.NewLevels(e.logs.configured)
	}
	e.logs.levels.Set(e.logs.configured)
	if e.sb, err = checkStorage(cfg); err != nil {
		return fmt.Errorf("engine %d: %w", opts.Instance, err)
	}
	if e.smd, err = loadSMD(cfg, e.sb); err != nil {
		return fmt.Errorf("engine %d: %w", opts.Instance, err)
	}

	dp, err := startDataPlane(ctx, cfg, opts.Logger, e.member.self, opts.PoolService, newHandleCache(engineHandles{e}), func(reg *rpc.Registry) error {
		return reg.Register(poolhost.OpConnect, "pool_connect", rpc.Handle(e.connect))
	})
	if err != nil {
		return fmt.Errorf("engine %d: %w", opts.Instance, err)
	}
	defer func() {
		if err := dp.close(); err != nil {
			opts.Logger.Warn("engine data plane did not close cleanly", "err", err)
		}
	}()
	e.dp = dp
	e.member.onKey = dp.ep.SetPeerKey
	dp.setMapSources(e.member.uris, e.poolServiceURIs)
	e.member.onRank = func(rank uint32) {
		if err := dp.pools.Reopen(rank); err != nil {
			opts.Logger.Error("pool services not reopened", "rank", rank, "err", err)
		}
		dp.learnMaps()
	}
	// Stopped before the data plane closes (defers run last first).
	agg := newAggregator(dp.targets, e.aggregationPolicy, opts.Aggregation, opts.Logger.With(logmask.SubsysKey, "vos"))
	aggCtx, stopAgg := context.WithCancel(ctx)
	aggDone := make(chan struct{})
	go func() {
		defer close(aggDone)
		agg.run(aggCtx)
	}()
	defer func() {
		stopAgg()
		<-aggDone
	}()

	sockPath := SocketPath(cfg.SocketDir, os.Getpid())
	mgmtLog := opts.Logger.With(logmask.SubsysKey, "mgmt")
	srv := drpc.NewServer(sockPath, drpc.ServerOptions{Logger: mgmtLog, AllowPeer: drpc.SameUser, Observer: callLogger{mgmtLog}})
	srv.Register(drpc.ModuleMgmt, drpc.MethodPingRank, e.ping)
	srv.Register(drpc.ModuleMgmt, drpc.MethodSetLogMasks, e.setLogMasks)
	srv.Register(drpc.ModuleMgmt, drpc.MethodSmdListDevs, e.smdListDevs)
	srv.Register(drpc.ModuleMgmt, drpc.MethodSmdListPools, e.smdListPools)
	e.member.register(srv)
	srv.Register(drpc.ModuleMgmt, drpc.MethodGetMetrics, func(context.Context, []byte) ([]byte, error) {
		return proto.Marshal(dp.metrics())
	})
	e.registerPool(srv)
	if err := srv.Listen(ctx); err != nil {
		return fmt.Errorf("engine %d: %w", opts.Instance, err)
	}
	served := make(chan error, 1)
	serveCtx, stopServing := context.WithCancel(ctx)
	defer stopServing()
	go func() { served <- srv.Serve(serveCtx) }()

	if err := e.notifyReady(ctx, server, sockPath); err != nil {
		stopServing()
		<-served
		return err
	}
	opts.Logger.Log(ctx, logmask.LevelEmit, "DAOS I/O Engine ready", "instance", opts.Instance, "pid", os.Getpid(),
		"uuid", e.sb.UUID, "targets", cfg.Targets, "helpers", cfg.NrXsHelpers, "socket", sockPath,
		"fabric", dp.ep.URI().String())

	select {
	case <-ctx.Done():
		<-served
		opts.Logger.Log(context.Background(), logmask.LevelEmit, "engine stopping", "instance", opts.Instance)
		return nil
	case err := <-served:
		return fmt.Errorf("engine %d: dRPC server stopped: %w", opts.Instance, err)
	}
}

func (e *Engine) call(ctx context.Context, c *drpc.Client, method drpc.Method, req, resp proto.Message) error {
	body, err := proto.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode request %d: %w", method, err)
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.CallTimeout)
	defer cancel()
	out, err := c.Call(ctx, drpc.ModuleSrv, method, body)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("decode reply to %d: %w", method, err)
	}
	return nil
}

func (e *Engine) fetchConfig(ctx context.Context, c *drpc.Client) (*enginepb.EngineConfig, error) {
	resp := &enginepb.GetEngineConfigResp{}
	req := &enginepb.GetEngineConfigReq{InstanceIdx: uint32(e.opts.Instance), Pid: int32(os.Getpid())}
	if err := e.call(ctx, c, drpc.MethodGetEngineConfig, req, resp); err != nil {
		return nil, fmt.Errorf("engine %d: get configuration from daos_server: %w", e.opts.Instance, err)
	}
	if resp.Status != 0 || resp.Config == nil {
		return nil, fmt.Errorf("engine %d: daos_server refused the configuration request (status %d)", e.opts.Instance, resp.Status)
	}
	if resp.Config.InstanceIdx != uint32(e.opts.Instance) {
		return nil, fmt.Errorf("engine %d: daos_server sent the configuration of engine %d", e.opts.Instance, resp.Config.InstanceIdx)
	}
	return resp.Config, nil
}

// checkStorage reads the superblock and checks that the bdevs are there.
func checkStorage(cfg *enginepb.EngineConfig) (*superblock.Superblock, error) {
	sb, err := superblock.Read(cfg.SuperblockPath)
	if err != nil {
		return nil, fmt.Errorf("storage not formatted: %w", err)
	}
	if sb.System != cfg.SystemName {
		return nil, fmt.Errorf("storage at %s was formatted for system %q, this server runs %q",
			cfg.SuperblockPath, sb.System, cfg.SystemName)
	}
	for _, t := range cfg.Bdevs {
		for _, dev := range t.Devices {
			fi, err := os.Stat(dev)
			if err != nil {
				return nil, fmt.Errorf("%s bdev: %w", t.Class, err)
			}
			if t.Class == "file" && uint64(fi.Size()) < t.SizeBytes {
				return nil, fmt.Errorf("file bdev %s has %d bytes, bdev_size asks for %d: reformat", dev, fi.Size(), t.SizeBytes)
			}
		}
	}
	return sb, nil
}

func (e *Engine) notifyReady(ctx context.Context, c *drpc.Client, sockPath string) error {
	req := &enginepb.NotifyReadyReq{
		Uri: e.dp.ep.URI().String(),
		// One endpoint serves every target (requests name the target).
		Nctxs:            1,
		DrpcListenerSock: sockPath,
		InstanceIdx:      uint32(e.opts.Instance),
		Ntgts:            e.cfg.Targets,
		Incarnation:      e.incarnation,
		Uuid:             e.sb.UUID,
		Pid:              int32(os.Getpid()),
	}
	resp := &enginepb.DaosResp{}
	if err := e.call(ctx, c, drpc.MethodNotifyReady, req, resp); err != nil {
		return fmt.Errorf("engine %d: notify daos_server of readiness: %w", e.opts.Instance, err)
	}
	if resp.Status != 0 {
		return fmt.Errorf("engine %d: daos_server rejected readiness (DER %d)", e.opts.Instance, resp.Status)
	}
	return nil
}

// ping answers MGMT PING_RANK: the engine is alive and serving dRPC.
func (e *Engine) ping(_ context.Context, body []byte) ([]byte, error) {
	req := &enginepb.PingRankReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("%w: %v", drpc.ErrBadPayload, err)
	}
	e.pings.Add(1)
	return proto.Marshal(&enginepb.DaosResp{Status: 0})
}
