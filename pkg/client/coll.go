package client

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/object/objproto"
)

// eachGroupAt runs req (a key query or an object punch at epoch) on every
// group's shard with one collective request per engine holding several of
// them, as DAOS's collective object operations do; an engine holding one
// is asked as usual (single). Groups whose engine could not take the
// request, or that answered that the pool map is stale, are asked one by
// one after the map has been refreshed (once). out[g] is group g's query
// reply (nil when it failed or for a punch), errs[g] its error.
func (o *Object) eachGroupAt(ctx context.Context, req objproto.CollReq, epoch daos.Epoch) ([]*objproto.QueryKeyResp, []error, error) {
	// single is req on group g alone, the usual way.
	single := func(ctx context.Context, g int) (*objproto.QueryKeyResp, error) {
		if req.Kind == objproto.CollPunch {
			return nil, o.punchGroup(ctx, g, epoch)
		}
		return o.queryGroup(ctx, g, epoch, req.Query, req.Dkey, req.Akey)
	}
	l, err := o.currentLayout()
	if err != nil {
		return nil, nil, err
	}
	out := make([]*objproto.QueryKeyResp, l.Groups)
	errs := make([]error, l.Groups)
	// The groups of each engine, in the order engines first appear.
	type batch struct {
		uri     fabric.URI
		groups  []int
		targets []uint32
	}
	var batches []*batch
	byURI := map[fabric.URI]*batch{}
	for g := 0; g < l.Groups; g++ {
		s, err := o.shard(l, g)
		if err != nil {
			errs[g] = err
			continue
		}
		b := byURI[s.URI]
		if b == nil {
			b = &batch{uri: s.URI}
			byURI[s.URI] = b
			batches = append(batches, b)
		}
		b.groups = append(b.groups, g)
		b.targets = append(b.targets, s.Target)
	}
	req.Header = o.header(l)
	req.Epoch = epoch
	// Groups to ask one by one after the collective round, and whether
	// an engine said the map is stale (refreshed once for all of them).
	retry := make([]bool, l.Groups)
	var stale atomic.Bool
	err = parallel(ctx, o.c.IO, len(batches), func(ctx context.Context, i int) error {
		b := batches[i]
		if len(b.groups) == 1 {
			// Nothing to combine: the usual request, alongside the others.
			g := b.groups[0]
			out[g], errs[g] = single(ctx, g)
			return nil
		}
		r := req
		r.Targets = b.targets
		results, err := o.c.IO.Collective(ctx, b.uri, r)
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			// An engine without collective requests, or one that
			// failed as a whole: its groups go one by one.
			for _, g := range b.groups {
				retry[g] = true
			}
			if errors.Is(err, daos.ErrStale) {
				stale.Store(true)
			}
			return nil
		}
		for j, g := range b.groups {
			res := &results[j]
			switch {
			case res.Status == daos.ErrStale:
				retry[g] = true
				stale.Store(true)
			case res.Status != daos.Success:
				errs[g] = res.Err()
			case req.Kind == objproto.CollQueryKey:
				q := res.Query
				out[g] = &q
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if stale.Load() {
		if err := o.c.Pool.RefreshFrom(ctx, l.MapVersion); err != nil {
			return nil, nil, err
		}
	}
	var again []int
	for g, r := range retry {
		if r {
			again = append(again, g)
		}
	}
	err = parallel(ctx, o.c.IO, len(again), func(ctx context.Context, i int) error {
		g := again[i]
		out[g], errs[g] = single(ctx, g)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return out, errs, nil
}

// firstError is the first of errs that is not nil and not skipped.
func firstError(errs []error, skip func(error) bool) error {
	for _, err := range errs {
		if err != nil && (skip == nil || !skip(err)) {
			return err
		}
	}
	return nil
}

func isNonexist(err error) bool { return errors.Is(err, daos.ErrNonexist) }
