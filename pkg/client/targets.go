package client

import (
	"context"
	"fmt"
	"strconv"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// QueryTargets asks the pool service for the states of rank's targets in
// the pool map: all of them, or those at the indexes given (in that
// order). Space usage is not included: the service does not hold it
// (dmg pool query-targets gets it from the engines).
func (p *Pool) QueryTargets(ctx context.Context, rank uint32, idx ...uint32) ([]poolsvc.TargetInfo, error) {
	r := &poolsvc.TargetsReply{}
	if err := p.query(ctx, poolsvc.Query{What: "targets", ID: strconv.FormatUint(uint64(rank), 10)}, r); err != nil {
		return nil, fmt.Errorf("pool query-targets: %w", err)
	}
	if len(idx) == 0 {
		return r.Targets, nil
	}
	out := make([]poolsvc.TargetInfo, 0, len(idx))
	for _, i := range idx {
		if int(i) >= len(r.Targets) {
			return nil, fmt.Errorf("pool query-targets: %w", daos.Errorf(daos.ErrNonexist,
				"rank %d has %d targets in the pool, no target index %d", rank, len(r.Targets), i))
		}
		out = append(out, r.Targets[i])
	}
	return out, nil
}
