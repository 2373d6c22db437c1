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
	"github.com/daos-go/daos/pkg/pretty"
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
				out := &poolQueryOut{PoolInfo: info, RebuildOut: rebuildStatus{State: info.Rebuild}}
				if sp, ok := p.(spaceQuerier); ok && !healthOnly {
					space, err := sp.Space(ctx)
					if err != nil {
						return err
					}
					out.TierStats = tierStats(space)
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(out, func(w io.Writer) error {
					return printPoolQuery(w, out, showEnabled, healthOnly)
				})
			})
		},
	}
	cmd.Flags().BoolVarP(&showEnabled, "show-enabled", "e", false, "show the engine ranks that are enabled")
	cmd.Flags().BoolVarP(&healthOnly, "health-only", "t", false, "only show the pool's health")
	return cmd
}

// spaceQuerier is a pool that can report its space per tier.
type spaceQuerier interface {
	Space(ctx context.Context) (*client.PoolSpace, error)
}

// poolQueryOut is `daos pool query`'s answer: the service's view, and the
// space per tier as DAOS reports it (tier_stats).
type poolQueryOut struct {
	*poolsvc.PoolInfo
	// RebuildOut is DAOS's rebuild object (the pool service's own
	// rebuild_state stays beside it).
	RebuildOut rebuildStatus `json:"rebuild"`
	TierStats  []tierStat    `json:"tier_stats,omitempty"`
}

// rebuildStatus is DAOS's rebuild object of a pool query. No rebuild has
// counts yet: status and counts stay 0.
type rebuildStatus struct {
	Status  int32  `json:"status"`
	State   string `json:"state"`
	Objects uint64 `json:"objects"`
	Records uint64 `json:"records"`
}

type tierStat struct {
	MediaType string `json:"media_type"`
	Total     uint64 `json:"total"`
	Free      uint64 `json:"free"`
	Min       uint64 `json:"min"`
	Max       uint64 `json:"max"`
	Mean      uint64 `json:"mean"`
}

func tierStats(s *client.PoolSpace) []tierStat {
	out := make([]tierStat, 2)
	for m, name := range []string{"scm", "nvme"} {
		out[m] = tierStat{MediaType: name, Total: s.Total[m], Free: s.Free[m], Min: s.FreeMin[m], Max: s.FreeMax[m]}
		if s.Targets > 0 {
			out[m].Mean = s.Free[m] / uint64(s.Targets)
		}
	}
	return out
}

func printPoolQuery(w io.Writer, out *poolQueryOut, showEnabled, healthOnly bool) error {
	info := out.PoolInfo
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
		if len(out.TierStats) > 0 {
			fmt.Fprintf(&b, "Pool space info:\n- Target count:%d\n", info.ActiveTargets)
			for i, t := range out.TierStats {
				fmt.Fprintf(&b, "- Storage tier %d (%s):\n  Total size: %s\n  Free: %s, min:%s, max:%s, mean:%s\n",
					i, strings.ToUpper(t.MediaType), pretty.SIBytes(t.Total), pretty.SIBytes(t.Free),
					pretty.SIBytes(t.Min), pretty.SIBytes(t.Max), pretty.SIBytes(t.Mean))
			}
		}
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
