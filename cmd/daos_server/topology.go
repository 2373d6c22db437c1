package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/pretty"
)

// dumpTopologyCommand is `daos_server dump-topology`: the NUMA layout and
// the devices on each node, as the storage and network scans see them.
func dumpTopologyCommand(jsonOut *bool, sc scanners) *cobra.Command {
	return &cobra.Command{
		Use:   "dump-topology",
		Short: "Print this host's NUMA nodes, their CPUs and the devices attached to each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hs := hardware.HostScanners{Topology: sc.topology, Network: sc.network, Storage: sc.storage}
			topo, err := hs.ScanHost(cmd.Context(), hostname())
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(topo, func(w io.Writer) error {
				return pretty.Topology(w, topo)
			})
		},
	}
}
