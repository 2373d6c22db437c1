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

// ExtendPlan adds ranks to an existing pool: shards on every new rank
// (each rank's share of SCM and NVMe, as at create), then the pool
// service's command made from every new rank's number of targets.
type ExtendPlan struct {
	Pool      UUID
	Ranks     []uint32          // ranks to add
	URIs      map[uint32]string // every rank's fabric URI
	SCMBytes  uint64            // per rank
	NVMeBytes uint64
	Replicas  []string // the service replicas' URIs
	Command   func(targets map[uint32]uint32) ([]byte, error)
	// Applied, when set, tells whether the command took effect after
	// all when sending it failed (a timeout or a lost reply): the new
	// ranks' shards are then kept, since the pool map names them.
	Applied func(ctx context.Context) bool
}

// ExtendPool creates pool p's shards on the plan's ranks and applies the
// service command that adds them to the pool map (the leader then pushes
// the new map version to every engine of the pool). On failure it removes
// the shards it created (best effort) and returns the first error. Data is
// not moved onto the new targets: rebuild is not implemented yet.
func (h *Host) ExtendPool(ctx context.Context, p ExtendPlan) error {
	ep, err := h.endpoint()
	if err != nil {
		return err
	}
	if len(p.Ranks) == 0 {
		return daos.Errorf(daos.ErrInval, "pool extend: no ranks")
	}
	uris := make([]fabric.URI, len(p.Ranks))
	for i, r := range p.Ranks {
		s, ok := p.URIs[r]
		if !ok {
			return daos.Errorf(daos.ErrUnreach, "pool extend: rank %d has no known address", r)
		}
		if uris[i], err = fabric.ParseURI(s); err != nil {
			return fmt.Errorf("pool extend: rank %d: %w", r, err)
		}
	}
	// created[i]: rank i may hold shards now (asked, whatever it said).
	created := make([]bool, len(p.Ranks))
	cleanup := func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		var wg sync.WaitGroup
		for i, r := range p.Ranks {
			if !created[i] {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := ep.CallWith(cctx, uris[i], OpTgtDestroy, &PoolReq{Pool: p.Pool}, nil, rpc.CallOptions{Idempotent: true}); err != nil {
					h.cfg.Logger.Warn("pool extend: shards of a failed extend not removed", "pool", fmtUUID(p.Pool), "rank", r, "err", err)
				}
			}()
		}
		wg.Wait()
	}
	var mu sync.Mutex
	targets := map[uint32]uint32{}
	errs := make([]error, len(p.Ranks))
	var wg sync.WaitGroup
	for i, r := range p.Ranks {
		created[i] = true
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp := &TgtCreateResp{}
			err := ep.CallWith(ctx, uris[i], OpTgtCreate, &TgtCreateReq{Pool: p.Pool, SCMBytes: p.SCMBytes, NVMeBytes: p.NVMeBytes},
				resp, rpc.CallOptions{Idempotent: true})
			if err != nil {
				errs[i] = fmt.Errorf("rank %d: %w", r, err)
				return
			}
			mu.Lock()
			targets[r] = resp.Targets
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		cleanup()
		return fmt.Errorf("pool extend: shards: %w", err)
	}
	cmd, err := p.Command(targets)
	if err != nil {
		cleanup()
		return fmt.Errorf("pool extend: %w", err)
	}
	if _, err := (&Client{EP: ep}).AdminApply(ctx, p.Pool, p.Replicas, cmd); err != nil {
		// A refusal by the service is final; a transport failure or a
		// timeout leaves the outcome unknown.
		unknown := transient(err) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
		if unknown && p.Applied != nil {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			applied := p.Applied(actx)
			cancel()
			if applied {
				h.cfg.Logger.Warn("pool extend: the map command's reply was lost, but the map holds the new ranks",
					"pool", fmtUUID(p.Pool), "err", err)
				return nil
			}
		}
		cleanup()
		return fmt.Errorf("pool extend: pool map: %w", err)
	}
	return nil
}
