package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/storage"
	"github.com/daos-go/daos/pkg/control/superblock"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine"
	"github.com/daos-go/daos/pkg/engine/enginepb"
)

// ActiveConfigName is the copy of the running config in socket_dir.
const ActiveConfigName = ".daos_server.active.yml"

// Options configure a Server; zero durations take the defaults noted.
type Options struct {
	Config *config.Server
	// EngineBinary is the daos_engine executable.
	EngineBinary string
	// EngineOutput receives the engines' stdout and stderr; nil means
	// os.Stderr.
	EngineOutput io.Writer
	// Formatter formats storage; nil means storage.NewFormatter.
	Formatter *storage.Formatter
	// AutoFormat formats unformatted engines at start instead of waiting.
	AutoFormat bool
	// RAMDiskBytes sizes tmpfs SCM whose scm_size is 0 (auto).
	RAMDiskBytes uint64
	// HostFaultDomain is recorded in new superblocks.
	HostFaultDomain string
	Logger          *slog.Logger
	// SysfsRoot is where the NUMA nodes' CPU lists are read for
	// pinned_numa_node; default /sys.
	SysfsRoot string

	RestartBackoffMin time.Duration // default 500 ms
	RestartBackoffMax time.Duration // default 30 s
	// StableRun is how long an engine must run for its restart backoff
	// to start over; default 60 s.
	StableRun time.Duration
	// StopTimeout is how long a stopping engine gets after SIGTERM
	// before SIGKILL; default 10 s.
	StopTimeout time.Duration
	// CallTimeout bounds dRPC calls to engines; default 10 s.
	CallTimeout time.Duration
	// DRPCObserver, if set, is told of every call served on
	// daos_server.sock (metrics).
	DRPCObserver drpc.CallObserver

	// MS reaches the management service (through any server, which
	// forwards to the leader). With nil, engines run without joining a
	// system (tests of supervision alone).
	MS mgmtpb.MgmtSvcClient
	// ControlAddr is this server's control address as other servers
	// reach it (host:port), sent in joins.
	ControlAddr string
	// JoinRetry is the pause between join attempts; default 1 s.
	JoinRetry time.Duration
	// Credentials checks client credentials for engines (SEC
	// VALIDATE_CREDS); nil refuses them all.
	Credentials CredVerifier
	// MembershipInterval is how often joined engines are checked against
	// the management service's view and sent new group maps; default 1 s.
	MembershipInterval time.Duration
}

// Server supervises the engines of one daos_server.
type Server struct {
	opts      Options
	cfg       *config.Server
	log       *slog.Logger
	format    *storage.Formatter
	sockPath  string
	instances []*instance

	mu       sync.Mutex
	runCtx   context.Context // set by Run; engines live as long as it
	joinedCh chan struct{}   // closed and replaced whenever an engine joins
}

