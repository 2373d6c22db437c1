package mgmtsvc

import (
	"context"

	"github.com/daos-go/daos/pkg/control/sharedpb"
	"github.com/daos-go/daos/pkg/control/system"
)

// RAS event ids (DAOS's ras_event_t order).
const (
	RASEngineDied    = 2
	RASSwimRankAlive = 12
	RASSwimRankDead  = 13
)

// ClusterEvent records what a RAS event says about a rank: a dead engine
// becomes Errored; a rank SWIM declared dead becomes Excluded when the
// system's self_heal has "exclude". Events about an older incarnation
// than the member's are ignored.
func (s *Service) ClusterEvent(ctx context.Context, req *sharedpb.ClusterEventReq) (*sharedpb.ClusterEventResp, error) {
	r, err := s.leading(ctx)
	if err != nil {
		return nil, err
	}
	resp := &sharedpb.ClusterEventResp{Sequence: req.Sequence}
	ev := req.Event
	if ev == nil {
		return resp, nil
	}
	var target system.MemberState
	switch ev.Id {
	case RASEngineDied:
		target = system.StateErrored
	case RASSwimRankDead:
		if !s.o.DB.SelfHeal("exclude") {
			s.o.Logger.Info("rank reported dead; self_heal has no exclude, so it stays", "rank", ev.Rank)
			return resp, nil
		}
		target = system.StateExcluded
	default:
		s.o.Logger.Info("RAS event", "id", ev.Id, "rank", ev.Rank, "host", ev.Hostname, "msg", ev.Msg)
		return resp, nil
	}
	res, err := s.apply(ctx, r, &system.Command{Op: system.OpState, State: &system.StateChange{
		Ranks: []uint32{ev.Rank}, State: target, Info: ev.Msg, Incarnation: ev.Incarnation,
	}})
	if err != nil {
		return nil, err
	}
	for _, sr := range res.([]system.StateResult) {
		s.o.Logger.Info("RAS event applied", "id", ev.Id, "rank", sr.Rank, "changed", sr.Changed, "state", sr.State, "reason", sr.Reason)
	}
	return resp, nil
}
