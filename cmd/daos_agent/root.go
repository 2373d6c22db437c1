package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"google.golang.org/grpc/credentials"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/hardware"
)

// flags are daos_agent's global flags.
type flags struct {
	json       bool
	config     config.AgentFlags
	debug      bool
	jsonLog    bool
	allowProxy bool
}

// client makes the management service client with the proxy setting.
func (f *flags) client(cfg *config.Agent, creds credentials.TransportCredentials) *ctlclient.Client {
	c := ctlclient.NewWith(cfg.AccessPoints, creds)
	c.AllowProxy = f.allowProxy
	return c
}

// newRoot builds the command tree; `start` is also what runs with no
// subcommand, as in DAOS.
func newRoot() *cobra.Command {
	f := &flags{}
	root := cmdutil.NewRoot("daos_agent", "DAOS client agent", &f.json)
	pf := root.PersistentFlags()
	pf.StringVarP(&f.config.ConfigPath, "config-path", "o", "", "daos_agent.yml to read (default "+config.DefaultAgentConfigPath+")")
	pf.BoolVarP(&f.config.Insecure, "insecure", "i", false, "talk to the servers without TLS")
	pf.StringVarP(&f.config.RuntimeDir, "runtime_dir", "s", "", "directory for "+agent.SocketName)
	pf.StringVarP(&f.config.LogFile, "logfile", "l", "", "log to this file instead of stderr")
	pf.BoolVarP(&f.debug, "debug", "d", false, "log debug messages (overrides a higher control_log_mask)")
	pf.BoolVarP(&f.jsonLog, "json-logging", "J", false, "write log lines as JSON objects")
	pf.BoolVar(&f.allowProxy, "allow-proxy", false, "honour https_proxy/HTTPS_PROXY/NO_PROXY for gRPC to the servers (ignored by default)")
	start := startCommand(f)
	root.AddCommand(start, dumpAttachInfoCommand(f), dumpTopologyCommand(f), netScanCommand(f), serverVersionCommand(f), supportCommand(f))
	root.Args = cobra.NoArgs
	root.RunE = start.RunE
	return root
}

func startCommand(f *flags) *cobra.Command {
	return &cobra.Command{
		Use:   "start",
		Short: "Serve attach info and credentials to local DAOS clients",
		Long: `start loads daos_agent.yml and serves libdaos on <runtime_dir>/daos_agent.sock
(clients look in $DAOS_AGENT_DRPC_DIR instead when it is set) until SIGTERM
or SIGINT. Attach info is fetched from the management service through the
servers in access_points over gRPC and kept for cache_expiration minutes
(0: until restart; disable_caching: true, or DAOS_AGENT_DISABLE_CACHE=true,
fetches it every time).
Each client is given the fabric interface of its NUMA node (fabric_ifaces,
else a network scan). Credentials name the calling process's user and
groups, read from the socket, and are signed with the agent's certificate
key (transport_config.key), or with credential_config.signing_key when set;
servers check them with <client_cert_dir>/agent.crt. With allow_insecure
and no signing key they carry a digest instead, which servers accept only
in insecure mode.

Other daos_agent.yml keys:
  control_log_mask         log level: DISABLED, TRACE, DEBUG, INFO (default),
                           NOTICE or ERROR; -d lowers it to DEBUG.
  credential_config:
    cache_expiration       keep a signed credential per identity (uid, gid,
                           groups) this long, e.g. 1m; at most 2m30s, half
                           the 5m age past which servers refuse credentials.
    client_user_map        names for uids with no user entry on this node
                           (containers): {<uid>|default: {user, group,
                           groups}}. Only names are mapped: the uid and gid
                           in the credential stay the caller's own.
  exclude_fabric_ifaces,   leave out, or use only, these interfaces when the
  include_fabric_ifaces    agent scans (fabric_ifaces not set); not both.
  disable_auto_evict,      accepted; they concern pool handles, which clients
  enable_evict_on_start    of this build cannot open yet.
  telemetry_port, telemetry_enabled, telemetry_retain,
  telemetry_enabled_procs, telemetry_disabled_procs
                           checked as DAOS does; client telemetry comes with
                           libdaos, so no metrics endpoint is served yet.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.config.ConfigPathGiven = cmd.Flags().Changed("config-path")
			return run(cmd, f)
		},
	}
}

// disableCacheEnv turns the attach-info cache off, as in older DAOS
// agents, until daos_agent.yml's disable_caching is read.
const disableCacheEnv = "DAOS_AGENT_DISABLE_CACHE"

func run(cmd *cobra.Command, f *flags) error {
	cfg, err := config.ResolveAgent(f.config)
	if err != nil {
		return err
	}
	log, closeLog, err := cmdutil.OpenLog(logConfig(cfg, f, cmd.ErrOrStderr()))
	if err != nil {
		return fmt.Errorf("log_file: %w", err)
	}
	defer closeLog()

	creds, err := security.ClientCredentials(cfg.Transport, config.ComponentAgent)
	if err != nil {
		return fmt.Errorf("start: gRPC transport: %w", err)
	}
	signer, err := credentialSigner(cfg)
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	if signer.KeyID() == "" {
		log.Warn("allow_insecure: credentials carry a digest, not a signature; servers accept them only in insecure mode")
	}
	mgmt := f.client(cfg, creds)
	mgmt.Log = log
	a, err := agent.New(cfg, agent.Deps{
		Mgmt:         mgmt,
		Signer:       signer,
		Scanner:      hardware.DefaultNetworkScanner(),
		Logger:       log,
		DisableCache: cfg.DisableCaching || os.Getenv(disableCacheEnv) == "true",
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := a.Listen(ctx); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	for _, n := range agent.Notices(cfg) {
		log.Log(ctx, cmdutil.LevelNotice, n)
	}
	log.Info("daos_agent started", "config", cfg.String(), "system", cfg.Name, "access_points", cfg.AccessPoints,
		"socket", a.SocketPath(), "key_id", signer.KeyID(), "pid", os.Getpid(), "allow_proxy", f.allowProxy)
	if err := a.Serve(ctx); err != nil {
		return fmt.Errorf("daos_agent: %w", err)
	}
	log.Info("daos_agent stopped")
	return nil
}

// logConfig is the log daos_agent.yml and the flags ask for:
// control_log_mask (-d lowers it to DEBUG), log_file, and -J.
func logConfig(cfg *config.Agent, f *flags, stderr io.Writer) cmdutil.LogConfig {
	return cmdutil.LogConfig{Level: cmdutil.ParseLogMask(cfg.ControlLogMask), Debug: f.debug, JSON: f.jsonLog,
		File: cfg.LogFile, Stderr: stderr}
}

// credentialSigner picks the key credentials are signed with: the daos-go
// credential_config.signing_key when set, else (as DAOS) the agent's
// certificate key, transport_config.key; in insecure mode, with no
// signing key, a digest instead of a signature.
func credentialSigner(cfg *config.Agent) (*auth.Signer, error) {
	switch {
	case cfg.Credentials.SigningKey != "":
		return auth.LoadSigner(cfg.Credentials.SigningKey)
	case !cfg.Transport.AllowInsecure:
		return auth.LoadSigner(cfg.Transport.Key)
	}
	return auth.NewDigestSigner(), nil
}
