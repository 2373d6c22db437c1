package ctlsvc

import (
	"context"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/control/sharedpb"
	"github.com/daos-go/daos/pkg/daos"
)

var errNoRanks = status.Error(codes.Unimplemented, "this server does not act on ranks")

// PrepShutdownRanks prepares this host's engines of the given ranks to
// stop.
func (s *Service) PrepShutdownRanks(ctx context.Context, req *ctlpb.RanksReq) (*ctlpb.RanksResp, error) {
	if s.Ranks == nil {
		return nil, errNoRanks
	}
	return s.eachRank(ctx, req, "prep shutdown", "stopping", s.Ranks.PrepShutdownEngine)
}

// StopRanks stops this host's engines of the given ranks (SIGKILL when
// forced).
func (s *Service) StopRanks(ctx context.Context, req *ctlpb.RanksReq) (*ctlpb.RanksResp, error) {
	if s.Ranks == nil {
		return nil, errNoRanks
	}
	stop := s.Ranks.StopEngine
	if req.Force {
		stop = s.Ranks.KillEngine
	}
	return s.eachRank(ctx, req, "stop", "stopped", stop)
}

// StartRanks starts this host's engines of the given ranks and answers
// once they have joined the system again.
func (s *Service) StartRanks(ctx context.Context, req *ctlpb.RanksReq) (*ctlpb.RanksResp, error) {
	if s.Ranks == nil {
		return nil, errNoRanks
	}
	return s.eachRank(ctx, req, "start", "joined", func(ctx context.Context, idx int) error {
		if err := s.Ranks.StartEngine(ctx, idx); err != nil {
			return err
		}
		return s.Ranks.WaitJoined(ctx, idx)
	})
}

// eachRank runs op on the engine of every rank, concurrently; ranks this
// host does not hold fail on their own.
func (s *Service) eachRank(ctx context.Context, req *ctlpb.RanksReq, action, okState string,
	op func(context.Context, int) error) (*ctlpb.RanksResp, error) {
	set, err := ranklist.Parse(req.Ranks)
	if err != nil {
		return nil, grpcerr.Errorf(daos.ErrInval, "%v", err)
	}
	ranks := set.Ranks()
	resp := &ctlpb.RanksResp{Results: make([]*sharedpb.RankResult, len(ranks))}
	var wg sync.WaitGroup
	for i, r := range ranks {
		rr := &sharedpb.RankResult{Rank: r, Action: action, State: okState}
		resp.Results[i] = rr
		idx, ok := s.Ranks.EngineOfRank(r)
		if !ok {
			rr.Errored, rr.Msg, rr.State = true, "this server has no engine with that rank", ""
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := op(ctx, idx); err != nil {
				rr.Errored, rr.Msg, rr.State = true, err.Error(), ""
				s.log().Warn("rank operation failed", "action", action, "rank", r, "engine", idx, "err", err)
			}
		}()
	}
	wg.Wait()
	return resp, nil
}
