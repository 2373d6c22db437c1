package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/server"
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
	)
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the engines of this storage node and supervise them",
		Long: `Start loads daos_server.yml, checks that each engine's storage is formatted
(a superblock in its scm_mount), launches one daos_engine per engines: entry
and restarts engines that die, with exponential backoff. SIGTERM or SIGINT
stop all engines and then the server.

The daos_engine executable is looked for next to daos_server, then on PATH.
The gRPC control service (dmg) is not served yet.`,
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
			if group != "" {
				cfg.Name = group
			}
			log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			for _, n := range cfg.Notices() {
				log.Info("config notice", "notice", n)
			}
			if insecure {
				log.Info("--insecure accepted: the gRPC control service is not served yet")
			}
			bin, err := engineBinary()
			if err != nil && len(cfg.Engines) > 0 {
				return err
			}
			opts := server.Options{Config: cfg, EngineBinary: bin, AutoFormat: autoFormat, Logger: log,
				EngineOutput: cmd.ErrOrStderr(), HostFaultDomain: cfg.FaultPath}
			if opts.HostFaultDomain == "" {
				opts.HostFaultDomain = "/" + hostname()
			}
			if autoFormat {
				if opts.RAMDiskBytes, err = ramDiskBytes(cmd.Context(), cfg, sc); err != nil {
					log.Warn("cannot size automatic RAM disks", "err", err)
				}
			}
			srv, err := server.New(opts)
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
			defer stop()
			log.Info("daos_server starting", "system", cfg.Name, "engines", len(cfg.Engines),
				"socket", srv.SocketPath(), "pid", os.Getpid())
			if err := srv.Run(ctx); err != nil {
				return fmt.Errorf("daos_server: %w", err)
			}
			log.Info("daos_server stopped")
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&socketDir, "socket_dir", "d", "", "directory of the dRPC sockets (overrides socket_dir)")
	f.StringVarP(&group, "group", "g", "", "system name (overrides name)")
	f.BoolVar(&autoFormat, "auto-format", false, "format unformatted engine storage at start, with no dmg needed")
	f.BoolVarP(&insecure, "insecure", "i", false, "accepted for compatibility: no gRPC service is served yet")
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
func ramDiskBytes(ctx context.Context, cfg *config.Server, sc scanners) (uint64, error) {
	if len(cfg.Engines) == 0 {
		return 0, nil
	}
	topo, err := sc.topology.Scan(ctx)
	if err != nil {
		return 0, fmt.Errorf("read host memory: %w", err)
	}
	return cfg.MaxRAMDiskBytes(config.MemInfo{TotalBytes: topo.MemTotalBytes, HugepagesBytes: topo.HugepagesBytes})
}
