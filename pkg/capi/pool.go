package capi

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// session is an attachment to one system, as the pool functions use it.
type session interface {
	System() string
	Connect(ctx context.Context, pool string, flags uint64) (*client.Pool, error)
	PoolFromGlobal(blob []byte) (*client.Pool, error)
	// Flush sends the requests held back for a batch (rpc.WithDeferredSend).
	Flush()
	// ListPools is the system's pool directory.
	ListPools(ctx context.Context) ([]PoolEntry, error)
	Close() error
}

// PoolEntry is a pool as daos_mgmt_list_pools lists it.
type PoolEntry struct {
	UUID, Label string
	SvcRanks    []uint32
}

type agentSession struct{ s *agentclient.Session }

func (a agentSession) System() string { return a.s.Sys }
func (a agentSession) Connect(ctx context.Context, pool string, flags uint64) (*client.Pool, error) {
	return a.s.Connect(ctx, pool, flags)
}
func (a agentSession) PoolFromGlobal(blob []byte) (*client.Pool, error) {
	return a.s.Client.PoolFromGlobal(blob)
}
func (a agentSession) Flush() { a.s.Client.EP.Flush() }
func (a agentSession) ListPools(ctx context.Context) ([]PoolEntry, error) {
	ps, err := a.s.ListPools(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PoolEntry, len(ps))
	for i, p := range ps {
		out[i] = PoolEntry{UUID: p.Uuid, Label: p.Label, SvcRanks: p.SvcReps}
	}
	return out, nil
}
func (a agentSession) Close() error { return a.s.Close() }

// Pool connect flags (DAOS_PC_*).
const (
	PoolRO = 1
	PoolRW = 2
	PoolEX = 4
)

// pool is what a pool handle holds.
type pool struct {
	p *client.Pool
}

// Pool is the connected pool behind poh, for the calls that only forward
// to it (attributes).
func (l *Lib) Pool(poh uint64) (*client.Pool, error) {
	p, err := lookup[*pool](l, poh, "pool")
	if err != nil {
		return nil, err
	}
	return p.p, nil
}

// PoolConnect is daos_pool_connect: pool is a label or a UUID string, sys
// the system name ("" for the default).
func (l *Lib) PoolConnect(ctx context.Context, id, sys string, flags uint32) (uint64, error) {
	if id == "" {
		return 0, daos.Errorf(daos.ErrInval, "pool connect: no pool label or UUID")
	}
	switch flags {
	case PoolRO, PoolRW, PoolEX:
	default:
		return 0, daos.Errorf(daos.ErrInval, "pool connect: flags %#x: want exactly one of DAOS_PC_RO, DAOS_PC_RW, DAOS_PC_EX", flags)
	}
	s, err := l.session(ctx, sys)
	if err != nil {
		return 0, err
	}
	p, err := s.Connect(ctx, id, uint64(flags))
	if err != nil {
		return 0, fmt.Errorf("pool connect %q: %w", id, err)
	}
	h, err := l.add(&pool{p: p})
	if err != nil {
		_ = p.Disconnect(ctx)
		return 0, err
	}
	return h, nil
}

// PoolDisconnect is daos_pool_disconnect. Containers still open through
// the handle make it DER_BUSY, as in DAOS.
func (l *Lib) PoolDisconnect(ctx context.Context, h uint64) error {
	l.mu.Lock()
	p, err := lookupLocked[*pool](l, h, "pool")
	if err != nil {
		l.mu.Unlock()
		return err
	}
	for _, v := range l.handles {
		if c, ok := v.(*container); ok && c.pool == p {
			l.mu.Unlock()
			return daos.Errorf(daos.ErrBusy, "pool disconnect: containers are still open through the handle")
		}
	}
	delete(l.handles, h)
	l.mu.Unlock()
	if err := p.p.Disconnect(ctx); err != nil {
		return fmt.Errorf("pool disconnect: %w", err)
	}
	return nil
}

// PoolQuery is daos_pool_query's information.
func (l *Lib) PoolQuery(ctx context.Context, h uint64) (*poolsvc.PoolInfo, error) {
	p, err := lookup[*pool](l, h, "pool")
	if err != nil {
		return nil, err
	}
	return p.p.Query(ctx)
}

// PoolLocal2Global is daos_pool_local2global's blob.
func (l *Lib) PoolLocal2Global(h uint64) ([]byte, error) {
	p, err := lookup[*pool](l, h, "pool")
	if err != nil {
		return nil, err
	}
	return p.p.Local2Global()
}

// PoolGlobal2Local is daos_pool_global2local: a handle for another
// process's connection, usable without asking the pool service.
func (l *Lib) PoolGlobal2Local(ctx context.Context, blob []byte) (uint64, error) {
	s, err := l.session(ctx, "")
	if err != nil {
		return 0, err
	}
	p, err := s.PoolFromGlobal(blob)
	if err != nil {
		return 0, err
	}
	return l.add(&pool{p: p})
}

// PoolSpace is daos_pool_query's DPI_SPACE part.
func (l *Lib) PoolSpace(ctx context.Context, h uint64) (*client.PoolSpace, error) {
	p, err := lookup[*pool](l, h, "pool")
	if err != nil {
		return nil, err
	}
	return p.p.Space(ctx)
}

// PoolProps is daos_pool_query's properties: the stored pool properties
// by dmg name, as raw values.
func (l *Lib) PoolProps(ctx context.Context, h uint64) (map[string]poolsvc.Prop, error) {
	p, err := lookup[*pool](l, h, "pool")
	if err != nil {
		return nil, err
	}
	return p.p.Props(ctx)
}

// PoolACL is the pool's ACL (ACE strings) as daos_pool_query's
// DAOS_PROP_PO_ACL reports it.
func (l *Lib) PoolACL(ctx context.Context, h uint64) ([]string, error) {
	p, err := lookup[*pool](l, h, "pool")
	if err != nil {
		return nil, err
	}
	a, err := p.p.GetACL(ctx)
	if err != nil {
		return nil, err
	}
	return a.ACL, nil
}

// PoolEngineRanks is daos_pool_query's rank list: the engines with all
// their targets enabled, or (enabled false) those with some disabled.
func (l *Lib) PoolEngineRanks(ctx context.Context, h uint64, enabled bool) ([]uint32, error) {
	p, err := lookup[*pool](l, h, "pool")
	if err != nil {
		return nil, err
	}
	return p.p.EngineRanks(ctx, enabled)
}

// ListPools is daos_mgmt_list_pools: the pools of system sys ("": the
// default one), as its management service lists them.
func (l *Lib) ListPools(ctx context.Context, sys string) ([]PoolEntry, error) {
	s, err := l.session(ctx, sys)
	if err != nil {
		return nil, err
	}
	ps, err := s.ListPools(ctx)
	if err != nil {
		return nil, fmt.Errorf("list pools: %w", err)
	}
	return ps, nil
}
