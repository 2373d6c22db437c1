package main

import (
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/pretty"
)

func newRoot() *cobra.Command {
	var jsonOut bool
	root := cmdutil.NewRoot("daos_server", "DAOS storage node control-plane server", &jsonOut)
	network := &cobra.Command{Use: "network", Short: "Inspect network interfaces and fabric providers"}
	network.AddCommand(networkScanCommand(&jsonOut))
	root.AddCommand(network)
	return root
}

func networkScanCommand(jsonOut *bool) *cobra.Command {
	var provider string
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "List network interfaces and the libfabric providers that serve them",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			scan, err := hardware.DefaultNetworkScanner().Scan(cmd.Context(), provider)
			if err != nil {
				return err
			}
			host, err := os.Hostname()
			if err != nil {
				host = "localhost"
			}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(scan, func(w io.Writer) error {
				return pretty.NetworkScan(w, host, scan)
			})
		},
	}
	cmd.Flags().StringVarP(&provider, "provider", "p", "all",
		`only list this provider ("ofi+tcp;ofi_rxm", "ofi+verbs", ...) or "all"`)
	return cmd
}
