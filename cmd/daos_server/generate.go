package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/confgen"
	"github.com/daos-go/daos/pkg/control/config"
)

func configGenerateCommand(jsonOut *bool, sc scanners) *cobra.Command {
	var (
		flags    confgen.Flags
		skipPrep bool
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
			opts, notes, err := flags.Parse()
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintln(cmd.ErrOrStderr(), "daos_server:", n)
			}
			inv, err := inventory(cmd, sc)
			if err != nil {
				return err
			}
			cfg, err := confgen.Generate(inv, opts)
			if err != nil {
				return err
			}
			return printGenerated(cmd, jsonOut, cfg)
		},
	}
	f := cmd.Flags()
	flags.Register(f)
	f.StringVarP(&flags.HelperLogFile, "helper-log-file", "l", "", "helper_log_file to write into the config")
	f.BoolVar(&skipPrep, "skip-prep", false, "accepted for compatibility: daos-go never prepares devices before a scan")
	return cmd
}

// printGenerated prints a generated config as YAML, or as JSON with the
// YAML's keys, after the config's notices on stderr.
func printGenerated(cmd *cobra.Command, jsonOut *bool, cfg *config.Server) error {
	text, asMap, err := confgen.Marshal(cfg)
	if err != nil {
		return err
	}
	for _, n := range cfg.Notices() {
		fmt.Fprintln(cmd.ErrOrStderr(), "daos_server: note:", n)
	}
	return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(asMap, func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	})
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
