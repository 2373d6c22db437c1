package poolhost

import (
	"context"
	"errors"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// OpPoolSpace asks a pool service's leader for the space of the pool's
// shards on every target it can reach (daos_pool_query with DPI_SPACE); a
// client may send it. The reply's body is a TgtQueryResp.
const OpPoolSpace rpc.Opcode = 0x0500000d

// space answers OpPoolSpace on the leader: it asks each rank of the pool
// map for its shards' space (engine to engine). Ranks that do not answer
// are left out, as DAOS counts only the targets it reaches; none at all
// is an error.
func (h *Host) space(ctx context.Context, _ *rpc.Incoming, req *ServiceReq) (rpc.Message, error) {
	s, redirect, err := h.leading(ctx, req.Pool)
	if err != nil || redirect != nil {
		return redirect, err
	}
	if h.cfg.MapOf == nil || h.cfg.RankURIs == nil {
		return nil, daos.Errorf(daos.ErrNosys, "pool space: this engine does not know the pool's ranks")
	}
	_, ranks, ok := h.cfg.MapOf(s.svc)
	if !ok || len(ranks) == 0 {
		return nil, daos.Errorf(daos.ErrNonexist, "pool space: the pool map has no ranks")
	}
	ep, err := h.endpoint()
	if err != nil {
		return nil, err
	}
	uris := h.cfg.RankURIs()
	out := &TgtQueryResp{}
	var errs []error
	for _, r := range ranks {
		to, err := fabric.ParseURI(uris[r])
		if err != nil {
			errs = append(errs, fmt.Errorf("rank %d has no usable address: %w", r, err))
			continue
		}
		resp := &TgtQueryResp{}
		if err := ep.CallWith(ctx, to, OpTgtQuery, &PoolReq{Pool: req.Pool}, resp, rpc.CallOptions{Idempotent: true}); err != nil {
			errs = append(errs, fmt.Errorf("rank %d: %w", r, err))
			continue
		}
		out.Targets = append(out.Targets, resp.Targets...)
	}
	if len(out.Targets) == 0 {
		return nil, fmt.Errorf("pool space: no rank answered: %w", errors.Join(errs...))
	}
	e := rpc.NewEncoder(nil)
	out.EncodeRPC(e)
	return &ServiceResp{Body: e.Bytes()}, nil
}

// Space reads the space of pool p's shards from its service's leader.
func (c *Client) Space(ctx context.Context, p UUID, replicas []string) ([]TargetSpace, error) {
	body, err := c.call(ctx, OpPoolSpace, p, replicas, nil, true)
	if err != nil {
		return nil, err
	}
	resp := &TgtQueryResp{}
	if err := resp.DecodeRPC(rpc.NewDecoder(body)); err != nil {
		return nil, fmt.Errorf("pool space reply: %w", err)
	}
	return resp.Targets, nil
}
