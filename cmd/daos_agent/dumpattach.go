package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/security"
)

func dumpAttachInfoCommand(f *flags) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "dump-attachinfo",
		Short: "Print the system's attach info as the management service gives it",
		Long: `dump-attachinfo asks the management service (through access_points) for the
attach info of the system named in daos_agent.yml and prints it in CaRT's
attach-info file format:

  name <system>
  size <number of ranks>
  all
  <rank> <URI>   (one line per rank)

With -j the whole reply is printed as JSON, including the provider, the
MS ranks and the client network hint. -o writes to a file instead of
standard output (the daos_agent.yml path is then --config-path, or -o
before the subcommand).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.config.ConfigPathGiven = cmd.Flags().Changed("config-path")
			return dumpAttachInfo(cmd, f, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "stdout", "write to this file")
	// Shadows the global -o/--config-path (same variable, no shorthand),
	// since -o means --output here.
	cmd.Flags().StringVar(&f.config.ConfigPath, "config-path", "", "daos_agent.yml to read (default "+config.DefaultAgentConfigPath+")")
	return cmd
}

func dumpAttachInfo(cmd *cobra.Command, f *flags, output string) error {
	cfg, err := config.ResolveAgent(f.config)
	if err != nil {
		return err
	}
	creds, err := security.ClientCredentials(cfg.Transport, config.ComponentAgent)
	if err != nil {
		return fmt.Errorf("dump-attachinfo: gRPC transport: %w", err)
	}
	resp, err := agent.FetchAttachInfo(cmd.Context(), f.client(cfg, creds), cfg.Name)
	if err != nil {
		return fmt.Errorf("dump-attachinfo: %w", err)
	}
	if resp.Sys == "" {
		resp.Sys = cfg.Name
	}
	emit := func(out io.Writer) error {
		return cmdutil.Printer{JSON: &f.json, Out: out}.Print(resp, func(w io.Writer) error {
			return writeAttachInfo(w, resp)
		})
	}
	if output == "stdout" {
		return emit(cmd.OutOrStdout())
	}
	fh, err := os.Create(output)
	if err != nil {
		return fmt.Errorf("dump-attachinfo: %w", err)
	}
	err = emit(fh)
	// A failed close loses data too, so it is reported.
	if cErr := fh.Close(); err == nil {
		err = cErr
	}
	if err != nil {
		return fmt.Errorf("dump-attachinfo: write %s: %w", output, err)
	}
	return nil
}

// writeAttachInfo prints CaRT's attach-info file, which singleton
// clients can load in place of asking an agent.
func writeAttachInfo(w io.Writer, resp *mgmtpb.GetAttachInfoResp) error {
	if _, err := fmt.Fprintf(w, "name %s\nsize %d\nall\n", resp.Sys, len(resp.RankUris)); err != nil {
		return err
	}
	for _, r := range resp.RankUris {
		if _, err := fmt.Fprintf(w, "%d %s\n", r.Rank, r.Uri); err != nil {
			return err
		}
	}
	return nil
}
