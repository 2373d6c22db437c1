package poolsvc

import (
	"strconv"

	"github.com/daos-go/daos/pkg/daos"
)

// TargetInfo is one target's state in the pool map, as a "targets" query
// gives it (state names as DAOS prints them: UP, UPIN, DOWN, DOWNOUT,
// NEW, DRAIN). Space is not the service's to know: it lives in the
// engines' shards.
type TargetInfo struct {
	Rank  uint32 `json:"rank"`
	Index uint32 `json:"target_idx"`
	State string `json:"state"`
}

// TargetsReply answers a "targets" query (ID: the rank, in decimal).
type TargetsReply struct {
	MapVersion uint32       `json:"map_version"`
	Targets    []TargetInfo `json:"targets"`
}

// RankTargets gives the states of every target rank holds in the pool
// map; DER_NONEXIST if the rank holds none of the pool's targets.
func (s *State) RankTargets(rank string) (*TargetsReply, error) {
	r, err := strconv.ParseUint(rank, 10, 32)
	if err != nil {
		return nil, daos.Errorf(daos.ErrInval, "targets query: rank %q is not a number", rank)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.created(); err != nil {
		return nil, err
	}
	if s.pmap == nil {
		return nil, daos.Errorf(daos.ErrUninit, "pool %s has no pool map", s.st.UUID)
	}
	for _, rk := range s.pmap.Ranks() {
		if rk.Rank != uint32(r) {
			continue
		}
		out := &TargetsReply{MapVersion: s.pmap.Version(), Targets: make([]TargetInfo, len(rk.States))}
		for i, st := range rk.States {
			out.Targets[i] = TargetInfo{Rank: rk.Rank, Index: uint32(i), State: st.String()}
		}
		return out, nil
	}
	return nil, daos.Errorf(daos.ErrNonexist, "rank %d holds no targets of pool %s", r, s.st.UUID)
}
