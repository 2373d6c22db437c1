package selftest

import (
	"context"
	"fmt"
	"sync"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Opcodes of the echo service, in a range no other service uses.
const (
	OpPing rpc.Opcode = 0xfe00_0001 + iota
	OpPull
	OpPush
)

// MaxBulk bounds one bulk transfer of the service.
const MaxBulk = 256 << 20

// PingMsg is both the ping request and its reply: the payload travels
// both ways.
type PingMsg struct{ Data []byte }

func (m *PingMsg) EncodeRPC(e *rpc.Encoder) { e.PutBytes(m.Data) }
func (m *PingMsg) DecodeRPC(d *rpc.Decoder) error {
	m.Data = d.Bytes(4 << 20)
	return d.Err()
}

// BulkMsg asks the server to pull (OpPull) or push (OpPush) Bulk.
type BulkMsg struct{ Bulk rpc.Bulk }

func (m *BulkMsg) EncodeRPC(e *rpc.Encoder) { e.PutBulk(m.Bulk) }
func (m *BulkMsg) DecodeRPC(d *rpc.Decoder) error {
	m.Bulk = d.Bulk(1 << 20)
	if d.Err() == nil && m.Bulk.Len > MaxBulk {
		d.Fail(fmt.Sprintf("bulk of %d bytes exceeds %d", m.Bulk.Len, MaxBulk))
	}
	return d.Err()
}

// PushReply carries data pushed inline.
type PushReply struct{ Inline []byte }

func (m *PushReply) EncodeRPC(e *rpc.Encoder) { e.PutBytes(m.Inline) }
func (m *PushReply) DecodeRPC(d *rpc.Decoder) error {
	m.Inline = d.Bytes(1 << 20)
	return d.Err()
}

// Limits bound what the service holds for its callers. An engine serves
// the self-test to any client of the fabric, so its transfers share a
// budget there; the self_test tool's own echo server needs none.
type Limits struct {
	// MaxBulk bounds one transfer (at most the package's MaxBulk).
	MaxBulk int64
	// InFlightBytes bounds the bytes of the transfers running at once;
	// a transfer beyond it is refused with DER_BUSY (0: no bound).
	InFlightBytes int64
	// PooledBytes bounds the idle buffers kept for reuse.
	PooledBytes int64
}

// EngineLimits are an engine's: 64 MiB per transfer, 256 MiB in flight,
// 64 MiB of idle buffers.
var EngineLimits = Limits{MaxBulk: 64 << 20, InFlightBytes: 256 << 20, PooledBytes: 64 << 20}

// Register adds the echo service to reg, with the tool's limits (any
// transfer up to MaxBulk, 32 idle buffers per size).
func Register(reg *rpc.Registry) error {
	_, err := RegisterLimited(reg, Limits{MaxBulk: MaxBulk, PooledBytes: 1 << 62})
	return err
}

// RegisterLimited adds the echo service to reg within lim. release frees
// the idle buffers the service keeps; call it once the endpoint serving
// reg has closed.
func RegisterLimited(reg *rpc.Registry, lim Limits) (release func(), err error) {
	if lim.MaxBulk <= 0 || lim.MaxBulk > MaxBulk || (lim.InFlightBytes > 0 && lim.InFlightBytes < lim.MaxBulk) {
		return nil, fmt.Errorf("register self-test service: limits %+v: want 0 < MaxBulk <= %d <= InFlightBytes (or no bound)", lim, MaxBulk)
	}
	bufs := &bufPool{free: map[int64][]buffer{}, maxIdle: lim.PooledBytes}
	budget := &byteBudget{limit: lim.InFlightBytes}
	// withBuffer runs fn on a buffer for a transfer of n bytes, within
	// the budget: the transfer's bytes are reserved until fn returns.
	withBuffer := func(ctx context.Context, in *rpc.Incoming, n int64, fn func(b []byte) (rpc.Message, error)) (rpc.Message, error) {
		if n > lim.MaxBulk {
			return nil, daos.Errorf(daos.ErrInval, "self-test transfer of %d bytes: this server takes at most %d", n, lim.MaxBulk)
		}
		if err := budget.acquire(n); err != nil {
			return nil, err
		}
		defer budget.release(n)
		buf, err := bufs.get(in.Endpoint(), n)
		if err != nil {
			return nil, err
		}
		msg, err := fn(buf.b)
		if err != nil {
			// A failed transfer may leave the provider holding the
			// buffer (ofi: a region that could not be closed): it is
			// not handed to the next caller.
			buf.release()
			return nil, err
		}
		bufs.put(buf)
		return msg, nil
	}
	// Ping only echoes: it never blocks, so it runs inline.
	err = reg.RegisterInline(OpPing, "selftest_ping", rpc.Handle(func(ctx context.Context, in *rpc.Incoming, req *PingMsg) (rpc.Message, error) {
		return req, nil
	}))
	if err != nil {
		return nil, fmt.Errorf("register self-test service: %w", err)
	}
	for _, op := range []struct {
		op   rpc.Opcode
		name string
		h    rpc.Handler
	}{
		{OpPull, "selftest_pull", rpc.Handle(func(ctx context.Context, in *rpc.Incoming, req *BulkMsg) (rpc.Message, error) {
			return withBuffer(ctx, in, req.Bulk.Len, func(b []byte) (rpc.Message, error) {
				return nil, in.Pull(ctx, req.Bulk, [][]byte{b})
			})
		})},
		{OpPush, "selftest_push", rpc.Handle(func(ctx context.Context, in *rpc.Incoming, req *BulkMsg) (rpc.Message, error) {
			return withBuffer(ctx, in, req.Bulk.Len, func(b []byte) (rpc.Message, error) {
				inline, err := in.Push(ctx, req.Bulk, [][]byte{b})
				if err != nil {
					return nil, err
				}
				return &PushReply{Inline: inline}, nil
			})
		})},
	} {
		if err := reg.Register(op.op, op.name, op.h); err != nil {
			return nil, fmt.Errorf("register self-test service: %w", err)
		}
	}
	return bufs.drain, nil
}

// bufPool keeps a few server buffers per size, so that measuring does not
// measure the allocator. As DAOS's self-test server keeps registered
// buffers, they come from the endpoint's registrable memory when the
// provider has some (ofi: no staging copy per transfer).
type bufPool struct {
	mu      sync.Mutex
	free    map[int64][]buffer
	idle    int64 // bytes in free
	maxIdle int64
}

// buffer is a server buffer and, when it came from the endpoint, its
// memory.
type buffer struct {
	b   []byte
	mem fabric.Memory
}

const buffersPerSize = 32

func (p *bufPool) get(ep *rpc.Endpoint, n int64) (buffer, error) {
	p.mu.Lock()
	if l := p.free[n]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[n] = l[:len(l)-1]
		if len(p.free[n]) == 0 {
			delete(p.free, n) // sizes come from callers: keep no empty ones
		}
		p.idle -= int64(len(b.b))
		p.mu.Unlock()
		return b, nil
	}
	p.mu.Unlock()
	return newBuffer(ep, n)
}

