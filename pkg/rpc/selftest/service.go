package selftest

import (
	"context"
	"fmt"
	"sync"

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

// Register adds the echo service to reg.
func Register(reg *rpc.Registry) error {
	bufs := &bufPool{free: map[int64][]buffer{}}
	// Ping only echoes: it never blocks, so it runs inline.
	err := reg.RegisterInline(OpPing, "selftest_ping", rpc.Handle(func(ctx context.Context, in *rpc.Incoming, req *PingMsg) (rpc.Message, error) {
		return req, nil
	}))
	if err != nil {
		return fmt.Errorf("register self-test service: %w", err)
	}
	for _, op := range []struct {
		op   rpc.Opcode
		name string
		h    rpc.Handler
	}{
		{OpPull, "selftest_pull", rpc.Handle(func(ctx context.Context, in *rpc.Incoming, req *BulkMsg) (rpc.Message, error) {
			buf, err := bufs.get(in.Endpoint(), req.Bulk.Len)
			if err != nil {
				return nil, err
			}
			defer bufs.put(buf)
			return nil, in.Pull(ctx, req.Bulk, [][]byte{buf.b})
		})},
		{OpPush, "selftest_push", rpc.Handle(func(ctx context.Context, in *rpc.Incoming, req *BulkMsg) (rpc.Message, error) {
			buf, err := bufs.get(in.Endpoint(), req.Bulk.Len)
			if err != nil {
				return nil, err
			}
			defer bufs.put(buf)
			inline, err := in.Push(ctx, req.Bulk, [][]byte{buf.b})
			if err != nil {
				return nil, err
			}
			return &PushReply{Inline: inline}, nil
		})},
	} {
		if err := reg.Register(op.op, op.name, op.h); err != nil {
			return fmt.Errorf("register self-test service: %w", err)
		}
	}
	return nil
}

// bufPool keeps a few server buffers per size, so that measuring does not
// measure the allocator. As DAOS's self-test server keeps registered
// buffers, they come from the endpoint's registrable memory when the
// provider has some (ofi: no staging copy per transfer).
type bufPool struct {
	mu   sync.Mutex
	free map[int64][]buffer
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
		p.mu.Unlock()
		return b, nil
	}
	p.mu.Unlock()
	return newBuffer(ep, n)
}

func (p *bufPool) put(b buffer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.free[int64(len(b.b))]; len(l) < buffersPerSize {
		p.free[int64(len(b.b))] = append(l, b)
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

func (b buffer) release() {
	if b.mem != nil {
		_ = b.mem.Free()
	}
}
