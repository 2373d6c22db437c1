// Package objclient sends object I/O to one shard: an engine's target
// reached over pkg/rpc. It moves the caller's scatter-gather lists inline
// or through a bulk handle, by size, and carries the
// client's hybrid logical clock both ways. Placement (which shard holds a
// dkey) is the caller's business.
package objclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/gopool"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/csum"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/rpc"
)

// Shard names a target of an engine.
type Shard struct {
	URI    fabric.URI
	Target uint32
}

// Client calls shards from one endpoint.
type Client struct {
	EP    *rpc.Endpoint
	Clock *hlc.Clock
	// Inline is the data size from which values go by bulk handle rather
	// than inside the request or reply; 0 means DefaultInline.
	Inline int

	workersOnce sync.Once
	workers     *gopool.Pool
}

// Go runs f on one of the client's reused goroutines: fan-outs to every
// group of an object (a size query, a punch) would otherwise start
// goroutines whose stacks grow by copying on every RPC.
func (c *Client) Go(f func()) {
	c.workersOnce.Do(func() { c.workers = gopool.New(time.Second) })
	c.workers.Go(f)
}

// DefaultInline lets values below 16 KiB travel inside the RPC: a bulk
// transfer costs a round trip of its own (on tcp) or a registration and an
// RMA (on ofi), more than copying a few KiB into the message. Engines
// accept up to objproto.MaxInlineBytes.
const DefaultInline = 16 << 10

func (c *Client) expose(segs [][]byte, dir rpc.BulkDir) (*rpc.ClientBulk, error) {
	return c.EP.ExposeInline(segs, dir, c.InlineBytes())
}

// InlineBytes is the data size from which values go by bulk handle.
func (c *Client) InlineBytes() int {
	t := c.Inline
	if t <= 0 {
		t = DefaultInline
	}
	return min(t, objproto.MaxInlineBytes)
}

func (c *Client) stamp(h *objproto.Header, s Shard) {
	h.Target = s.Target
	h.HLC = c.Clock.Now()
}

// Update writes the IODs of dkey; data holds each IOD's bytes (a single
// value, or the array records of its extents back to back). It returns
// the epoch the engine stamped.
func (c *Client) Update(ctx context.Context, s Shard, h objproto.Header, dkey []byte, iods []daos.IOD, data [][]byte) (daos.Epoch, error) {
	c.stamp(&h, s)
	sums, err := updateSums(&h, iods, data)
	if err != nil {
		return 0, err
	}
	b, err := c.expose(data, rpc.ToServer)
	if err != nil {
		return 0, err
	}
	req := &objproto.UpdateReq{Header: h, Dkey: dkey, IODs: iods, Data: b.Desc(), Csums: sums}
	resp := &objproto.UpdateResp{}
	err = c.EP.Call(ctx, s.URI, objproto.OpUpdate, req, resp)
	if ferr := b.Finish(nil); err == nil {
		err = ferr
	}
	if err != nil {
		return 0, err
	}
	c.Clock.Update(resp.HLC)
	return resp.Epoch, nil
}

