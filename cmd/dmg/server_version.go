package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
)

// serverVersionCommand is `dmg server-version`: the version the
// management service reports in its attach info, the same source
// `daos server-version` and `daos_agent server-version` read.
func serverVersionCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "server-version",
		Short: "Print the DAOS servers' version, as the management service reports it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ctlclient.MgmtCall(cmd.Context(), ms.Client, 0,
				func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.GetAttachInfoResp, error) {
					return c.GetAttachInfo(ctx, &mgmtpb.GetAttachInfoReq{Sys: ms.System})
				})
			if err != nil {
				return fmt.Errorf("server-version: %w", err)
			}
			b := resp.GetBuildInfo()
			if b == nil {
				return daos.Errorf(daos.ErrNonexist, "server-version: the management service did not report a version")
			}
			v := pretty.ServerVersion{Major: b.Major, Minor: b.Minor, Patch: b.Patch, Tag: b.Tag}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(v, v.Print)
		},
	}
}
