package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/support"
)

// supportCommand is `daos_server support collect-log`: this host's part
// of what `dmg support collect-log` gathers from the whole system.
func supportCommand(jsonOut *bool, cf *configFlags, sc scanners) *cobra.Command {
	sup := &cobra.Command{Use: "support", Short: "Gather what DAOS support needs from this host"}
	var req support.Request
	collect := &cobra.Command{
		Use:   "collect-log",
		Short: "Copy this host's server config, logs and hardware information into a folder",
		Long: `collect-log copies into the target folder the server config (and the active
copy <socket_dir>/` + support.ActiveConfigName + ` when present), the control log
(control_log_file), helper_log_file and every engine's log_file, cut to the
-D/-F/-S/-E window, and the output of dump-topology, network scan, storage
scan and version. Items that cannot be collected are listed in
` + support.SummaryName + ` and the rest continue, unless -s.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := cf.load()
			if err != nil {
				return err
			}
			path := ""
			if cfg != nil {
				path = cf.resolved()
			}
			host := support.Host{Name: hostname(), Tool: "daos_server",
				Scanners: &hardware.HostScanners{Topology: sc.topology, Network: sc.network, Storage: sc.storage}}
			rep, err := support.Local(cmd.Context(), req, host.Name, func(t support.LogTypes) []support.Item {
				return support.ServerItems(cfg, path, host, t, req.ExtraLogsDir)
			})
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(rep, func(w io.Writer) error { return rep.Print(w) })
		},
	}
	support.BindFlags(collect.Flags(), &req, false, "s")
	sup.AddCommand(collect)
	return sup
}
