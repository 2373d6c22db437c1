package bdev

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// opKind is what a request does.
type opKind uint8

const (
	opRead opKind = iota
	opWrite
	opSync
)

func (k opKind) String() string {
	switch k {
	case opRead:
		return "read"
	case opWrite:
		return "write"
	default:
		return "fdatasync"
	}
}

// uringRetries bounds how often one SQE is reissued after -EAGAIN, -EINTR
// or a cancellation we did not ask for, so a kernel that keeps refusing
// cannot hold a caller forever.
const uringRetries = 64

// user_data of an SQE: bit 0 tells a cancellation from the operation it
// targets, bits 1-16 name the queue slot (whose holder receives the
// completion) and bits 17-32 the operation's index within its request.
// MaxQueueDepth keeps both indexes under 1<<16.
const (
	udCancel    = 1
	udSlotShift = 1
	udOpShift   = 17
	udMask      = 1<<16 - 1
	// udPoke marks the no-op submitted when a request's context ends, to
	// wake the request if it is the one waiting in the kernel.
	udPoke = ^uint64(0)
)

func userData(slot, op int, cancel bool) uint64 {
	ud := uint64(slot)<<udSlotShift | uint64(op)<<udOpShift
	if cancel {
		ud |= udCancel
	}
	return ud
}

// uringEngine issues a File's requests through one ring shared by every
// caller. Each chunk of a request is its own SQE, so a request holding
// several queue slots has several chunks in flight.
//
// There is no reaper goroutine: the requests reap. One waiting request at a
// time, the leader (the holder of the lead token), blocks in io_uring_enter
// for completions and hands each to the request that holds the slot named
// in its user_data; the others wait on their channels and for the token.
// With a single caller, submission and wait happen on the same thread, which
// is where the kernel finishes the request (as task work of the submitting
// thread): a separate reaper thread cost two more thread wake-ups per
// request and doubled the latency of 4 KiB requests on this VM. An idle
// engine has nobody in the kernel and costs nothing.
type uringEngine struct {
	r *ring
	// target is the descriptor the SQEs name: the device file. Tests point
	// it at a pipe to hold a request in flight for as long as they like.
	target int32
	// owners maps a slot index to the request holding it, for the leader.
	owners []atomic.Pointer[uringReq]
	// lead holds the token of the one request allowed to wait in the
	// kernel and read the CQ.
	lead chan struct{}

	// inflight counts operations and cancellations the kernel consumed and
	// whose completion has not been reaped; peak is its largest value
	// (tests read it).
	inflight, peak atomic.Int32
	// filter, when set by a test, replaces the result of every operation
	// before the request sees it (to play short transfers and errors).
	filter func(kind opKind, res int32) int32
}

func newURingEngine(fd int, queueDepth int, filter func(opKind, int32) int32) (*uringEngine, error) {
	// Each slot has at most an operation and its cancellation in the
	// kernel, and one request submits at most one SQE per slot at a time:
	// 2*queueDepth SQ entries never fill. The CQ (twice as large) also
	// has room for a poke per request.
	r, err := newRing(uint32(2 * queueDepth))
	if err != nil {
		return nil, err
	}
	e := &uringEngine{
		r:      r,
		target: int32(fd),
		owners: make([]atomic.Pointer[uringReq], queueDepth),
		lead:   make(chan struct{}, 1),
		filter: filter,
	}
	e.lead <- struct{}{}
	return e, nil
}

// leadUntil reaps for everyone, as the leader, until req has a completion
// to handle or its context ends (done; nil once req has cancelled).
func (e *uringEngine) leadUntil(req *uringReq, done <-chan struct{}) {
	for {
		e.r.reap(e.deliver)
		if len(req.ch) > 0 {
			return
		}
		select {
		case <-done:
			return
		default:
		}
		if err := e.r.wait(); err != nil {
			// Not expected from a healthy ring. Completions may still
			// come, and buffers in the kernel must stay owned, so keep
			// waiting, without spinning.
			time.Sleep(10 * time.Millisecond)
		}
	}
}

// deliver hands a completion to the request holding its slot. The channel
// has room for two completions per slot held, which is all a slot can have
// in flight, so delivering never blocks the leader.
func (e *uringEngine) deliver(c cqe) {
	if c.userData == udPoke {
		return // it woke the leader; nothing to hand over
	}
	e.inflight.Add(-1)
	slot := int(c.userData >> udSlotShift & udMask)
	if slot >= len(e.owners) {
		panic(fmt.Sprintf("bdev: io_uring completion %#x names slot %d of %d", c.userData, slot, len(e.owners)))
	}
	req := e.owners[slot].Load()
	if req == nil {
		panic(fmt.Sprintf("bdev: io_uring completion %#x for slot %d, which no request holds", c.userData, slot))
	}
	comp := completion{op: int(c.userData >> udOpShift & udMask), cancel: c.userData&udCancel != 0, res: c.res}
	select {
	case req.ch <- comp:
	default:
		panic(fmt.Sprintf("bdev: io_uring completion %#x: its request has no room for it", c.userData))
	}
}

