package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

type punchReply struct {
	Path  string `json:"path"`
	Epoch uint64 `json:"epoch"`
}

func punchCommand(jsonOut *bool) *cobra.Command {
	var writeMode bool
	var epoch uint64
	cmd := &cobra.Command{
		Use:   "punch <pool-dir> /<cont>/<oid> --write-mode",
		Short: "Punch a (damaged) object, so that reads from the punch on skip it",
		Long: `Punch an object at an epoch: reads at or above it no longer see anything
written at or below it. The punch is journalled like any other; the data
stays until aggregation removes it. The epoch defaults to one above the
newest in the container (and at least the aggregation boundary, below
which nothing may be written). ddb changes a pool only with --write-mode.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			at, err := parsePath(args[1], vos.LevelObject)
			if err != nil {
				return err
			}
			if !writeMode {
				return daos.Errorf(daos.ErrNoPerm, "punch %s: refused without --write-mode (ddb changes a pool only when told to)", at)
			}
			return withPool(cmd.Context(), args[0], writable, func(p *vos.Pool) error {
				e, err := punchObject(cmd, p, at, epoch)
				if err != nil {
					return fmt.Errorf("punch %s: %w", at, err)
				}
				r := &punchReply{Path: at.String(), Epoch: e}
				return printer(cmd, jsonOut).Print(r, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "punched %s at epoch %d\n", r.Path, r.Epoch)
					return err
				})
			})
		},
	}
	cmd.Flags().BoolVar(&writeMode, "write-mode", false, "allow ddb to change the pool")
	cmd.Flags().Uint64Var(&epoch, "epoch", 0, "punch at this epoch; 0 picks one above the newest in the container")
	return cmd
}

// punchObject checks the object and the epoch, punches, and returns the
// epoch used.
func punchObject(cmd *cobra.Command, p *vos.Pool, at vos.Path, epoch daos.Epoch) (daos.Epoch, error) {
	// Punching an object the index does not hold would only record a punch
	// for nothing: most likely the path is mistyped.
	if _, err := p.ListDkeyInfo(at.Cont, at.OID); err != nil {
		return 0, err
	}
	aggregated, err := aggregatedEpoch(p, at.Cont)
	if err != nil {
		return 0, err
	}
	if epoch == 0 {
		if epoch, err = defaultPunchEpoch(p, at.Cont, aggregated); err != nil {
			return 0, err
		}
	} else if epoch < aggregated {
		return 0, daos.Errorf(daos.ErrTxRestart, "epoch %d is below the container's aggregation boundary %d: "+
			"versions there may already be merged, so nothing may be written below it; use --epoch %d or above, or leave --epoch out",
			epoch, aggregated, aggregated)
	}
	return epoch, p.PunchObject(cmd.Context(), at.Cont, at.OID, epoch, vos.PunchOptions{})
}

func aggregatedEpoch(p *vos.Pool, cont vos.ContainerID) (daos.Epoch, error) {
	for _, c := range p.ListContainersInfo() {
		if c.ID == cont {
			return c.Aggregated, nil
		}
	}
	return 0, daos.Errorf(daos.ErrNonexist, "container %s does not exist", cont)
}

// defaultPunchEpoch is one above the newest stamp in the container, so that
// the punch hides every version, and not below the aggregation boundary.
func defaultPunchEpoch(p *vos.Pool, cont vos.ContainerID, aggregated daos.Epoch) (daos.Epoch, error) {
	newest, err := p.MaxEpoch(cont)
	if err != nil {
		return 0, err
	}
	if newest >= daos.EpochMax-1 {
		return 0, daos.Errorf(daos.ErrInval, "the newest epoch in the container is %d, leaving none above it to punch at", newest)
	}
	return max(newest+1, aggregated, 1), nil
}