func (p *bufPool) put(b buffer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.free[int64(len(b.b))]; len(l) < buffersPerSize && p.idle+int64(len(b.b)) <= p.maxIdle {
		p.free[int64(len(b.b))] = append(l, b)
		p.idle += int64(len(b.b))
		return
	}
	b.release()
}

// newBuffer is n bytes of the endpoint's registrable memory, or of the Go
// heap when its provider has none (or n is 0).
func newBuffer(ep *rpc.Endpoint, n int64) (buffer, error) {
	if a, ok := ep.Fabric().(fabric.Allocator); ok && n > 0 {
		m, err := a.Alloc(int(n))
		if err != nil {
			return buffer{}, fmt.Errorf("self-test buffer of %d bytes: %w", n, err)
		}
		return buffer{b: m.Bytes(), mem: m}, nil
	}
	return buffer{b: make([]byte, n)}, nil
}

// drain frees the idle buffers.
func (p *bufPool) drain() {
	p.mu.Lock()
	free := p.free
	p.free, p.idle = map[int64][]buffer{}, 0
	p.mu.Unlock()
	for _, l := range free {
		for _, b := range l {
			b.release()
		}
	}
}

func (b buffer) release() {
	if b.mem != nil {
		_ = b.mem.Free()
	}
}

// byteBudget bounds the bytes of transfers running at once.
type byteBudget struct {
	mu    sync.Mutex
	limit int64 // 0: no bound
	used  int64
}

// acquire takes n bytes of the budget or fails at once with DER_BUSY: a
// request waiting for room would hold one of the engine's request
// handlers, and enough of them would stall its object I/O too.
func (b *byteBudget) acquire(n int64) error {
	if b.limit == 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.limit {
		return daos.Errorf(daos.ErrBusy, "self-test transfer of %d bytes: %d of %d bytes already in flight", n, b.used, b.limit)
	}
	b.used += n
	return nil
}

func (b *byteBudget) release(n int64) {
	if b.limit == 0 {
		return
	}
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
