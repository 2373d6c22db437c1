package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// poolCommand is the `daos pool` group.
func poolCommand(g *globals) *cobra.Command {
	pool := &cobra.Command{Use: "pool", Short: "Query pools, list their containers, manage their attributes"}
	pool.AddCommand(poolListCommand(g), poolQueryCommand(g), poolQueryTargetsCommand(g), poolListContainersCommand(g), poolAutotestCommand(g))
	pool.AddCommand(attrCommands(g, poolScope)...)
	return pool
}

// poolQueryCommand is `daos pool query <pool>`.
func poolQueryCommand(g *globals) *cobra.Command {
	var showEnabled, healthOnly bool
	cmd := &cobra.Command{
		Use:   "query <pool>",
		Short: "Query a pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := checkID("pool", args[0])
			if err != nil {
				return err
			}
			return g.withPool(cmd, id, client.RO, func(ctx context.Context, p poolHandle) error {
				info, err := p.Query(ctx)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(info, func(w io.Writer) error {
					return printPoolQuery(w, info, showEnabled, healthOnly)
				})
			})
		},
	}
	cmd.Flags().BoolVarP(&showEnabled, "show-enabled", "e", false, "show the engine ranks that are enabled")
	cmd.Flags().BoolVarP(&healthOnly, "health-only", "t", false, "only show the pool's health")
	return cmd
}

func printPoolQuery(w io.Writer, info *poolsvc.PoolInfo, showEnabled, healthOnly bool) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Pool %s, ntarget=%d, disabled=%d, version=%d, state=%s\n",
		info.UUID, info.TotalTargets, info.DisabledTargets, info.MapVersion, info.State)
	if info.Label != "" {
		fmt.Fprintf(&b, "Pool label: %s\n", info.Label)
	}
	if len(info.SvcRanks) > 0 {
		fmt.Fprintf(&b, "Pool service replicas: %s\n", ranklist.Of(info.SvcRanks...).RangedString())
	}
	b.WriteString("Pool health info:\n")
	if showEnabled {
		fmt.Fprintf(&b, "- Enabled ranks: %s\n", ranklist.Of(info.EnabledRanks...).String())
	}
	if len(info.DisabledRanks) > 0 {
		fmt.Fprintf(&b, "- Disabled ranks: %s\n", ranklist.Of(info.DisabledRanks...).String())
	}
	if info.DrainingTargets > 0 {
		fmt.Fprintf(&b, "- Draining targets: %d\n", info.DrainingTargets)
	}
	fmt.Fprintf(&b, "- Rebuild %s\n", orWord(info.Rebuild, "idle"))
	if !healthOnly {
		fmt.Fprintf(&b, "Pool info:\n- Engines: %d\n- Active targets: %d\n- Containers: %d\n- Open handles: %d\n",
			info.TotalEngines, info.ActiveTargets, info.Containers, info.Handles)
		fmt.Fprintf(&b, "- Layout version: %d (latest %d)\n", info.LayoutVersion, info.UpgradeVersion)
		// The client path has the service's view only; space per tier
		// comes from the engines through the control plane.
		b.WriteString("Pool space info: not available here; see dmg pool query\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orWord(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// poolListContainersCommand is `daos pool list-containers <pool>`.
func poolListContainersCommand(g *globals) *cobra.Command {
	return listContainersCommand(g, "list-containers <pool>", []string{"list-cont"})
}

// listContainersCommand serves both `pool list-containers` and
// `container list`, which DAOS keeps as one operation.
func listContainersCommand(g *globals, use string, aliases []string) *cobra.Command {
	var verbose bool
	cmd := &cobra.Command{
		Use:     use,
		Aliases: aliases,
		Short:   "List a pool's containers",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := checkID("pool", args[0])
			if err != nil {
				return err
			}
			return g.withPool(cmd, id, client.RO, func(ctx context.Context, p poolHandle) error {
				conts, err := p.ListContainers(ctx)
				if err != nil {
					return err
				}
				out := make([]*contInfo, 0, len(conts))
				for _, c := range conts {
					out = append(out, newContInfo(p.UUID(), c))
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(out, func(w io.Writer) error {
					return printContList(w, out, verbose || g.verbose)
				})
			})
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "show more about each container")
	return cmd
}
