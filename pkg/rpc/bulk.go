package rpc

import (
	"context"
	"errors"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// DefaultInlineThreshold is the size below which bulk data travels inside
// the message instead of through a bulk handle.
const DefaultInlineThreshold = 4096

// Bulk describes data a request moves between the caller's memory and the
// server: Len bytes that either travel inline (Inline, for data sent to the
// server) or wait in the caller's registered memory behind Handle. A Bulk
// with neither asks the server to send the data back inline in its reply.
type Bulk struct {
	Len    int64
	Inline []byte
	Handle fabric.BulkHandle
}

const (
	bulkInlineWanted = 0
	bulkInlineData   = 1
	bulkHandle       = 2
)

// PutBulk writes a bulk descriptor.
func (e *Encoder) PutBulk(b Bulk) {
	switch {
	case !b.Handle.IsZero():
		e.PutUint8(bulkHandle)
		e.PutHandle(b.Handle)
		if b.Handle.Access&fabric.AccessRemoteRead != 0 {
			e.readable = append(e.readable, b.Handle)
		}
	case b.Inline != nil:
		e.PutUint8(bulkInlineData)
		e.PutBytes(b.Inline)
	default:
		e.PutUint8(bulkInlineWanted)
		e.PutUvarint(uint64(b.Len))
	}
}

// Bulk reads a bulk descriptor; inline data is at most maxInline bytes and
// aliases the message.
func (d *Decoder) Bulk(maxInline int) Bulk {
	switch form := d.Uint8(); form {
	case bulkHandle:
		h := d.Handle()
		if d.Err() == nil && h.IsZero() {
			d.Fail("bulk handle without segments")
		}
		return Bulk{Len: h.Len(), Handle: h}
	case bulkInlineData:
		data := d.Bytes(maxInline)
		if data == nil {
			data = []byte{}
		}
		return Bulk{Len: int64(len(data)), Inline: data}
	case bulkInlineWanted:
		n := d.Uvarint()
		if n > uint64(maxInline) {
			d.Fail(fmt.Sprintf("inline reply of %d bytes wanted, more than %d", n, maxInline))
			return Bulk{}
		}
		return Bulk{Len: int64(n)}
	default:
		if d.Err() == nil {
			d.Fail(fmt.Sprintf("bulk descriptor of unknown form %d", form))
		}
		return Bulk{}
	}
}

// BulkDir says which way a bulk transfer goes.
type BulkDir uint8

const (
	// ToServer: the server pulls the caller's data (an update).
	ToServer BulkDir = 1
	// FromServer: the server pushes data into the caller's memory (a fetch).
	FromServer BulkDir = 2
)

// ClientBulk is the caller's side of a bulk transfer: the memory exposed
// for one call and the descriptor to put in its request.
type ClientBulk struct {
	segs   [][]byte
	dir    BulkDir
	region fabric.Region
	desc   Bulk
}

func totalLen(segs [][]byte) int64 {
	var n int64
	for _, s := range segs {
		n += int64(len(s))
	}
	return n
}

// Expose prepares segs for one call: below the inline threshold the data
// (ToServer) is copied into the descriptor, or the reply is asked to carry
// it (FromServer); otherwise the segments are registered for the server's
// RMA. Call Finish once the call has returned, whatever its outcome.
func (e *Endpoint) Expose(segs [][]byte, dir BulkDir) (*ClientBulk, error) {
	return e.ExposeInline(segs, dir, e.inline)
}

// ExposeInline is Expose with the caller's own inline threshold: a
// protocol whose requests carry small payloads anyway (object I/O) may
// send more inline than the endpoint's default. The peer must accept
// inline data of that size.
func (e *Endpoint) ExposeInline(segs [][]byte, dir BulkDir, threshold int) (*ClientBulk, error) {
	b := &ClientBulk{segs: segs, dir: dir}
	n := totalLen(segs)
	if n < int64(threshold) {
		b.desc.Len = n
		switch {
		case dir != ToServer:
		case len(segs) == 1 && segs[0] != nil:
			// Sent from where it is: the caller's buffer is its until
			// the call returns, and the request is written before.
			b.desc.Inline = segs[0]
		default:
			b.desc.Inline = make([]byte, 0, n)
			for _, s := range segs {
				b.desc.Inline = append(b.desc.Inline, s...)
			}
		}
		return b, nil
	}
	access := fabric.AccessRemoteRead
	if dir == FromServer {
		access = fabric.AccessRemoteWrite
	} else if dir != ToServer {
		return nil, fmt.Errorf("expose memory: unknown direction %d", dir)
	}
	r, err := e.fab.Register(segs, access)
	if err != nil {
		return nil, fmt.Errorf("expose %d bytes for bulk transfer: %w", n, err)
	}
	b.region = r
	b.desc = Bulk{Len: n, Handle: r.Handle()}
	return b, nil
}

// Desc is the descriptor to send in the request.
func (b *ClientBulk) Desc() Bulk { return b.desc }

// Finish ends the exposure: it withdraws registered memory (after which
// what the server pushed is in the segments) or copies the inline data the
// server replied with (nil when the call failed) into the segments.
func (b *ClientBulk) Finish(inline []byte) error {
	if b.region != nil {
		r := b.region
		b.region = nil
		if err := r.Close(); err != nil {
			return fmt.Errorf("finish bulk transfer: %w", err)
		}
		return nil
	}
	if b.dir != FromServer || inline == nil {
		return nil
	}
	if int64(len(inline)) > b.desc.Len {
		return fmt.Errorf("finish bulk transfer: reply carries %d bytes for %d: %w", len(inline), b.desc.Len, daos.ErrProto)
	}
	scatterInline(inline, b.segs)
	return nil
}

func scatterInline(data []byte, segs [][]byte) {
	for _, s := range segs {
		n := copy(s, data)
		data = data[n:]
		if len(data) == 0 {
			return
		}
	}
}

// Pull copies the caller's data described by b into dst, which must hold
// exactly b.Len bytes: from the message when inline, else by RMA read.
func (in *Incoming) Pull(ctx context.Context, b Bulk, dst [][]byte) error {
	n := totalLen(dst)
	if n != b.Len {
		return fmt.Errorf("pull %d bytes into %d: %w", b.Len, n, daos.ErrInval)
	}
	if b.Handle.IsZero() {
		if int64(len(b.Inline)) != n {
			return fmt.Errorf("pull: request has %d inline bytes, %d expected: %w", len(b.Inline), n, daos.ErrProto)
		}
		scatterInline(b.Inline, dst)
		return nil
	}
	if b.Handle.Access&fabric.AccessRemoteRead == 0 {
		return fmt.Errorf("pull: caller's memory is not readable (%s): %w", b.Handle.Access, daos.ErrNoPerm)
	}
	return in.rma(ctx, "pull", b, dst, false)
}

// Push sends src, b.Len bytes in total, to the caller: by RMA write when b
// has a handle (and returns nil), else it returns the bytes to put in the
// reply as inline data.
func (in *Incoming) Push(ctx context.Context, b Bulk, src [][]byte) ([]byte, error) {
	n := totalLen(src)
	if n > b.Len {
		return nil, fmt.Errorf("push %d bytes into %d: %w", n, b.Len, daos.ErrOverflow)
	}
	if b.Handle.IsZero() {
		out := make([]byte, 0, n)
		for _, s := range src {
			out = append(out, s...)
		}
		return out, nil
	}
	if b.Handle.Access&fabric.AccessRemoteWrite == 0 {
		return nil, fmt.Errorf("push: caller's memory is not writable (%s): %w", b.Handle.Access, daos.ErrNoPerm)
	}
	return nil, in.rma(ctx, "push", b, src, true)
}

func (in *Incoming) rma(ctx context.Context, what string, b Bulk, segs [][]byte, write bool) error {
	n := totalLen(segs)
	if n == 0 {
		return nil
	}
	local, err := in.ep.fab.Register(segs, fabric.AccessLocal)
	if err != nil {
		return fmt.Errorf("%s %d bytes: %w", what, n, err)
	}
	if write {
		err = in.from.Write(ctx, local, 0, b.Handle, 0, n)
	} else {
		err = in.from.Read(ctx, b.Handle, 0, local, 0, n)
	}
	cerr := local.Close()
	if err != nil {
		return fmt.Errorf("%s %d bytes: %w", what, n, errors.Join(err, cerr))
	}
	return cerr
}
