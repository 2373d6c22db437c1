package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/hostlist"
)

// controller is the part of ctlclient.Client the commands use; tests may
// substitute their own.
type controller interface {
	StorageScan(ctx context.Context) []ctlclient.HostResult[*ctlpb.StorageScanResp]
	NetworkScan(ctx context.Context, provider string) []ctlclient.HostResult[*ctlpb.NetworkScanResp]
	StorageFormat(ctx context.Context, force bool) []ctlclient.HostResult[*ctlpb.StorageFormatResp]
	HardwareScan(ctx context.Context) []ctlclient.HostResult[*ctlclient.Hardware]
}

// globals are dmg's global flags.
type globals struct {
	json       bool
	configPath string
	hostList   string
	insecure   bool
	jsonLog    bool
	debug      bool
	logFile    string
	allowProxy bool

	log      *slog.Logger // set before any command runs
	closeLog func()
	started  time.Time
}

// openLog sets up dmg's own log (never stdout, so -j replies stay clean).
func (g *globals) openLog(cmd *cobra.Command) error {
	log, closeLog, err := cmdutil.OpenLog(cmdutil.LogConfig{
		Level: slog.LevelInfo, Debug: g.debug, JSON: g.jsonLog, File: g.logFile, Stderr: cmd.ErrOrStderr(),
	})
	if err != nil {
		return err
	}
	g.log, g.closeLog, g.started = log, closeLog, time.Now()
	g.log.Debug("dmg command", "command", cmd.CommandPath(), "allow_proxy", g.allowProxy)
	return nil
}

// logger is the log, or a discarding one when no command set it up
// (tests calling helpers directly).
func (g *globals) logger() *slog.Logger {
	if g.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return g.log
}

// config loads daos_control.yml with the flags applied.
func (g *globals) config() (*config.Control, error) {
	cfg, err := config.ResolveControl(config.ControlFlags{
		ConfigPath: g.configPath, HostList: g.hostList, Insecure: g.insecure,
		Search: config.ControlSearchPath(config.UserHome()),
	})
	if err != nil {
		return nil, err
	}
	g.logger().Debug("control config", "path", cfg.Path, "system", cfg.Name, "hosts", cfg.HostList,
		"insecure", cfg.Transport.AllowInsecure)
	return cfg, nil
}

// newClient makes the client for cfg with dmg's proxy and log settings.
func (g *globals) newClient(cfg *config.Control) (*ctlclient.Client, error) {
	c, err := ctlclient.New(cfg)
	if err != nil {
		return nil, err
	}
	c.AllowProxy, c.Log = g.allowProxy, g.logger()
	return c, nil
}

// client makes the fan-out client for the config's hosts.
func (g *globals) client() (controller, error) {
	cfg, err := g.config()
	if err != nil {
		return nil, err
	}
	return g.newClient(cfg)
}

// mgmt makes the management service client: the config's hosts, tried in
// order, and its system name.
func (g *globals) mgmt() (*ctlclient.Mgmt, error) {
	cfg, err := g.config()
	if err != nil {
		return nil, err
	}
	c, err := g.newClient(cfg)
	if err != nil {
		return nil, err
	}
	return c.Mgmt(cfg.Name), nil
}

func newRoot() *cobra.Command {
	root, _ := newRootGlobals()
	return root
}

// newRootGlobals also returns the parsed global flags, for tests.
func newRootGlobals() (*cobra.Command, *globals) {
	g := &globals{}
	root := cmdutil.NewRoot("dmg", "Administrative tool for managing DAOS clusters", &g.json)
	pf := root.PersistentFlags()
	pf.StringVarP(&g.configPath, "config-path", "o", "", "client config file (default ~/.daos_control.yml, then "+config.DefaultControlConfigPath+")")
	pf.StringVarP(&g.hostList, "host-list", "l", "", "hosts to call, e.g. node[1-4] or 127.0.0.1:10001 (overrides hostlist)")
	pf.BoolVarP(&g.insecure, "insecure", "i", false, "call without TLS (transport_config.allow_insecure)")
	pf.BoolVarP(&g.jsonLog, "json-logging", "J", false, "write log lines as JSON objects (to stderr or --log-file)")
	pf.BoolVarP(&g.debug, "debug", "d", false, "log what dmg does at DEBUG level: config, hosts called, requests, timings")
	pf.StringVar(&g.logFile, "log-file", "", "append log lines to this file instead of stderr")
	pf.BoolVar(&g.allowProxy, "allow-proxy", false, "honour https_proxy/HTTPS_PROXY/NO_PROXY for gRPC (ignored by default: a proxy breaks control-plane traffic)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error { return g.openLog(cmd) }
	// Not run when the command fails; the process exits then anyway.
	root.PersistentPostRun = func(cmd *cobra.Command, _ []string) {
		g.logger().Debug("dmg command done", "command", cmd.CommandPath(), "duration_ms", time.Since(g.started).Milliseconds())
		if g.closeLog != nil {
			g.closeLog()
		}
	}

	storage := &cobra.Command{Use: "storage", Short: "Scan and format the storage of the servers"}
	storage.AddCommand(storageScanCommand(g), storageFormatCommand(g), storageQueryCommand(g))
	network := &cobra.Command{Use: "network", Short: "Scan the servers' network interfaces"}
	network.AddCommand(networkScanCommand(g))
	tel := telemetryCommand(g)
	tel.AddCommand(telemetryConfigCommand(g))
	root.AddCommand(configCommand(g))
	root.AddCommand(storage, network, systemCommand(g), poolCommand(g), containerCommand(g), serverCommand(g), tel, serverVersionCommand(g),
		supportCommand(g))
	return root, g
}

// hostErrors collects failed hosts as DAOS's JSON host_errors: error
// text to the set of hosts that gave it.
type hostError struct {
	Hosts string `json:"hosts"`
	Error string `json:"error"`
}

// groupHosts joins host addresses into a compressed host set.
func groupHosts(hosts []string) string { return hostlist.Compress(hosts) }

// collect groups hosts by a key of their result: failed hosts by error,
// others by key(resp). It returns the groups in order of first host.
type group[T any] struct {
	hosts []string
	resp  T
}

func collect[T any](res []ctlclient.HostResult[T], key func(T) string) (ok []group[T], errs map[string]hostError) {
	errs = map[string]hostError{}
	failed := map[string][]string{}
	index := map[string]int{}
	for _, r := range res {
		if r.Err != nil {
			failed[r.Err.Error()] = append(failed[r.Err.Error()], r.Host)
			continue
		}
		k := key(r.Resp)
		if i, seen := index[k]; seen {
			ok[i].hosts = append(ok[i].hosts, r.Host)
			continue
		}
		index[k] = len(ok)
		ok = append(ok, group[T]{hosts: []string{r.Host}, resp: r.Resp})
	}
	for msg, hosts := range failed {
		set := groupHosts(hosts)
		errs[set] = hostError{Hosts: set, Error: msg}
	}
	return ok, errs
}

func errorTexts(errs map[string]hostError) map[string]string {
	out := make(map[string]string, len(errs))
	for k, v := range errs {
		out[k] = v.Error
	}
	return out
}
