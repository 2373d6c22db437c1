package poolhost

import (
	"context"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Container handle revocation.
//
// Engines cache the container handles object I/O names (pkg/engine,
// handles.go). When a command closes container handles (cont_close,
// disconnect, evict, a forced cont_destroy or pool destroy), the state
// machine says which (a result implementing Closer), and the leader tells
// every engine of the pool map which handles are gone (OpHdlRevoke)
// before it answers the command's sender: the engines drop them from
// their caches, so the next I/O through them fails with DER_NO_HDL.
//
// The handles are named rather than the pool's cached handles dropped
// wholesale (a per-pool generation): the service knows exactly which
// closed, and dropping every handle of a busy pool at each close would
// send every engine back to the service for every handle still in use.
//
// Revocation is synchronous and parallel, each engine bounded by
// revokeTimeout and tried once: an engine that does not answer in time
// keeps the handles until its cache entries expire (the cache TTL), which
// is logged. The command itself has been applied either way and succeeds.

// OpHdlRevoke tells an engine that container handles of a pool are closed.
const OpHdlRevoke rpc.Opcode = 0x0500000c

// revokeTimeout bounds the revocation on one engine.
const revokeTimeout = time.Second

// maxRevoke bounds the handles of one request.
const maxRevoke = 1 << 20

// HdlRevokeReq names closed container handles of pool Pool.
type HdlRevokeReq struct {
	Pool    UUID
	Handles []UUID
}

func (m *HdlRevokeReq) EncodeRPC(e *rpc.Encoder) {
	e.PutRaw(m.Pool[:])
	e.PutUvarint(uint64(len(m.Handles)))
	for _, h := range m.Handles {
		e.PutRaw(h[:])
	}
}

func (m *HdlRevokeReq) DecodeRPC(d *rpc.Decoder) error {
	copy(m.Pool[:], d.Raw(16))
	n := d.Count(maxRevoke, 16)
	if d.Err() != nil {
		return d.Err()
	}
	m.Handles = make([]UUID, n)
	for i := range m.Handles {
		copy(m.Handles[i][:], d.Raw(16))
	}
	return d.Err()
}

// Closer is a command result that closed container handles: the
// result to answer with and the handles (UUID strings).
type Closer interface {
	Result() any
	ClosedContHandles() []string
}

func (h *Host) hdlRevoke(_ context.Context, _ *rpc.Incoming, req *HdlRevokeReq) (rpc.Message, error) {
	if h.cfg.OnRevoke != nil {
		h.cfg.OnRevoke(req.Pool, req.Handles)
	}
	return nil, nil
}

// revoke tells every engine of s's pool map that handles are closed,
// this engine directly; it waits for all (each bounded by revokeTimeout)
// and gives the ranks that were not told.
func (h *Host) revoke(ctx context.Context, p UUID, s *hosted, names []string) []uint32 {
	var handles []UUID
	for _, n := range names {
		u, err := target.ParseUUID(n)
		if err != nil {
			continue // not a UUID: no engine can hold it
		}
		handles = append(handles, UUID(u))
	}
	if len(handles) == 0 {
		return nil
	}
	var ranks []uint32
	if h.cfg.MapOf != nil {
		_, ranks, _ = h.cfg.MapOf(s.svc)
	}
	self, hasSelf := h.cfg.Self()
	if h.cfg.OnRevoke != nil {
		h.cfg.OnRevoke(p, handles)
	}
	var uris map[uint32]string
	if h.cfg.RankURIs != nil {
		uris = h.cfg.RankURIs()
	}
	ep, epErr := h.endpoint()
	var mu sync.Mutex
	var missed []uint32
	miss := func(r uint32, err error) {
		h.cfg.Logger.Warn("container handles not revoked on an engine: it accepts them until its handle cache expires",
			"pool", target.UUID(p).String(), "rank", r, "handles", len(handles), "err", err)
		mu.Lock()
		missed = append(missed, r)
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for _, r := range ranks {
		if hasSelf && r == self {
			continue
		}
		if epErr != nil {
			miss(r, epErr)
			continue
		}
		uri, err := fabric.ParseURI(uris[r])
		if err != nil {
			miss(r, err)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), revokeTimeout)
			defer cancel()
			if err := ep.CallWith(rctx, uri, OpHdlRevoke, &HdlRevokeReq{Pool: p, Handles: handles}, nil,
				rpc.CallOptions{Idempotent: true}); err != nil {
				miss(r, err)
			}
		}()
	}
	wg.Wait()
	return missed
}