// New checks the options and builds the server's engine instances.
func New(opts Options) (*Server, error) {
	if opts.Config == nil {
		return nil, errors.New("new server: no config")
	}
	if opts.EngineBinary == "" && len(opts.Config.Engines) > 0 {
		return nil, errors.New("new server: no daos_engine binary given")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.EngineOutput == nil {
		opts.EngineOutput = os.Stderr
	}
	if opts.Formatter == nil {
		opts.Formatter = storage.NewFormatter(opts.Logger)
	}
	setDefault(&opts.RestartBackoffMin, 500*time.Millisecond)
	setDefault(&opts.RestartBackoffMax, 30*time.Second)
	setDefault(&opts.StableRun, time.Minute)
	setDefault(&opts.StopTimeout, 10*time.Second)
	setDefault(&opts.CallTimeout, 10*time.Second)
	setDefault(&opts.JoinRetry, time.Second)
	setDefault(&opts.MembershipInterval, time.Second)
	s := &Server{
		joinedCh: make(chan struct{}),
		opts:     opts,
		cfg:      opts.Config,
		log:      opts.Logger,
		format:   opts.Formatter,
		sockPath: filepath.Join(opts.Config.SocketDir, engine.ServerSocketName),
	}
	cm := ""
	if opts.Config.ControlMetadata != nil {
		cm = opts.Config.ControlMetadata.Path
	}
	for i, e := range opts.Config.Engines {
		s.instances = append(s.instances, &instance{
			idx:       i,
			storage:   storage.Engine{Index: i, Config: e, ControlMetadataPath: cm},
			state:     StateAwaitFormat,
			formatted: make(chan struct{}),
		})
	}
	return s, nil
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d <= 0 {
		*d = v
	}
}

// SocketPath is daos_server.sock.
func (s *Server) SocketPath() string { return s.sockPath }

// Run serves the engines until ctx ends, then stops them all and
// returns. Unformatted engines wait in AwaitFormat unless AutoFormat.
func (s *Server) Run(ctx context.Context) error {
	if fi, err := os.Stat(s.cfg.SocketDir); err != nil || !fi.IsDir() {
		return fmt.Errorf("socket_dir %s must be an existing directory: %v", s.cfg.SocketDir, err)
	}
	if err := s.removeStaleEngineSockets(ctx); err != nil {
		return err
	}
	if err := s.writeActiveConfig(); err != nil {
		return err
	}
	ds := drpc.NewServer(s.sockPath, drpc.ServerOptions{Logger: s.log, AllowPeer: drpc.SameUser,
		Observer: s.opts.DRPCObserver})
	ds.Register(drpc.ModuleSrv, drpc.MethodGetEngineConfig, s.handleGetEngineConfig)
	ds.Register(drpc.ModuleSrv, drpc.MethodNotifyReady, s.handleNotifyReady)
	ds.Register(drpc.ModuleSec, drpc.MethodValidateCreds, s.handleValidateCreds)
	ds.Register(drpc.ModuleSrv, drpc.MethodPoolFindByLabel, s.handlePoolFind)
	if err := ds.Listen(ctx); err != nil {
		return fmt.Errorf("start daos_server dRPC: %w", err)
	}
	dctx, stopDRPC := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ds.Serve(dctx) }()

	s.mu.Lock()
	s.runCtx = ctx
	s.mu.Unlock()
	if len(s.instances) == 0 {
		s.log.Info("no engines configured: running in discovery mode")
	}
	if s.opts.MS != nil {
		go s.watchMembership(ctx)
	}
	for _, in := range s.instances {
		if err := s.bringUp(ctx, in); err != nil {
			s.log.Error("engine not started", "engine", in.idx, "err", err)
		}
	}
	<-ctx.Done()
	s.log.Info("stopping engines")
	stopCtx, cancel := context.WithTimeout(context.Background(), s.opts.StopTimeout+5*time.Second)
	defer cancel()
	err := s.StopEngines(stopCtx)
	stopDRPC()
	if dErr := <-served; err == nil {
		err = dErr
	}
	return err
}

// bringUp starts a formatted engine, formats one when AutoFormat is set,
// or leaves it waiting for a format.
func (s *Server) bringUp(ctx context.Context, in *instance) error {
	sb, err := s.format.Superblock(in.storage)
	if err != nil {
		in.setState(StateAwaitFormat)
		return err
	}
	if sb == nil && s.opts.AutoFormat {
		if sb, err = s.formatInstance(ctx, in, false); err != nil {
			return err
		}
	}
	if sb == nil {
		in.setState(StateAwaitFormat)
		s.log.Warn("engine storage is not formatted; waiting for a format (dmg storage format, or restart with --auto-format)",
			"engine", in.idx, "superblock", in.storage.SuperblockPath())
		return nil
	}
	if sb.System != s.cfg.Name {
		in.setState(StateAwaitFormat)
		return fmt.Errorf("storage was formatted for system %q, the config says %q: reformat with force, or fix name",
			sb.System, s.cfg.Name)
	}
	in.adopt(sb)
	return s.startInstance(in)
}

func (s *Server) instance(idx int) (*instance, error) {
	if idx < 0 || idx >= len(s.instances) {
		return nil, daos.Errorf(daos.ErrNonexist, "engine %d: the config has %d engines", idx, len(s.instances))
	}
	return s.instances[idx], nil
}

// Instances returns a snapshot of every engine instance.
func (s *Server) Instances() []InstanceInfo {
	out := make([]InstanceInfo, 0, len(s.instances))
	for _, in := range s.instances {
		out = append(out, in.info())
	}
	return out
}

// startInstance launches the supervisor if none runs.
func (s *Server) startInstance(in *instance) error {
	s.mu.Lock()
	ctx := s.runCtx
	s.mu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return fmt.Errorf("start engine %d: the server is not running", in.idx)
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.done != nil {
		select {
		case <-in.done:
		default:
			return nil // already supervised
		}
	}
	in.stopReq, in.done = make(chan struct{}), make(chan struct{})
	// Starting from now, so a caller waiting for the engine to join does
	// not read the previous process's Errored before the launch.
	in.state = StateStarting
	go s.supervise(ctx, in, in.stopReq, in.done)
	return nil
}