// Fetch reads the IODs of dkey into bufs (one per IOD, each sized for the
// IOD's data) and returns each IOD's size (0: nothing there).
func (c *Client) Fetch(ctx context.Context, s Shard, h objproto.Header, dkey []byte, iods []daos.IOD, bufs [][]byte) ([]uint64, error) {
	c.stamp(&h, s)
	if err := fetchSumsFit(&h, iods); err != nil {
		return nil, err
	}
	bufs = fitBufs(iods, bufs)
	b, err := c.expose(bufs, rpc.FromServer)
	if err != nil {
		return nil, err
	}
	req := &objproto.FetchReq{Header: h, Dkey: dkey, IODs: iods, Data: b.Desc()}
	// The inline data is copied into bufs while the reply is decoded, so
	// that the reply's message can be reused at once.
	finished := false
	resp := &objproto.FetchResp{Deliver: func(inline []byte) error {
		finished = true
		return b.Finish(inline)
	}}
	err = c.EP.CallWith(ctx, s.URI, objproto.OpFetch, req, resp, rpc.CallOptions{Idempotent: true})
	if !finished {
		if ferr := b.Finish(nil); err == nil {
			err = ferr
		}
	}
	if err != nil {
		return nil, err
	}
	c.Clock.Update(resp.HLC)
	if len(resp.Sizes) != len(iods) {
		return nil, fmt.Errorf("fetch: %d sizes for %d IODs: %w", len(resp.Sizes), len(iods), daos.ErrProto)
	}
	if err := verifyFetch(&h, iods, bufs, resp.Sizes, resp.Csums); err != nil {
		return nil, err
	}
	return resp.Sizes, nil
}

// StartUpdate is Update for a caller that cannot wait (rpc.Endpoint.Start
// says where done runs): it returns once the request is out, and done
// gets the epoch the engine stamped. Data of InlineBytes or more goes
// out with the request on providers that push it eagerly, so the caller
// then waits for its copy into the connection.
func (c *Client) StartUpdate(ctx context.Context, s Shard, h objproto.Header, dkey []byte, iods []daos.IOD, data [][]byte, done func(daos.Epoch, error)) {
	c.stamp(&h, s)
	sums, err := updateSums(&h, iods, data)
	if err != nil {
		done(0, err)
		return
	}
	b, err := c.expose(data, rpc.ToServer)
	if err != nil {
		done(0, err)
		return
	}
	req := &objproto.UpdateReq{Header: h, Dkey: dkey, IODs: iods, Data: b.Desc(), Csums: sums}
	resp := &objproto.UpdateResp{}
	c.EP.Start(ctx, s.URI, objproto.OpUpdate, req, resp, rpc.CallOptions{}, func(err error) {
		if ferr := b.Finish(nil); err == nil {
			err = ferr
		}
		if err != nil {
			done(0, err)
			return
		}
		c.Clock.Update(resp.HLC)
		done(resp.Epoch, nil)
	})
}

// StartFetch is Fetch for a caller that cannot wait, as StartUpdate is
// Update's.
func (c *Client) StartFetch(ctx context.Context, s Shard, h objproto.Header, dkey []byte, iods []daos.IOD, bufs [][]byte, done func([]uint64, error)) {
	c.stamp(&h, s)
	if err := fetchSumsFit(&h, iods); err != nil {
		done(nil, err)
		return
	}
	bufs = fitBufs(iods, bufs)
	b, err := c.expose(bufs, rpc.FromServer)
	if err != nil {
		done(nil, err)
		return
	}
	req := &objproto.FetchReq{Header: h, Dkey: dkey, IODs: iods, Data: b.Desc()}
	f := &fetchCall{b: b}
	f.resp.Deliver = f.deliver
	c.EP.Start(ctx, s.URI, objproto.OpFetch, req, &f.resp, rpc.CallOptions{Idempotent: true}, func(err error) {
		if !f.finished {
			if ferr := b.Finish(nil); err == nil {
				err = ferr
			}
		}
		if err != nil {
			done(nil, err)
			return
		}
		c.Clock.Update(f.resp.HLC)
		if len(f.resp.Sizes) != len(iods) {
			done(nil, fmt.Errorf("fetch: %d sizes for %d IODs: %w", len(f.resp.Sizes), len(iods), daos.ErrProto))
			return
		}
		if err := verifyFetch(&h, iods, bufs, f.resp.Sizes, f.resp.Csums); err != nil {
			done(nil, err)
			return
		}
		done(f.resp.Sizes, nil)
	})
}

// fetchCall is a fetch's reply and its exposure: the inline data is
// copied into the caller's buffers while the reply is decoded, so that
// the reply's message can be reused at once.
type fetchCall struct {
	b        *rpc.ClientBulk
	resp     objproto.FetchResp
	finished bool
}

