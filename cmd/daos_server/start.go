package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"

	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlsvc"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/control/server"
	"github.com/daos-go/daos/pkg/control/storage"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/support"
	"github.com/daos-go/daos/pkg/telemetry"
)

// startCommand is `daos_server start`: load the config, check (or with
// --auto-format, format) each engine's storage, and run and supervise the
// engines until SIGTERM or SIGINT.
func startCommand(cf *configFlags, sc scanners) *cobra.Command {
	var (
		socketDir  string
		group      string
		autoFormat bool
		insecure   bool
		port       int
		ramAsDir   bool
		// Overrides of every engine's targets, nr_xs_helpers and
		// first_core, as DAOS's start takes them.
		targets, xsHelpers, firstCore int
	)
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the engines of this storage node and supervise them",
		Long: `Start loads daos_server.yml, checks that each engine's storage is formatted
(a superblock in its scm_mount), launches one daos_engine per engines: entry
and restarts engines that die, with exponential backoff. SIGTERM or SIGINT
stop all engines and then the server.

The daos_engine executable is looked for next to daos_server, then on PATH.
While it runs, daos_server serves the per-host gRPC control service that
dmg calls (storage scan and format, network scan, engine query) on port
(default 10001), with TLS unless transport_config.allow_insecure or
--insecure.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.load()
			if err != nil {
				return err
			}
			if cfg == nil {
				return errors.New("start: no server config; pass -o/--config or create " + defaultConfigPath)
			}
			if socketDir != "" {
				cfg.SocketDir = socketDir
			}
			changed := cmd.Flags().Changed
			if changed("group") {
				cfg.Name = group
			}
			if changed("port") {
				cfg.Port = port
			}
			for _, e := range cfg.Engines {
				if changed("targets") {
					e.Targets = targets
				}
				if changed("xshelpernr") {
					e.HelperStreams = xsHelpers
				}
				if changed("firstcore") {
					fc := firstCore
					e.FirstCore = &fc
				}
			}
			// The flags' values go through the config's own checks.
			if err := cfg.Validate(); err != nil {
				return fmt.Errorf("start: with the command-line overrides: %w", err)
			}
			log, closeLog, err := controlLogger(cfg, cf.log, cmd.ErrOrStderr())
			if err != nil {
				return fmt.Errorf("start: %w", err)
			}
			defer closeLog()
			log.Debug("daos_server config", "system", cfg.Name, "control_log_mask", cfg.ControlLogMask,
				"debug", cf.log.debug, "syslog", cf.log.syslog, "allow_proxy", cf.log.allowProxy)
			for _, n := range cfg.Notices() {
				log.Info("config notice", "notice", n)
			}
			// RAM disks are sized (scm_size 0) and checked against the
			// host's memory at start, whichever way the storage is
			// formatted later (CONTROL.md 1.4); as plain directories
			// they hold no RAM of their own and are only sized.
			ramBytes, err := ramDiskBytes(cmd.Context(), cfg, sc, !ramAsDir)
			if err != nil {
				return fmt.Errorf("start: %w", err)
			}
			if insecure {
				cfg.Transport.AllowInsecure = true
			}
			creds, err := security.ServerCredentials(cfg.Transport)
			if err != nil {
				return fmt.Errorf("start: gRPC transport: %w", err)
			}
			// Servers call each other (forwarded management calls, raft,
			// rank fan-out) with the server certificate.
			peerCreds, err := security.ClientCredentials(cfg.Transport, config.ComponentServer)
			if err != nil {
				return fmt.Errorf("start: gRPC transport to other servers: %w", err)
			}
			addr, err := resolveControlAddr(cmd.Context(), cfg)
			if err != nil {
				return fmt.Errorf("start: %w", err)
			}
			plane, err := newMgmtPlane(cfg, addr, ctlclient.DialOptions(peerCreds, cf.log.allowProxy), log)
			if err != nil {
				return fmt.Errorf("start: %w", err)
			}
			defer plane.close()
			bin, err := engineBinary()
			if err != nil && len(cfg.Engines) > 0 {
				return err
			}
			engineOut, closeOut, err := engineOutput(cfg, cmd.ErrOrStderr())
			if err != nil {
				return fmt.Errorf("start: %w", err)
			}
			defer closeOut()
			opts := server.Options{Config: cfg, EngineBinary: bin, AutoFormat: autoFormat, Logger: log,
				EngineOutput: engineOut, MS: plane.client, ControlAddr: addr.local,
				Credentials: credentialVerifier(cfg)}
			if opts.HostFaultDomain, err = faultDomain(cmd.Context(), cfg); err != nil {
				return fmt.Errorf("start: %w", err)
			}
			opts.RAMDiskBytes = ramBytes
			if ramAsDir {
				opts.Formatter = &storage.Formatter{Mounter: storage.SystemMounter{}, MountRAM: false, Logger: log}
			}
			metrics := telemetry.NewRegistry()
			opts.DRPCObserver = metrics
			srv, err := server.New(opts)
			if err != nil {
				return err
			}
			if err := metrics.WatchEngines(srv); err != nil {
				return fmt.Errorf("start: telemetry: %w", err)
			}
			if err := metrics.WatchManagement(plane.svc); err != nil {
				return fmt.Errorf("start: telemetry: %w", err)
			}
			if err := metrics.WatchEngineIO(srv); err != nil {
				return fmt.Errorf("start: telemetry: %w", err)
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			var telLis net.Listener
			if cfg.TelemetryPort > 0 {
				host, _, _ := net.SplitHostPort(addr.listen)
				if telLis, err = telemetry.Listen(host, cfg.TelemetryPort); err != nil {
					return fmt.Errorf("start: %w", err)
				}
				defer telLis.Close()
			}
			lis, err := net.Listen("tcp", addr.listen)
			if err != nil {
				return fmt.Errorf("start: listen for gRPC on %s: %w", addr.listen, err)
			}
			svc := &ctlsvc.Service{System: cfg.Name, Engines: srv, Ranks: srv, Storage: sc.storage, Network: sc.network,
				Topology: sc.topology, Logger: log, Support: &ctlsvc.SupportSource{Config: cfg, ConfigPath: cf.resolved(),
					Host: support.Host{Name: hostname(), Tool: "daos_server",
						Scanners: &hardware.HostScanners{Topology: sc.topology, Network: sc.network, Storage: sc.storage}}}}
			gctx, stopGRPC := context.WithCancel(context.Background())
			served := make(chan error, 1)
			gs := ctlsvc.NewGRPCServer(svc, creds, grpc.ChainUnaryInterceptor(metrics.UnaryInterceptor, plane.svc.Forwarder),
				grpc.ChainStreamInterceptor(metrics.StreamInterceptor))
			plane.register(gs)
			go func() { served <- ctlsvc.Serve(gctx, gs, lis, 5*time.Second) }()
			planeDone := make(chan struct{})
			go func() { plane.run(ctx, cfg, srv, log); close(planeDone) }()
			telServed := make(chan error, 1)
			if telLis != nil {
				go func() { telServed <- telemetry.Serve(gctx, telLis, metrics.Gatherer(), log) }()
				log.Info("telemetry endpoint serving", "addr", "http://"+telLis.Addr().String()+telemetry.MetricsPath)
			} else {
				telServed <- nil
				log.Info("telemetry disabled (telemetry_port is 0)")
			}
			log.Info("daos_server starting", "system", cfg.Name, "engines", len(cfg.Engines),
				"socket", srv.SocketPath(), "grpc", lis.Addr().String(), "control_addr", addr.local,
				"ms_replica", addr.replica, "insecure", cfg.Transport.AllowInsecure,
				"pid", os.Getpid())
			runErr := srv.Run(ctx)
			<-planeDone
			stopGRPC()
			if gErr := <-served; gErr != nil && runErr == nil {
				runErr = gErr
			}
			if tErr := <-telServed; tErr != nil && runErr == nil {
				runErr = tErr
			}
			if runErr != nil {
				return fmt.Errorf("daos_server: %w", runErr)
			}
			log.Info("daos_server stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&socketDir, "socket_dir", "d", "", "directory of the dRPC sockets (overrides socket_dir)")
	f.StringVarP(&group, "group", "g", "", "system name (overrides name)")
	f.BoolVar(&autoFormat, "auto-format", false, "format unformatted engine storage at start, with no dmg needed")
	f.BoolVarP(&insecure, "insecure", "i", false, "serve gRPC without TLS (transport_config.allow_insecure)")
	f.IntVarP(&port, "port", "p", 0, "gRPC control port (overrides port)")
	f.IntVarP(&targets, "targets", "t", 0, "targets of every engine (overrides engines[].targets)")
	f.IntVarP(&xsHelpers, "xshelpernr", "x", 0, "helper streams of every engine (overrides engines[].nr_xs_helpers)")
	f.IntVarP(&firstCore, "firstcore", "f", 0, "first core of every engine (overrides engines[].first_core)")
	f.BoolVar(&ramAsDir, "ram-scm-as-dir", false, "format class ram SCM as a plain directory, without mounting tmpfs (tests)")
	_ = f.MarkHidden("ram-scm-as-dir")
	return cmd
}

// engineBinary finds daos_engine next to this executable, else on PATH.
func engineBinary() (string, error) {
	if self, err := os.Executable(); err == nil {
		p := filepath.Join(filepath.Dir(self), "daos_engine")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("daos_engine")
	if err != nil {
		return "", fmt.Errorf("daos_engine not found next to daos_server or on PATH: %w", err)
	}
	return p, nil
}

// ramDiskBytes sizes ram-class SCM whose scm_size is 0 from the host's
// memory, as DAOS does.
func ramDiskBytes(ctx context.Context, cfg *config.Server, sc scanners, check bool) (uint64, error) {
	ram := false
	for _, e := range cfg.Engines {
		if s := e.SCM(); s != nil && s.Class == config.ClassRAM {
			ram = true
		}
	}
	if !ram {
		return 0, nil
	}
	topo, err := sc.topology.Scan(ctx)
	if err != nil {
		return 0, fmt.Errorf("read host memory: %w", err)
	}
	mem := config.MemInfo{TotalBytes: topo.MemTotalBytes, HugepagesBytes: topo.HugepagesBytes}
	if check {
		if err := cfg.CheckRAMDisks(mem); err != nil {
			return 0, err
		}
	}
	size, err := cfg.MaxRAMDiskBytes(mem)
	if err != nil && check {
		return 0, err
	}
	return size, nil
}

// credentialVerifier checks client credentials as DAOS servers do: with
// the public key of <client_cert_dir>/<origin>.crt, or, in insecure mode,
// by digest only.
func credentialVerifier(cfg *config.Server) *auth.Verifier {
	v := auth.NewVerifier()
	if cfg.Transport.AllowInsecure {
		v.Insecure = true
	} else {
		v.KeyByOrigin = auth.CertDirKeys(cfg.Transport.ClientCertDir)
	}
	return v
}
