package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/pretty"
)

// hostScanners are the hardware sources of dump-topology and net-scan;
// tests replace them.
var hostScanners = func() hardware.HostScanners {
	return hardware.HostScanners{
		Topology: hardware.DefaultTopologyScanner(),
		Network:  hardware.DefaultNetworkScanner(),
		Storage:  hardware.DefaultStorageScanner(),
	}
}

// dumpTopologyCommand is `daos_agent dump-topology`, the same report as
// daos_server's, since both read this host through pkg/hardware.
func dumpTopologyCommand(f *flags) *cobra.Command {
	return &cobra.Command{
		Use:   "dump-topology",
		Short: "Print this host's NUMA nodes, their CPUs and the devices attached to each",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			topo, err := hostScanners().ScanHost(cmd.Context(), hostname())
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: &f.json, Out: cmd.OutOrStdout()}.Print(topo, func(w io.Writer) error {
				return pretty.Topology(w, topo)
			})
		},
	}
}

// netScanCommand is `daos_agent net-scan`: the fabric interfaces a client
// on this host could use, printed as `daos_server network scan` does.
func netScanCommand(f *flags) *cobra.Command {
	return cmdutil.NetworkScanCommand("net-scan", "List this host's network interfaces and the fabric providers that serve them",
		hostScanners().Network.Scan, &f.json)
}

func hostname() string { return cmdutil.Hostname() }
