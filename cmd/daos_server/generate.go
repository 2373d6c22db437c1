package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/confgen"
	"github.com/daos-go/daos/pkg/control/hostlist"
)

func configGenerateCommand(jsonOut *bool, sc scanners) *cobra.Command {
	var (
		opts         confgen.Options
		replicas     string
		accessPoints string
		skipPrep     bool
	)
	cmd := &cobra.Command{
		Use:     "generate",
		Aliases: []string{"gen"},
		Short:   "Propose a daos_server.yml from this host's hardware",
		Long: "Scans this host's network, PMem, NVMe, cores and memory and prints a server config\n" +
			"that uses them: one engine per NUMA node with an interface of --net-class. Without\n" +
			"PMem (or with --use-tmpfs-scm) SCM is a RAM disk; without NVMe, bdevs are files.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if accessPoints != "" {
				if cmd.Flags().Changed("ms-replicas") {
					return fmt.Errorf("--access-points and --ms-replicas cannot both be given (--access-points is the deprecated name)")
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "daos_server: --access-points is deprecated: use --ms-replicas")
				replicas = accessPoints
			}
			set, err := hostlist.Parse(replicas)
			if err != nil {
				return fmt.Errorf("--ms-replicas: %w", err)
			}
			opts.MSReplicas = set.Slice()
			inv, err := inventory(cmd, sc)
			if err != nil {
				return err
			}
			cfg, err := confgen.Generate(inv, opts)
			if err != nil {
				return err
			}
			out, err := cfg.Marshal()
			if err != nil {
				return err
			}
			for _, n := range cfg.Notices() {
				fmt.Fprintln(cmd.ErrOrStderr(), "daos_server: note:", n)
			}
			var asMap map[string]any // JSON with the YAML key names
			if err := yaml.Unmarshal(out, &asMap); err != nil {
				return fmt.Errorf("re-read generated config: %w", err)
			}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(asMap, func(w io.Writer) error {
				_, err := w.Write(out)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&replicas, "ms-replicas", "r", "localhost", "management service replica hosts, e.g. node[1-3] (odd count)")
	f.StringVarP(&accessPoints, "access-points", "a", "", "deprecated name of --ms-replicas")
	_ = f.MarkHidden("access-points")
	f.IntVarP(&opts.NumEngines, "num-engines", "e", 0, "number of engines (default: one per NUMA node that can host one)")
	f.BoolVarP(&opts.SCMOnly, "scm-only", "s", false, "no NVMe or file bdev tier")
	f.StringVarP(&opts.NetClass, "net-class", "c", confgen.NetClassInfiniband, "interface class: ethernet or infiniband")
	f.StringVarP(&opts.Provider, "net-provider", "p", "", "fabric provider (default: the best one serving the interfaces)")
	f.BoolVarP(&opts.UseTmpfsSCM, "use-tmpfs-scm", "t", false, "RAM-disk SCM even where PMem exists")
	f.StringVarP(&opts.ControlMetadataPath, "control-metadata-path", "m", "", "enable MD-on-SSD with control metadata here")
	f.IntSliceVarP(&opts.FabricPorts, "fabric-ports", "f", nil, "fabric_iface_port per engine, comma-separated (default 31416, 32416, ...)")
	f.StringVarP(&opts.HelperLogFile, "helper-log-file", "l", "", "helper_log_file to write into the config")
	f.BoolVar(&skipPrep, "skip-prep", false, "accepted for compatibility: daos-go never prepares devices before a scan")
	return cmd
}

// inventory scans everything config generation looks at.
func inventory(cmd *cobra.Command, sc scanners) (confgen.Inventory, error) {
	ctx := cmd.Context()
	var inv confgen.Inventory
	var err error
	if inv.Network, err = sc.network.Scan(ctx, "all"); err != nil {
		return inv, err
	}
	if inv.SCM, err = sc.storage.ScanSCM(ctx); err != nil {
		return inv, err
	}
	if inv.NVMe, err = sc.storage.ScanNVMe(ctx); err != nil {
		return inv, err
	}
	if inv.Topology, err = sc.topology.Scan(ctx); err != nil {
		return inv, err
	}
	return inv, nil
}