// StartEngine starts a formatted, stopped engine (what `dmg system
// start` will do). Starting a running engine is not an error.
func (s *Server) StartEngine(ctx context.Context, idx int) error {
	in, err := s.instance(idx)
	if err != nil {
		return err
	}
	sb, err := s.format.Superblock(in.storage)
	if err != nil {
		return fmt.Errorf("start engine %d: %w", idx, err)
	}
	if sb == nil {
		return daos.Errorf(daos.ErrUninit, "start engine %d: storage is not formatted", idx)
	}
	in.adopt(sb)
	return s.startInstance(in)
}

// StopEngine stops one engine and waits until its process is gone or
// ctx ends. Stopping a stopped engine is not an error.
func (s *Server) StopEngine(ctx context.Context, idx int) error {
	in, err := s.instance(idx)
	if err != nil {
		return err
	}
	in.mu.Lock()
	stopReq, done := in.stopReq, in.done
	in.stopReq = nil
	in.mu.Unlock()
	if done == nil {
		return nil
	}
	if stopReq != nil {
		close(stopReq)
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("stop engine %d: %w", idx, ctx.Err())
	}
}

// StopEngines stops every engine concurrently.
func (s *Server) StopEngines(ctx context.Context) error {
	errs := make([]error, len(s.instances))
	var wg sync.WaitGroup
	for i := range s.instances {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.StopEngine(ctx, i)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// FormatEngine formats an engine's storage (what `dmg storage format`
// will do). Formatted storage is refused unless force; with force a
// running engine is stopped first, and restarted on its new storage.
func (s *Server) FormatEngine(ctx context.Context, idx int, force bool) (*superblock.Superblock, error) {
	in, err := s.instance(idx)
	if err != nil {
		return nil, err
	}
	running := in.info().PID != 0
	if running && !force {
		return nil, daos.Errorf(daos.ErrBusy, "format engine %d: it is running; stop it first or use force", idx)
	}
	if running {
		if err := s.StopEngine(ctx, idx); err != nil {
			return nil, fmt.Errorf("format engine %d: %w", idx, err)
		}
	}
	sb, err := s.formatInstance(ctx, in, force)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	serving := s.runCtx != nil && s.runCtx.Err() == nil
	s.mu.Unlock()
	if serving {
		if err := s.bringUp(ctx, in); err != nil {
			return sb, err
		}
	} else {
		in.setState(StateStopped)
	}
	return sb, nil
}

func (s *Server) formatInstance(ctx context.Context, in *instance, force bool) (*superblock.Superblock, error) {
	sb, err := s.format.Format(ctx, storage.FormatRequest{
		Engine:          in.storage,
		System:          s.cfg.Name,
		HostFaultDomain: s.opts.HostFaultDomain,
		RAMDiskBytes:    s.opts.RAMDiskBytes,
		Force:           force,
	})
	if err != nil {
		return nil, err
	}
	in.adopt(sb)
	in.setState(StateStopped)
	return sb, nil
}

// PingEngine checks over dRPC that a ready engine answers.
func (s *Server) PingEngine(ctx context.Context, idx int) error {
	in, err := s.instance(idx)
	if err != nil {
		return err
	}
	in.mu.Lock()
	client, state := in.client, in.state
	in.mu.Unlock()
	if client == nil || state != StateReady {
		return daos.Errorf(daos.ErrUnreach, "ping engine %d: it is not ready (state %s)", idx, state)
	}
	body, _ := proto.Marshal(&enginepb.PingRankReq{})
	ctx, cancel := context.WithTimeout(ctx, s.opts.CallTimeout)
	defer cancel()
	out, err := client.Call(ctx, drpc.ModuleMgmt, drpc.MethodPingRank, body)
	if err != nil {
		return fmt.Errorf("ping engine %d: %w", idx, err)
	}
	resp := &enginepb.DaosResp{}
	if err := proto.Unmarshal(out, resp); err != nil {
		return fmt.Errorf("ping engine %d: decode reply: %w", idx, err)
	}
	if resp.Status != 0 {
		return fmt.Errorf("ping engine %d: %w", idx, daos.FromCode(int(resp.Status)))
	}
	return nil
}

// removeStaleEngineSockets removes daos_engine*.sock files left by
// engines of an earlier run; a socket still being served is an error.
func (s *Server) removeStaleEngineSockets(ctx context.Context) error {
	matches, err := filepath.Glob(filepath.Join(s.cfg.SocketDir, "daos_engine*.sock"))
	if err != nil {
		return fmt.Errorf("list old engine sockets: %w", err)
	}
	for _, m := range matches {
		if err := drpc.RemoveStaleSocket(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) writeActiveConfig() error {
	data, err := s.cfg.Marshal()
	if err != nil {
		return fmt.Errorf("write active config: %w", err)
	}
	path := filepath.Join(s.cfg.SocketDir, ActiveConfigName)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write active config: %w", err)
	}
	return nil
}
