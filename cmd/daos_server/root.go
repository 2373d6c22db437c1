package main

import (
	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
)

// scanners are the hardware sources the commands read; tests replace them.
type scanners struct {
	network  hardware.NetworkScanner
	storage  hardware.StorageScanner
	topology hardware.TopologyScanner
}

func defaultScanners() scanners {
	return scanners{
		network:  hardware.DefaultNetworkScanner(),
		storage:  hardware.DefaultStorageScanner(),
		topology: hardware.DefaultTopologyScanner(),
	}
}

func newRoot() *cobra.Command { return newRootWith(defaultScanners()) }

func newRootWith(sc scanners) *cobra.Command {
	var jsonOut bool
	root := cmdutil.NewRoot("daos_server", "DAOS storage node control-plane server", &jsonOut)
	cf := &configFlags{}
	root.PersistentFlags().StringVarP(&cf.path, "config", "o", "", "server config file (default "+defaultConfigPath+")")
	root.PersistentFlags().BoolVar(&cf.ignore, "ignore-config", false, "do not read the server config file")
	addLogFlags(root, &cf.log)

	network := &cobra.Command{Use: "network", Short: "Inspect network interfaces and fabric providers"}
	network.AddCommand(networkScanCommand(&jsonOut, sc))
	scm := &cobra.Command{Use: "scm", Short: "Inspect storage-class memory (PMem)"}
	scm.AddCommand(scmScanCommand(&jsonOut, sc))
	nvme := &cobra.Command{Use: "nvme", Short: "Inspect NVMe SSDs and block devices"}
	nvme.AddCommand(nvmeScanCommand(&jsonOut, sc, cf))
	storage := &cobra.Command{Use: "storage", Short: "Inspect SCM and NVMe storage (deprecated: use scm and nvme)"}
	storage.AddCommand(storageScanCommand(&jsonOut, sc, cf))
	cfgCmd := &cobra.Command{Use: "config", Short: "Work with daos_server.yml"}
	cfgCmd.AddCommand(configGenerateCommand(&jsonOut, sc))
	root.AddCommand(network, scm, nvme, storage, cfgCmd, startCommand(cf, sc), dumpTopologyCommand(&jsonOut, sc), msCommand(&jsonOut, cf),
		supportCommand(&jsonOut, cf, sc))
	return root
}

func networkScanCommand(jsonOut *bool, sc scanners) *cobra.Command {
	return cmdutil.NetworkScanCommand("scan", "List network interfaces and the libfabric providers that serve them",
		sc.network.Scan, jsonOut)
}

func hostname() string { return cmdutil.Hostname() }
