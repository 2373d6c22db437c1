package client

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// Props reads the pool's stored properties by dmg name as their raw
// values (numbers as DAOS encodes them, strings), svc_list as its ranged
// rank list: what `dmg pool get-prop` receives, here through the pool
// handle (daos_pool_query's properties).
func (p *Pool) Props(ctx context.Context) (map[string]poolsvc.Prop, error) {
	out := map[string]poolsvc.Prop{}
	if err := p.query(ctx, poolsvc.Query{What: "props"}, &out); err != nil {
		return nil, fmt.Errorf("pool properties: %w", err)
	}
	return out, nil
}

// EngineRanks reads the pool map from the service and gives, in rank
// order, the ranks whose targets are all enabled (UP, UPIN or DRAIN) when
// enabled is set, else the others (some target down, out or new): the
// two lists DAOS's daos_pool_query returns in its ranks argument.
func (p *Pool) EngineRanks(ctx context.Context, enabled bool) ([]uint32, error) {
	var mr poolsvc.MapReply
	if err := p.query(ctx, poolsvc.Query{What: "map"}, &mr); err != nil {
		return nil, fmt.Errorf("pool engine ranks: %w", err)
	}
	pm, err := placement.DecodePoolMap(mr.Map)
	if err != nil {
		return nil, fmt.Errorf("pool engine ranks: %w", err)
	}
	return engineRanks(pm, enabled), nil
}

// engineRanks classifies a map's ranks as DAOS's pool_map_get_ranks does.
func engineRanks(pm *placement.PoolMap, enabled bool) []uint32 {
	out := []uint32{}
	for _, r := range pm.Ranks() {
		all := true
		for _, st := range r.States {
			switch st {
			case placement.StateUp, placement.StateUpIn, placement.StateDrain:
			default:
				all = false
			}
		}
		if all == enabled {
			out = append(out, r.Rank)
		}
	}
	return out
}
