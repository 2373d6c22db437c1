package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/support"
)

// supportCommand is `daos_agent support collect-log`. Its stop-on-error
// flag has no -s: daos_agent's global -s is --runtime_dir.
func supportCommand(f *flags) *cobra.Command {
	sup := &cobra.Command{Use: "support", Short: "Gather what DAOS support needs from this host"}
	var req support.Request
	collect := &cobra.Command{
		Use:   "collect-log",
		Short: "Copy this host's agent config, log and hardware information into a folder",
		Long: `collect-log copies into the target folder daos_agent.yml, the agent's
log_file cut to the -D/-F/-S/-E window, and the output of dump-topology,
net-scan and version. Items that cannot be collected are listed in
` + support.SummaryName + ` and the rest continue, unless -s.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.config.ConfigPathGiven = cmd.Flags().Changed("config-path")
			cfg, err := config.ResolveAgent(f.config)
			if err != nil {
				return err
			}
			hs := hostScanners()
			host := support.Host{Name: hostname(), Tool: "daos_agent", Scanners: &hs}
			rep, err := support.Local(cmd.Context(), req, host.Name, func(t support.LogTypes) []support.Item {
				return support.AgentItems(cfg, host, t, req.ExtraLogsDir)
			})
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: &f.json, Out: cmd.OutOrStdout()}.Print(rep, func(w io.Writer) error { return rep.Print(w) })
		},
	}
	support.BindFlags(collect.Flags(), &req, false, "")
	sup.AddCommand(collect)
	return sup
}