// submit hands entries to the ring and keeps the in-flight counts.
func (e *uringEngine) submit(entries []sqe) (int, error) {
	// Count before entering: a leader may reap a completion before
	// io_uring_enter returns.
	now := e.inflight.Add(int32(len(entries)))
	n, err := e.r.submit(entries)
	if n < len(entries) {
		now = e.inflight.Add(int32(n - len(entries)))
	}
	for p := e.peak.Load(); now > p && !e.peak.CompareAndSwap(p, now); p = e.peak.Load() {
	}
	return n, err
}

// poke wakes the leader, whoever it is, with a no-op completion. Pokes are
// not counted in flight: they hold no slot and complete at once.
func (e *uringEngine) poke() { _, _ = e.r.submit([]sqe{{opcode: uringOpNop, userData: udPoke}}) }

// close releases the ring. The caller guarantees that no request is
// running (File.Close holds the device lock exclusively), so nothing is in
// flight and nobody waits in the kernel.
func (e *uringEngine) close() error { return e.r.close() }

// completion is one CQE as the leader hands it to a request.
type completion struct {
	op     int // index in uringReq.ops
	cancel bool
	res    int32
}

// uringReq is one ReadAt, WriteAt or Sync on the ring. Only the caller's
// goroutine touches it, except ch, which the leader sends on. The request
// splits p into chunks and keeps one chunk in flight per slot it holds,
// giving a slot its next chunk as soon as the previous one completes.
type uringReq struct {
	e     *uringEngine
	kind  opKind
	p     []byte
	off   int64
	chunk int
	ops   []uringOp
	ch    chan completion

	next       int   // start in p of the first chunk not yet assigned
	unfinished int   // chunks not yet transferred in full
	waits      int   // completions still to come (operations and cancellations)
	err        error // first failure; no new chunk is assigned after one
	cancelled  bool  // the context ended: cancellations were sent
}

// uringOp is the chunk a slot is working on.
type uringOp struct {
	s       *slot
	lo, hi  int // the chunk is p[lo:hi]
	done    int // bytes of the chunk transferred so far
	retries int
	busy    bool // an SQE for it is in the kernel
}

// run performs a request on the slots the caller holds (at least one).
// It returns only when the kernel has finished with every SQE it issued,
// even when ctx ends first: until then the kernel may still read or write
// the slots' bounce buffers.
func (e *uringEngine) run(ctx context.Context, kind opKind, p []byte, off int64, chunk int, slots []*slot) error {
	r := &uringReq{
		e: e, kind: kind, p: p, off: off, chunk: chunk,
		ops: make([]uringOp, len(slots)),
		ch:  make(chan completion, 2*len(slots)),
	}
	if kind == opSync {
		r.unfinished = 1
	} else {
		r.unfinished = (len(p) + chunk - 1) / chunk
	}
	for i, s := range slots {
		if kind != opSync {
			if _, err := s.buffer(chunk); err != nil {
				return err
			}
		}
		r.ops[i].s = s
	}
	for _, s := range slots {
		e.owners[s.idx].Store(r)
	}
	defer func() {
		for i := range r.ops {
			e.owners[r.ops[i].s.idx].Store(nil)
		}
	}()

	first := make([]int, 0, len(r.ops))
	for i := range r.ops {
		if !r.assign(i) {
			break
		}
		first = append(first, i)
	}
	r.issue(first...)
	if r.waits > 0 && ctx.Done() != nil {
		// A leader blocked in the kernel sees its context end only when a
		// completion wakes it: make one. Wait for the poke to be submitted
		// before returning, so it never outlives the request (nor the ring).
		poked := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			defer close(poked)
			e.poke()
		})
		defer func() {
			if !stop() {
				<-poked
			}
		}()
	}
	for r.waits > 0 {
		var done <-chan struct{}
		if !r.cancelled {
			done = ctx.Done()
		}
		select {
		case c := <-r.ch:
			r.waits--
			r.complete(c)
			continue
		default:
		}
		select {
		case c := <-r.ch:
			r.waits--
			r.complete(c)
		case <-e.lead:
			e.leadUntil(r, done)
			e.lead <- struct{}{}
		case <-done:
			r.cancel()
		}
	}
	if r.err == nil && r.unfinished > 0 {
		if !r.cancelled {
			panic(fmt.Sprintf("bdev: io_uring %s stopped with %d chunks left and no error", kind, r.unfinished))
		}
		r.err = ctx.Err()
	}
	return r.err
}

