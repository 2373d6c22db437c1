package objsrv

import (
	"context"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/rpc"
)

// collective runs a key query or an object punch on each target the
// request lists, at once, and answers with every target's outcome: a
// target's failure (a stale map, an object with nothing there) is its
// result, not the request's.
func (s *Service) collective(ctx context.Context, in *rpc.Incoming, req *objproto.CollReq) (rpc.Message, error) {
	seen := make(map[uint32]bool, len(req.Targets))
	for _, t := range req.Targets {
		if seen[t] {
			return nil, daos.Errorf(daos.ErrInval, "collective request names target %d twice", t)
		}
		seen[t] = true
	}
	results := make([]objproto.CollResult, len(req.Targets))
	run := func(i int) {
		h := req.Header
		h.Target = req.Targets[i]
		start := time.Now()
		var err error
		var op string
		switch req.Kind {
		case objproto.CollQueryKey:
			op = "query_key"
			var m rpc.Message
			m, err = s.queryKey(ctx, in, &objproto.QueryKeyReq{Header: h, Query: req.Query, Dkey: req.Dkey, Akey: req.Akey})
			if err == nil {
				results[i].Query = *m.(*objproto.QueryKeyResp)
			}
		case objproto.CollPunch:
			op = "punch"
			_, err = s.punch(ctx, in, &objproto.PunchReq{Header: h, Kind: objproto.PunchObject})
		}
		if s.Metrics != nil {
			s.Metrics.Observe(h.Target, op, 0, time.Since(start), err)
		}
		if err != nil {
			results[i].Status, results[i].Text = daos.Code(err), err.Error()
		}
	}
	// The last target runs here; the others on goroutines of their own,
	// so that each target's executor works on its shard at once.
	var wg sync.WaitGroup
	for i := 0; i < len(req.Targets)-1; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			run(i)
		}()
	}
	if len(req.Targets) > 0 {
		run(len(req.Targets) - 1)
	}
	wg.Wait()
	return &objproto.CollResp{Results: results, HLC: s.Clock.Now()}, nil
}
