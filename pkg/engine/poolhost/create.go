package poolhost

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Plan is a pool to create: its shards on Ranks (each engine's share of
// SCM and NVMe) and its service on SvcRanks, started with the command
// Init makes from every rank's number of targets.
type Plan struct {
	Pool      UUID
	Ranks     []uint32
	URIs      map[uint32]string // every rank's fabric URI
	SCMBytes  []uint64          // per rank, parallel to Ranks
	NVMeBytes []uint64
	SvcRanks  []uint32
	Init      func(targets map[uint32]uint32) ([]byte, error)
}

// CreatePool creates a pool across engines: shards on every rank, then
// the service replicas, then the service's first command. On failure it
// removes what it made (best effort) and returns the first error.
func (h *Host) CreatePool(ctx context.Context, p Plan) error {
	ep, err := h.endpoint()
	if err != nil {
		return err
	}
	if len(p.SCMBytes) != len(p.Ranks) || len(p.NVMeBytes) != len(p.Ranks) {
		return daos.Errorf(daos.ErrInval, "pool create: sizes for %d/%d ranks, %d ranks", len(p.SCMBytes), len(p.NVMeBytes), len(p.Ranks))
	}
	uri := func(r uint32) (fabric.URI, error) {
		s, ok := p.URIs[r]
		if !ok {
			return fabric.URI{}, daos.Errorf(daos.ErrUnreach, "pool create: rank %d has no known address (not in the group map yet?)", r)
		}
		return fabric.ParseURI(s)
	}
	each := func(ranks []uint32, fn func(i int, r uint32, to fabric.URI) error) error {
		errs := make([]error, len(ranks))
		var wg sync.WaitGroup
		for i, r := range ranks {
			to, err := uri(r)
			if err != nil {
				errs[i] = err
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := fn(i, r, to); err != nil {
					errs[i] = fmt.Errorf("rank %d: %w", r, err)
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	cleanup := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		_ = each(p.SvcRanks, func(_ int, _ uint32, to fabric.URI) error {
			return ep.Call(cctx, to, OpSvcStop, &PoolReq{Pool: p.Pool}, nil)
		})
		_ = each(p.Ranks, func(_ int, _ uint32, to fabric.URI) error {
			return ep.Call(cctx, to, OpTgtDestroy, &PoolReq{Pool: p.Pool}, nil)
		})
	}

	var tmu sync.Mutex
	targets := map[uint32]uint32{}
	if err := each(p.Ranks, func(i int, r uint32, to fabric.URI) error {
		resp := &TgtCreateResp{}
		err := ep.CallWith(ctx, to, OpTgtCreate, &TgtCreateReq{Pool: p.Pool, SCMBytes: p.SCMBytes[i], NVMeBytes: p.NVMeBytes[i]},
			resp, rpc.CallOptions{Idempotent: true})
		tmu.Lock()
		targets[r] = resp.Targets
		tmu.Unlock()
		return err
	}); err != nil {
		cleanup()
		return fmt.Errorf("pool create: shards: %w", err)
	}
	init, err := p.Init(targets)
	if err != nil {
		cleanup()
		return fmt.Errorf("pool create: %w", err)
	}
	var members []Member
	var replicas []string
	for _, r := range p.SvcRanks {
		members = append(members, Member{Rank: r, URI: p.URIs[r]})
		replicas = append(replicas, p.URIs[r])
	}
	if err := each(p.SvcRanks, func(_ int, r uint32, to fabric.URI) error {
		return ep.CallWith(ctx, to, OpSvcStart, &SvcStartReq{Pool: p.Pool, Self: r, Members: members}, nil,
			rpc.CallOptions{Idempotent: true})
	}); err != nil {
		cleanup()
		return fmt.Errorf("pool create: service replicas: %w", err)
	}
	if _, err := (&Client{EP: ep}).AdminApply(ctx, p.Pool, replicas, init); err != nil {
		// The command may have been applied with only its answer lost
		// (a time-out, a leader change): a service that answers a query
		// holds the pool, which another leader may already have found
		// and recorded, so it must not be torn down.
		qctx, qcancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		_, _, qerr := (&Client{EP: ep}).AdminQueryLeader(qctx, p.Pool, replicas, infoQuery)
		qcancel()
		if qerr == nil {
			return nil
		}
		cleanup()
		return fmt.Errorf("pool create: initialise the service: %w", err)
	}
	return nil
}

// DestroyPool stops pool p's service replicas and removes its shards.
func (h *Host) DestroyPool(ctx context.Context, p UUID, ranks, svcRanks []uint32, uris map[uint32]string) error {
	ep, err := h.endpoint()
	if err != nil {
		return err
	}
	var errs []error
	for _, step := range []struct {
		ranks []uint32
		op    rpc.Opcode
	}{{svcRanks, OpSvcStop}, {ranks, OpTgtDestroy}} {
		for _, r := range step.ranks {
			s, ok := uris[r]
			if !ok {
				errs = append(errs, daos.Errorf(daos.ErrUnreach, "rank %d has no known address", r))
				continue
			}
			to, err := fabric.ParseURI(s)
			if err == nil {
				err = ep.CallWith(ctx, to, step.op, &PoolReq{Pool: p}, nil, rpc.CallOptions{Idempotent: true})
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("rank %d: %w", r, err))
			}
		}
	}
	return errors.Join(errs...)
}