// assign gives op i the next chunk, copying a write's data into the slot's
// bounce buffer; false when there is nothing left to assign.
func (r *uringReq) assign(i int) bool {
	op := &r.ops[i]
	if r.kind == opSync {
		if r.next > 0 {
			return false
		}
		r.next = 1
		*op = uringOp{s: op.s}
		return true
	}
	if r.next >= len(r.p) {
		return false
	}
	*op = uringOp{s: op.s, lo: r.next, hi: min(r.next+r.chunk, len(r.p))}
	r.next = op.hi
	if r.kind == opWrite {
		copy(op.s.buf, r.p[op.lo:op.hi])
	}
	return true
}

// sqe describes what is left of op i's chunk.
func (r *uringReq) sqe(i int) sqe {
	op := &r.ops[i]
	ud := userData(op.s.idx, i, false)
	if r.kind == opSync {
		return sqe{opcode: uringOpFsync, fd: r.e.target, opFlags: uringFsyncDatasync, userData: ud}
	}
	rest := op.s.buf[op.done : op.hi-op.lo]
	code := uint8(uringOpRead)
	if r.kind == opWrite {
		code = uringOpWrite
	}
	return sqe{
		opcode:   code,
		fd:       r.e.target,
		off:      uint64(r.off + int64(op.lo+op.done)),
		addr:     uint64(uintptr(unsafe.Pointer(unsafe.SliceData(rest)))),
		len:      uint32(len(rest)),
		userData: ud,
	}
}

// issue submits the SQEs of the given ops in one io_uring_enter.
func (r *uringReq) issue(ops ...int) {
	var arr [16]sqe // enough for most requests without allocating
	batch := arr[:0]
	for _, i := range ops {
		batch = append(batch, r.sqe(i))
	}
	n, err := r.e.submit(batch)
	for _, i := range ops[:n] {
		r.ops[i].busy = true
	}
	r.waits += n
	if err != nil && r.err == nil {
		r.err = err
	}
}

// complete handles one completion: a retry, the rest of a short transfer,
// the next chunk, or a failure.
func (r *uringReq) complete(c completion) {
	if c.cancel {
		return // its result says only whether it found the target in time
	}
	op := &r.ops[c.op]
	op.busy = false
	res := c.res
	if r.e.filter != nil {
		res = r.e.filter(r.kind, res)
	}
	going := r.err == nil && !r.cancelled
	if res < 0 {
		errno := syscall.Errno(-res)
		// -ECANCELED without our asking: the submitting thread exited.
		again := errno == unix.EAGAIN || errno == unix.EINTR || errno == unix.ECANCELED
		switch {
		case again && r.cancelled:
			return // stopped by our cancellation: run reports ctx.Err()
		case again && going && op.retries < uringRetries:
			op.retries++
			r.issue(c.op)
			return
		}
		r.fail(op, errno)
		return
	}
	if r.kind == opSync {
		r.unfinished--
		return
	}
	n := op.hi - op.lo
	if int(res) > n-op.done {
		r.fail(op, fmt.Errorf("kernel reports %d bytes transferred of %d asked", res, n-op.done))
		return
	}
	op.done += int(res)
	switch {
	case op.done < n && res == 0:
		// End of file (it shrank behind our back) or a device that takes
		// no more: resubmitting would loop.
		if r.kind == opRead {
			r.fail(op, io.ErrUnexpectedEOF)
		} else {
			r.fail(op, io.ErrShortWrite)
		}
		return
	case op.done < n:
		if going {
			r.issue(c.op) // a short transfer: ask for the rest
		}
		return
	}
	if r.kind == opRead {
		copy(r.p[op.lo:op.hi], op.s.buf[:n])
	}
	r.unfinished--
	if going && r.assign(c.op) {
		r.issue(c.op)
	}
}

// fail records the first failure, naming the part of the chunk that was
// left.
func (r *uringReq) fail(op *uringOp, err error) {
	if r.err != nil {
		return
	}
	if r.kind == opSync {
		r.err = fmt.Errorf("io_uring fdatasync: %w", err)
		return
	}
	r.err = fmt.Errorf("io_uring %s at offset %d length %d: %w", r.kind, r.off+int64(op.lo+op.done), op.hi-op.lo-op.done, err)
}

// cancel asks the kernel to cancel every SQE of the request still in
// flight. run then waits for both completions of each: the operation's
// (done, or -ECANCELED) and the cancellation's. A cancellation that cannot
// be submitted leaves run waiting for the operation to finish by itself.
func (r *uringReq) cancel() {
	r.cancelled = true
	var arr [16]sqe
	batch := arr[:0]
	for i := range r.ops {
		if r.ops[i].busy {
			ud := userData(r.ops[i].s.idx, i, false)
			batch = append(batch, sqe{opcode: uringOpAsyncCancel, fd: -1, addr: ud, userData: ud | udCancel})
		}
	}
	n, _ := r.e.submit(batch)
	r.waits += n
}
