package cmdutil

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hardware"
	"github.com/daos-go/daos/pkg/pretty"
)

// NetworkScanCommand is a host's network scan as `daos_server network
// scan` and `daos_agent net-scan` print it: use and short name the
// command; scan runs the scanner for a provider ("all": every one); json
// is the tool's -j flag.
func NetworkScanCommand(use, short string, scan func(ctx context.Context, provider string) (*hardware.NetworkScan, error), json *bool) *cobra.Command {
	var provider string
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if provider != "all" {
				if _, err := fabric.ParseProvider(provider); err != nil {
					return fmt.Errorf("--provider: %w", err)
				}
			}
			s, err := scan(cmd.Context(), provider)
			if err != nil {
				return err
			}
			return Printer{JSON: json, Out: cmd.OutOrStdout()}.Print(s, func(w io.Writer) error {
				return pretty.NetworkScan(w, Hostname(), s)
			})
		},
	}
	cmd.Flags().StringVarP(&provider, "provider", "p", "all",
		`only list this provider ("ofi+tcp;ofi_rxm", "ofi+verbs", ...) or "all"`)
	return cmd
}

// Hostname is this host's name, "localhost" when the system cannot tell.
func Hostname() string {
	host, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return host
}
