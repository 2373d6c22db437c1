package main

import (
	"context"

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
}

// config loads daos_control.yml with the flags applied.
func (g *globals) config() (*config.Control, error) {
	return config.ResolveControl(config.ControlFlags{
		ConfigPath: g.configPath, HostList: g.hostList, Insecure: g.insecure,
		Search: config.ControlSearchPath(config.UserHome()),
	})
}

// client makes the fan-out client for the config's hosts.
func (g *globals) client() (controller, error) {
	cfg, err := g.config()
	if err != nil {
		return nil, err
	}
	return ctlclient.New(cfg)
}

// mgmt makes the management service client: the config's hosts, tried in
// order, and its system name.
func (g *globals) mgmt() (*ctlclient.Mgmt, error) {
	cfg, err := g.config()
	if err != nil {
		return nil, err
	}
	c, err := ctlclient.New(cfg)
	if err != nil {
		return nil, err
	}
	return c.Mgmt(cfg.Name), nil
}

func newRoot() *cobra.Command {
	g := &globals{}
	root := cmdutil.NewRoot("dmg", "Administrative tool for managing DAOS clusters", &g.json)
	pf := root.PersistentFlags()
	pf.StringVarP(&g.configPath, "config-path", "o", "", "client config file (default ~/.daos_control.yml, then "+config.DefaultControlConfigPath+")")
	pf.StringVarP(&g.hostList, "host-list", "l", "", "hosts to call, e.g. node[1-4] or 127.0.0.1:10001 (overrides hostlist)")
	pf.BoolVarP(&g.insecure, "insecure", "i", false, "call without TLS (transport_config.allow_insecure)")

	storage := &cobra.Command{Use: "storage", Short: "Scan and format the storage of the servers"}
	storage.AddCommand(storageScanCommand(g), storageFormatCommand(g), storageQueryCommand(g))
	network := &cobra.Command{Use: "network", Short: "Scan the servers' network interfaces"}
	network.AddCommand(networkScanCommand(g))
	tel := telemetryCommand(g)
	tel.AddCommand(telemetryConfigCommand(g))
	root.AddCommand(configCommand(g))
	root.AddCommand(storage, network, systemCommand(g), poolCommand(g), containerCommand(g), serverCommand(g), tel, serverVersionCommand(g))
	return root
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
