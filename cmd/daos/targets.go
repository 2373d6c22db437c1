package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// targetQuerier is what query-targets asks of a connected pool.
type targetQuerier interface {
	QueryTargets(ctx context.Context, rank uint32, idx ...uint32) ([]poolsvc.TargetInfo, error)
}

// parseTargetIdx reads --target-idx 0,2,5-7.
func parseTargetIdx(s string) ([]uint32, error) {
	var out []uint32
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, isRange := strings.Cut(item, "-")
		a, errA := strconv.ParseUint(lo, 10, 32)
		b := a
		var errB error
		if isRange {
			b, errB = strconv.ParseUint(hi, 10, 32)
		}
		if errA != nil || errB != nil || b < a || b-a > 1024 {
			return nil, daos.Errorf(daos.ErrInval, "--target-idx %q: %q is not a target index or range (want e.g. 0,2,4-7)", s, item)
		}
		for i := a; i <= b; i++ {
			out = append(out, uint32(i))
		}
	}
	return out, nil
}

// poolQueryTargetsCommand is `daos pool query-targets <pool> --rank R`.
func poolQueryTargetsCommand(g *globals) *cobra.Command {
	var rank int64
	var idxFlag string
	cmd := &cobra.Command{
		Use:   "query-targets <pool>",
		Short: "Show the state of a rank's targets in a pool",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := checkID("pool", args[0])
			if err != nil {
				return err
			}
			if rank < 0 || rank > int64(^uint32(0)-1) {
				return daos.Errorf(daos.ErrInval, "--rank %d: not a rank", rank)
			}
			idx, err := parseTargetIdx(idxFlag)
			if err != nil {
				return err
			}
			return g.withPool(cmd, id, client.RO, func(ctx context.Context, p poolHandle) error {
				tq, ok := p.(targetQuerier)
				if !ok {
					return daos.Errorf(daos.ErrNotsupported, "target query is not available through this pool handle")
				}
				infos, err := tq.QueryTargets(ctx, uint32(rank), idx...)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(infos, func(w io.Writer) error {
					var b strings.Builder
					for _, t := range infos {
						fmt.Fprintf(&b, "Target: rank %d, target index %d\n- State: %s\n", t.Rank, t.Index, t.State)
					}
					// The pool service keeps states only; per-target
					// space is in the engines' shards.
					b.WriteString("Space per target: not available here; see dmg pool query-targets\n")
					_, err := io.WriteString(w, b.String())
					return err
				})
			})
		},
	}
	cmd.Flags().Int64Var(&rank, "rank", -1, "the rank whose targets to show (required)")
	cmd.Flags().StringVar(&idxFlag, "target-idx", "", "target indexes to show, e.g. 0,2,4-7 (default: all)")
	_ = cmd.MarkFlagRequired("rank")
	return cmd
}
