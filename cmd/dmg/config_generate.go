package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/confgen"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlconv"
)

func configCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "config", Short: "Propose server configs"}
	cmd.AddCommand(configGenerateCommand(g))
	return cmd
}

func configGenerateCommand(g *globals) *cobra.Command {
	var flags confgen.Flags
	cmd := &cobra.Command{
		Use:     "generate",
		Aliases: []string{"gen"},
		Short:   "Propose a daos_server.yml from the servers' hardware",
		Long: `Generate asks every host of the host list (-l, or daos_control.yml's hostlist)
for its network interfaces, PMem, NVMe, cores and memory over the control
plane, and prints one daos_server.yml for all of them: one engine per NUMA
node with an interface of --net-class. Without PMem (or with
--use-tmpfs-scm) SCM is a RAM disk sized for the host with the least
memory; without NVMe, bdevs are files. The hosts must have the same
hardware: if they differ, the error lists each group of alike hosts, and
a config is generated for each group in turn.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, notes, err := flags.Parse()
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			hosts, err := hostInventories(c.HardwareScan(cmd.Context()))
			if err != nil {
				return err
			}
			inv, more, err := confgen.Common(hosts, opts)
			if err != nil {
				return err
			}
			cfg, err := confgen.Generate(inv, opts)
			if err != nil {
				return err
			}
			text, asMap, err := confgen.Marshal(cfg)
			if err != nil {
				return err
			}
			for _, n := range append(append(notes, more...), cfg.Notices()...) {
				fmt.Fprintln(cmd.ErrOrStderr(), "dmg: note:", n)
			}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(asMap, func(w io.Writer) error {
				_, err := w.Write(text)
				return err
			})
		},
	}
	flags.Register(cmd.Flags())
	return cmd
}

// hostInventories converts each host's scans; any host that could not be
// scanned fails the command, since a config for hardware not seen could
// not be checked to fit it.
func hostInventories(res []ctlclient.HostResult[*ctlclient.Hardware]) ([]confgen.HostInventory, error) {
	_, errs := collect(res, func(*ctlclient.Hardware) string { return "" })
	var hosts []confgen.HostInventory
	for _, r := range res {
		if r.Err != nil {
			continue
		}
		inv, err := ctlconv.InventoryFromPB(r.Resp.Network, r.Resp.Storage, r.Resp.Topology)
		if err != nil {
			errs[r.Host+" "+err.Error()] = hostError{Hosts: r.Host, Error: err.Error()}
			continue
		}
		hosts = append(hosts, confgen.HostInventory{Host: r.Host, Inventory: inv})
	}
	if failed := hostsFailed(errs); failed != nil {
		return nil, fmt.Errorf("generate config: every host's hardware is needed: %w", failed)
	}
	return hosts, nil
}