func (f *fetchCall) deliver(inline []byte) error {
	f.finished = true
	return f.b.Finish(inline)
}

// updateSums is an update's checksums, one list per IOD, when the
// container sums its data (h.Csum).
func updateSums(h *objproto.Header, iods []daos.IOD, data [][]byte) ([][]byte, error) {
	if !h.Csum.On() {
		return nil, nil
	}
	if len(data) != len(iods) {
		return nil, daos.Errorf(daos.ErrInval, "update: %d data buffers for %d IODs", len(data), len(iods))
	}
	out := make([][]byte, len(iods))
	for i := range iods {
		if err := h.Csum.Fits(&iods[i], uint64(len(data[i])), objproto.MaxCsumBytes); err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		var err error
		if out[i], err = h.Csum.Compute(nil, &iods[i], data[i:i+1], uint64(len(data[i]))); err != nil {
			return nil, fmt.Errorf("update: checksums of akey %q: %w", iods[i].Name, err)
		}
	}
	return out, nil
}

// fitBufs cuts fetch buffers longer than their IODs' data: the buffers
// are exposed back to back and the engine lays out each IOD's data that
// way, so the tail of a longer buffer would take the next IOD's.
func fitBufs(iods []daos.IOD, bufs [][]byte) [][]byte {
	out := bufs
	for i := range bufs {
		if i >= len(iods) {
			break
		}
		need, ok := objproto.IODBytes(&iods[i])
		if ok && uint64(len(bufs[i])) > need {
			if &out[0] == &bufs[0] {
				out = slices.Clone(bufs)
			}
			out[i] = bufs[i][:need]
		}
	}
	return out
}

// fetchSumsFit refuses a fetch whose reply's checksums could not fit in
// it (the engine would sum every byte of each IOD's room).
func fetchSumsFit(h *objproto.Header, iods []daos.IOD) error {
	if !h.Csum.On() {
		return nil
	}
	for i := range iods {
		if room, ok := objproto.IODBytes(&iods[i]); ok {
			if err := h.Csum.Fits(&iods[i], room, objproto.MaxCsumBytes); err != nil {
				return fmt.Errorf("fetch: %w", err)
			}
		}
	}
	return nil
}

// verifyFetch checks what a fetch read against the engine's checksums
// of it, when the container sums its data: DER_CSUM when they differ.
func verifyFetch(h *objproto.Header, iods []daos.IOD, bufs [][]byte, sizes []uint64, sums [][]byte) error {
	if !h.Csum.On() {
		return nil
	}
	// A fetch that read no bytes at all (sizes only) comes without sums.
	if len(sums) != 0 && len(sums) != len(iods) {
		return daos.Errorf(daos.ErrCsum, "fetch: the engine sent %d checksum lists for %d IODs", len(sums), len(iods))
	}
	for i := range iods {
		room, _ := objproto.IODBytes(&iods[i])
		n := csum.FetchedBytes(&iods[i], sizes[i], room)
		if n == 0 {
			continue
		}
		if len(sums) == 0 {
			return daos.Errorf(daos.ErrCsum, "fetch: akey %q: %d bytes read without checksums", iods[i].Name, n)
		}
		if i >= len(bufs) || uint64(len(bufs[i])) < n {
			return daos.Errorf(daos.ErrCsum, "fetch: akey %q: %d bytes read, the buffer holds fewer", iods[i].Name, n)
		}
		if err := h.Csum.Verify(&iods[i], [][]byte{bufs[i][:n]}, n, sums[i]); err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
	}
	return nil
}

