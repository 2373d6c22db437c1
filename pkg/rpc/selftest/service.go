package selftest

import (
	"context"
	"fmt"
	"sync"

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
	bufs := &bufPool{free: map[int64][][]byte{}}
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
			buf := bufs.get(req.Bulk.Len)
			defer bufs.put(buf)
			return nil, in.Pull(ctx, req.Bulk, [][]byte{buf})
		})},
		{OpPush, "selftest_push", rpc.Handle(func(ctx context.Context, in *rpc.Incoming, req *BulkMsg) (rpc.Message, error) {
			buf := bufs.get(req.Bulk.Len)
			defer bufs.put(buf)
			inline, err := in.Push(ctx, req.Bulk, [][]byte{buf})
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
// measure the allocator.
type bufPool struct {
	mu   sync.Mutex
	free map[int64][][]byte
}

const buffersPerSize = 32

func (p *bufPool) get(n int64) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.free[n]; len(l) > 0 {
		b := l[len(l)-1]
		p.free[n] = l[:len(l)-1]
		return b
	}
	return make([]byte, n)
}

func (p *bufPool) put(b []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if l := p.free[int64(len(b))]; len(l) < buffersPerSize {
		p.free[int64(len(b))] = append(l, b)
	}
}
