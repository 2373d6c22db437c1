package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/security"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
)

// serverVersionCommand is `daos_agent server-version`: the version the
// management service reports in its attach info, asked through
// access_points as the agent itself does (and as `daos server-version`
// gets it through the agent).
func serverVersionCommand(f *flags) *cobra.Command {
	return &cobra.Command{
		Use:   "server-version",
		Short: "Print the DAOS servers' version, as the management service reports it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.config.ConfigPathGiven = cmd.Flags().Changed("config-path")
			cfg, err := config.ResolveAgent(f.config)
			if err != nil {
				return err
			}
			creds, err := security.ClientCredentials(cfg.Transport, config.ComponentAgent)
			if err != nil {
				return fmt.Errorf("server-version: gRPC transport: %w", err)
			}
			resp, err := agent.FetchAttachInfo(cmd.Context(), f.client(cfg, creds), cfg.Name)
			if err != nil {
				return fmt.Errorf("server-version: %w", err)
			}
			b := resp.GetBuildInfo()
			if b == nil {
				return daos.Errorf(daos.ErrNonexist, "server-version: the management service did not report a version")
			}
			v := pretty.ServerVersion{Major: b.Major, Minor: b.Minor, Patch: b.Patch, Tag: b.Tag}
			return cmdutil.Printer{JSON: &f.json, Out: cmd.OutOrStdout()}.Print(v, v.Print)
		},
	}
}
