package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/pretty"
)

func scmScanCommand(jsonOut *bool, sc scanners) *cobra.Command {
	return &cobra.Command{
		Use:   "scan",
		Short: "List persistent-memory regions and namespaces",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			scan, err := sc.storage.ScanSCM(cmd.Context())
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(scan, func(w io.Writer) error {
				return pretty.SCMScan(w, scan)
			})
		},
	}
}

func nvmeScanCommand(jsonOut *bool, sc scanners, cf *configFlags) *cobra.Command {
	var disableVMD, skipPrep bool
	cmd := &cobra.Command{
		Use:   "scan",
		Short: "List NVMe SSDs and kernel block devices (bdev_exclude of the config is left out)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			scan, err := scanNVMe(cmd.Context(), sc, cf)
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(scan, func(w io.Writer) error {
				return pretty.NVMeScan(w, scan)
			})
		},
	}
	cmd.Flags().BoolVar(&disableVMD, "disable-vmd", false, "accepted for compatibility: daos-go does not use VMD")
	cmd.Flags().BoolVar(&skipPrep, "skip-prep", false, "accepted for compatibility: daos-go never prepares devices before a scan")
	return cmd
}

// scanNVMe scans and drops the controllers the config excludes.
func scanNVMe(ctx context.Context, sc scanners, cf *configFlags) (*hardware.NVMeScan, error) {
	cfg, err := cf.load()
	if err != nil {
		return nil, err
	}
	scan, err := sc.storage.ScanNVMe(ctx)
	if err != nil {
		return nil, err
	}
	if cfg == nil || len(cfg.BdevExclude) == 0 {
		return scan, nil
	}
	kept := scan.Controllers[:0]
	for _, c := range scan.Controllers {
		excluded := false
		for _, ex := range cfg.BdevExclude {
			excluded = excluded || strings.EqualFold(ex, c.PCIAddr)
		}
		if !excluded {
			kept = append(kept, c)
		}
	}
	scan.Controllers = kept
	return scan, nil
}

func storageScanCommand(jsonOut *bool, sc scanners, cf *configFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "scan",
		Short: "List SCM and NVMe storage (deprecated: use scm scan and nvme scan)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.ErrOrStderr(), "daos_server: storage scan is deprecated: use scm scan and nvme scan")
			scm, err := sc.storage.ScanSCM(cmd.Context())
			if err != nil {
				return err
			}
			nvme, err := scanNVMe(cmd.Context(), sc, cf)
			if err != nil {
				return err
			}
			scan := &hardware.StorageScan{Host: hostname(), SCM: scm, NVMe: nvme}
			return cmdutil.Printer{JSON: jsonOut, Out: cmd.OutOrStdout()}.Print(scan, func(w io.Writer) error {
				return pretty.StorageScan(w, scan)
			})
		},
	}
}
