// Command daos_engine is the data-plane engine that daos_server starts for
// each configured engine. daos_server runs it as
//
//	daos_engine -I <engine index> -d <socket_dir>
//
// (or with --server-socket naming daos_server's dRPC socket directly;
// the environment variable DAOS_SERVER_SOCKET does the same). The engine
// then fetches its configuration from the server over dRPC, checks its
// storage, listens on <socket_dir>/daos_engine_<pid>.sock and reports
// ready. SIGTERM or SIGINT stop it cleanly. See pkg/engine for what it
// does and does not do yet.
package main

import (
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/engine"
	"github.com/daos-go/daos/pkg/engine/logmask"
)

// serverSocketEnv names daos_server's dRPC socket when the flag is unset.
const serverSocketEnv = "DAOS_SERVER_SOCKET"

// cpuProfileEnv names a directory where the engine writes a CPU profile of
// its whole run (engine-<pid>.prof), for developers measuring the data path
// across processes; daos_server passes its environment on to engines.
const cpuProfileEnv = "DAOS_GO_ENGINE_CPUPROFILE"

// traceEnv is cpuProfileEnv for execution traces (engine-<pid>.trace).
const traceEnv = "DAOS_GO_ENGINE_TRACE"

// Aggregation pacing (durations such as 10s; see engine.AggregationOptions),
// set in an engine's env_vars.
const (
	aggIntervalEnv = "DAOS_GO_AGG_INTERVAL"
	aggWindowEnv   = "DAOS_GO_AGG_WINDOW"
)

// aggregationOptions reads the aggregation pacing from the environment.
func aggregationOptions(getenv func(string) string) (engine.AggregationOptions, error) {
	var o engine.AggregationOptions
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{aggIntervalEnv, &o.Interval}, {aggWindowEnv, &o.Window}} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("%s=%q: want a positive duration such as 10s", v.name, s)
		}
		*v.dst = d
	}
	return o, nil
}

func main() { cmdutil.Main(newRoot()) }

func newRoot() *cobra.Command {
	var jsonOut bool
	root := cmdutil.NewRoot("daos_engine", "DAOS I/O engine (started by daos_server)", &jsonOut)
	var (
		instance     int
		socketDir    string
		serverSocket string
	)
	root.Args = cobra.NoArgs
	root.Flags().IntVarP(&instance, "instance", "I", 0, "index of this engine in the server's engines: list")
	root.Flags().StringVarP(&socketDir, "socket_dir", "d", "/var/run/daos_server", "directory of daos_server's dRPC socket")
	root.Flags().StringVar(&serverSocket, "server-socket", "", "path of daos_server's dRPC socket (default <socket_dir>/daos_server.sock, or $"+serverSocketEnv+")")
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if serverSocket == "" {
			serverSocket = os.Getenv(serverSocketEnv)
		}
		if serverSocket == "" {
			serverSocket = filepath.Join(socketDir, engine.ServerSocketName)
		}
		agg, err := aggregationOptions(os.Getenv)
		if err != nil {
			return err
		}
		stopProfile, err := cmdutil.CPUProfile(cpuProfileEnv, "engine")
		if err != nil {
			return err
		}
		defer stopProfile()
		stopTrace, err := cmdutil.ExecTrace(traceEnv, "engine")
		if err != nil {
			return err
		}
		defer stopTrace()
		ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		// The text handler passes every level; the logmask handler in
		// front of it applies log_mask, which SET_LOG_MASKS can change.
		env := engine.LogEnv{Mask: os.Getenv("D_LOG_MASK"), Streams: os.Getenv("DD_MASK"), Subsystems: os.Getenv("DD_SUBSYS")}
		levels := logmask.NewLevels(startLogSettings(env))
		text := slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: logmask.LevelDebug, ReplaceAttr: logmask.ReplaceLevel})
		log := slog.New(logmask.NewHandler(text, levels)).With("engine", instance)
		return engine.Run(ctx, engine.Options{Instance: instance, ServerSocket: serverSocket, Logger: log,
			PoolService: poolService, PoolInit: poolInit, LogLevels: levels, LogEnv: env, Aggregation: agg})
	}
	return root
}

// startLogSettings are the log settings until the configuration comes
// from daos_server: D_LOG_MASK if it is valid, else the default.
func startLogSettings(env engine.LogEnv) logmask.Settings {
	m, err := logmask.Parse(env.Mask)
	if err != nil {
		m, _ = logmask.Parse(engine.DefaultLogMask)
	}
	return logmask.Settings{Mask: m, Streams: env.Streams, Subsystems: env.Subsystems}
}