// Sizes asks for the IODs' sizes only.
func (c *Client) Sizes(ctx context.Context, s Shard, h objproto.Header, dkey []byte, iods []daos.IOD) ([]uint64, error) {
	c.stamp(&h, s)
	req := &objproto.FetchReq{Header: h, Dkey: dkey, IODs: iods, SizeOnly: true}
	resp := &objproto.FetchResp{}
	if err := c.EP.CallWith(ctx, s.URI, objproto.OpFetch, req, resp, rpc.CallOptions{Idempotent: true}); err != nil {
		return nil, err
	}
	c.Clock.Update(resp.HLC)
	if len(resp.Sizes) != len(iods) {
		return nil, fmt.Errorf("fetch sizes: %d sizes for %d IODs: %w", len(resp.Sizes), len(iods), daos.ErrProto)
	}
	return resp.Sizes, nil
}

// Punch removes the object (kind PunchObject), dkeys, or akeys of dkey.
func (c *Client) Punch(ctx context.Context, s Shard, h objproto.Header, kind objproto.PunchKind, dkey []byte, keys [][]byte) (daos.Epoch, error) {
	c.stamp(&h, s)
	resp := &objproto.UpdateResp{}
	if err := c.EP.Call(ctx, s.URI, objproto.OpPunch, &objproto.PunchReq{Header: h, Kind: kind, Dkey: dkey, Keys: keys}, resp); err != nil {
		return 0, err
	}
	c.Clock.Update(resp.HLC)
	return resp.Epoch, nil
}

// Batch applies steps to one shard, all or none.
func (c *Client) Batch(ctx context.Context, s Shard, h objproto.Header, steps []objproto.BatchStep) (daos.Epoch, error) {
	c.stamp(&h, s)
	resp := &objproto.UpdateResp{}
	if err := c.EP.Call(ctx, s.URI, objproto.OpBatch, &objproto.BatchReq{Header: h, Steps: steps}, resp); err != nil {
		return 0, err
	}
	c.Clock.Update(resp.HLC)
	return resp.Epoch, nil
}

// Enumerate lists one batch of what req asks for.
func (c *Client) Enumerate(ctx context.Context, s Shard, req objproto.EnumReq) (*objproto.EnumResp, error) {
	c.stamp(&req.Header, s)
	resp := &objproto.EnumResp{}
	if err := c.EP.CallWith(ctx, s.URI, objproto.OpEnum, &req, resp, rpc.CallOptions{Idempotent: true}); err != nil {
		return nil, err
	}
	return resp, nil
}

// QueryKey finds the greatest or least key or extent.
func (c *Client) QueryKey(ctx context.Context, s Shard, req objproto.QueryKeyReq) (*objproto.QueryKeyResp, error) {
	c.stamp(&req.Header, s)
	resp := &objproto.QueryKeyResp{}
	if err := c.EP.CallWith(ctx, s.URI, objproto.OpQueryKey, &req, resp, rpc.CallOptions{Idempotent: true}); err != nil {
		return nil, err
	}
	return resp, nil
}

// Collective runs req on the targets it lists, all on the engine at uri,
// and returns their results in the same order. A query is retried where
// the transport allows; a punch is not (it is stamped with one epoch).
func (c *Client) Collective(ctx context.Context, uri fabric.URI, req objproto.CollReq) ([]objproto.CollResult, error) {
	req.HLC = c.Clock.Now()
	resp := &objproto.CollResp{}
	opts := rpc.CallOptions{Idempotent: req.Kind == objproto.CollQueryKey}
	if err := c.EP.CallWith(ctx, uri, objproto.OpCollective, &req, resp, opts); err != nil {
		return nil, err
	}
	c.Clock.Update(resp.HLC)
	if len(resp.Results) != len(req.Targets) {
		return nil, daos.Errorf(daos.ErrProto, "collective request to %s: %d results for %d targets", uri, len(resp.Results), len(req.Targets))
	}
	return resp.Results, nil
}

// IsStale tells whether err asks the caller to refresh its pool map.
func IsStale(err error) bool { return errors.Is(err, daos.ErrStale) }
