package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/ranklist"
)

// rankTargets are the --ranks and --target-idx flags of the commands
// that change a pool's membership.
type rankTargets struct {
	ranks, targets string
}

func (rt *rankTargets) add(cmd *cobra.Command, targets bool) {
	cmd.Flags().StringVar(&rt.ranks, "ranks", "", "ranks to act on, e.g. 0-3,5 (required)")
	if targets {
		cmd.Flags().StringVar(&rt.targets, "target-idx", "", "target indices on each rank, e.g. 0,2 (default all)")
	}
}

func (rt *rankTargets) parse() (ranks, targets []uint32, err error) {
	if strings.TrimSpace(rt.ranks) == "" {
		return nil, nil, errors.New("give the ranks with --ranks")
	}
	rs, err := ranklist.Parse(rt.ranks)
	if err != nil {
		return nil, nil, fmt.Errorf("--ranks: %w", err)
	}
	if rt.targets != "" {
		ts, err := ranklist.Parse(rt.targets)
		if err != nil {
			return nil, nil, fmt.Errorf("--target-idx: %w", err)
		}
		targets = ts.Ranks()
	}
	return rs.Ranks(), targets, nil
}

// poolMemberCommand builds exclude, drain, reintegrate and extend, which
// differ only in the call and its message.
func poolMemberCommand(g *globals, use, short, done string, targets bool, aliases []string,
	call func(cmd *cobra.Command, id string, ranks, targets []uint32) error) *cobra.Command {
	var rt rankTargets
	cmd := &cobra.Command{
		Use:     use + " <label|UUID>",
		Aliases: aliases,
		Short:   short,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool %s: %w", use, err)
			}
			ranks, tgts, err := rt.parse()
			if err != nil {
				return fmt.Errorf("pool %s: %w", use, err)
			}
			if err := call(cmd, id, ranks, tgts); err != nil {
				return fmt.Errorf("pool %s: %w", use, err)
			}
			return doneMessage(cmd, g, done)
		},
	}
	rt.add(cmd, targets)
	return cmd
}

func poolMembershipCommands(g *globals) []*cobra.Command {
	return []*cobra.Command{
		poolMemberCommand(g, "exclude", "Mark a pool's targets on some ranks down", "Exclude command succeeded", true, nil,
			func(cmd *cobra.Command, id string, ranks, tgts []uint32) error {
				ms, err := g.mgmt()
				if err != nil {
					return err
				}
				_, err = ms.PoolExclude(cmd.Context(), &mgmtpb.PoolExcludeReq{Id: id, Ranks: ranks, TargetIdx: tgts})
				return err
			}),
		poolMemberCommand(g, "drain", "Move a pool's data off targets on some ranks", "Drain command succeeded", true, nil,
			func(cmd *cobra.Command, id string, ranks, tgts []uint32) error {
				ms, err := g.mgmt()
				if err != nil {
					return err
				}
				_, err = ms.PoolDrain(cmd.Context(), &mgmtpb.PoolDrainReq{Id: id, Ranks: ranks, TargetIdx: tgts})
				return err
			}),
		poolMemberCommand(g, "reintegrate", "Bring a pool's excluded or drained targets back", "Reintegration command succeeded", true, []string{"reint"},
			func(cmd *cobra.Command, id string, ranks, tgts []uint32) error {
				ms, err := g.mgmt()
				if err != nil {
					return err
				}
				_, err = ms.PoolReintegrate(cmd.Context(), &mgmtpb.PoolReintReq{Id: id, Ranks: ranks, TargetIdx: tgts})
				return err
			}),
		poolMemberCommand(g, "extend", "Add ranks to a pool", "Extend command succeeded", false, nil,
			func(cmd *cobra.Command, id string, ranks, _ []uint32) error {
				ms, err := g.mgmt()
				if err != nil {
					return err
				}
				_, err = ms.PoolExtend(cmd.Context(), &mgmtpb.PoolExtendReq{Id: id, Ranks: ranks})
				return err
			}),
		poolUpgradeCommand(g),
		poolQueryTargetsCommand(g),
	}
}

func poolUpgradeCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "upgrade <label|UUID>",
		Short: "Upgrade a pool's layout to the latest version",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool upgrade: %w", err)
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			if _, err := ms.PoolUpgrade(cmd.Context(), &mgmtpb.PoolUpgradeReq{Id: id}); err != nil {
				return fmt.Errorf("pool upgrade: %w", err)
			}
			return doneMessage(cmd, g, "Pool-upgrade command succeeded")
		},
	}
}

func poolQueryTargetsCommand(g *globals) *cobra.Command {
	var rank uint32
	var targets string
	cmd := &cobra.Command{
		Use:   "query-targets <label|UUID> --rank <rank>",
		Short: "Show the state and space of a pool's targets on one rank",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := poolArg(args)
			if err != nil {
				return fmt.Errorf("pool query-targets: %w", err)
			}
			req := &mgmtpb.PoolQueryTargetReq{Id: id, Rank: rank}
			if targets != "" {
				ts, err := ranklist.Parse(targets)
				if err != nil {
					return fmt.Errorf("pool query-targets: --target-idx: %w", err)
				}
				req.Targets = ts.Ranks()
			}
			ms, err := g.mgmt()
			if err != nil {
				return err
			}
			resp, err := ms.PoolQueryTarget(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("pool query-targets: %w", err)
			}
			type tierJSON struct {
				Total     uint64 `json:"total"`
				Free      uint64 `json:"free"`
				MediaType string `json:"media_type"`
			}
			type targetJSON struct {
				Type         string     `json:"target_type"`
				State        string     `json:"target_state"`
				Space        []tierJSON `json:"space"`
				MemFileBytes uint64     `json:"mem_file_bytes"`
			}
			out := struct {
				Infos []targetJSON `json:"infos"`
			}{Infos: []targetJSON{}}
			for _, in := range resp.Infos {
				tj := targetJSON{Type: strings.ToLower(in.Type.String()), State: strings.ToLower(in.State.String()),
					Space: []tierJSON{}, MemFileBytes: in.MemFileBytes}
				for _, s := range in.Space {
					tj.Space = append(tj.Space, tierJSON{Total: s.Total, Free: s.Free, MediaType: strings.ToLower(s.MediaType.String())})
				}
				out.Infos = append(out.Infos, tj)
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(out, func(w io.Writer) error {
				for _, in := range out.Infos {
					fmt.Fprintf(w, "Target: type %s, state %s\n", in.Type, in.State)
					for j, s := range in.Space {
						fmt.Fprintf(w, "- Storage tier %d (%s):\n  Total size: %s\n  Free: %s\n", j, strings.ToUpper(s.MediaType), siBytes(s.Total), siBytes(s.Free))
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().Uint32Var(&rank, "rank", 0, "rank whose targets to query (required)")
	cmd.Flags().StringVar(&targets, "target-idx", "", "target indices, e.g. 0,2 (default all)")
	_ = cmd.MarkFlagRequired("rank")
	return cmd
}
