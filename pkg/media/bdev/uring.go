package bdev

// This file drives an io_uring instance with raw system calls
// (io_uring_setup, io_uring_enter, io_uring_register) and the rings the
// kernel shares with us through mmap. We do not link liburing through cgo:
// the ring layout and the three calls are a stable kernel ABI that needs no
// C to use; a cgo call per submission would cost about as much as the
// submission itself; and the package must keep working in CGO_ENABLED=0
// builds.

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Kernel ABI (include/uapi/linux/io_uring.h): mmap offsets, flags and the
// opcodes we use. They are fixed by the ABI.
const (
	uringOffSQRing = 0
	uringOffCQRing = 0x8000000
	uringOffSQEs   = 0x10000000

	uringFeatSingleMmap = 1 << 0

	uringEnterGetEvents = 1 << 0

	uringOpNop         = 0
	uringOpFsync       = 3
	uringOpAsyncCancel = 14
	uringOpRead        = 22
	uringOpWrite       = 23

	uringFsyncDatasync = 1 << 0

	uringRegisterProbe   = 8
	uringProbeSupported  = 1 << 0
	uringProbeMaxOps     = 256
	uringSQESize         = 64
	uringCQESize         = 16
	uringSubmitRetries   = 100
	uringSubmitRetryWait = 50 * time.Microsecond
)

// sqringOffsets is struct io_sqring_offsets.
type sqringOffsets struct {
	head, tail, ringMask, ringEntries, flags, dropped, array, resv1 uint32
	userAddr                                                        uint64
}

// cqringOffsets is struct io_cqring_offsets.
type cqringOffsets struct {
	head, tail, ringMask, ringEntries, overflow, cqes, flags, resv1 uint32
	userAddr                                                        uint64
}

// uringParams is struct io_uring_params.
type uringParams struct {
	sqEntries, cqEntries, flags, sqThreadCPU, sqThreadIdle, features, wqFD uint32
	resv                                                                   [3]uint32
	sqOff                                                                  sqringOffsets
	cqOff                                                                  cqringOffsets
}

// sqe is struct io_uring_sqe (64 bytes), with the unions named after the
// member we use.
type sqe struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64
	addr        uint64
	len         uint32
	opFlags     uint32 // rw_flags, fsync_flags, cancel_flags
	userData    uint64
	bufIndex    uint16
	personality uint16
	spliceFDIn  int32
	addr3       uint64
	_           uint64
}

// cqe is struct io_uring_cqe without the 32-byte extension (we never set
// IORING_SETUP_CQE32).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// uringProbe is struct io_uring_probe with room for every opcode.
type uringProbe struct {
	lastOp uint8
	opsLen uint8
	resv   uint16
	resv2  [3]uint32
	ops    [uringProbeMaxOps]uringProbeOp
}

type uringProbeOp struct {
	op    uint8
	resv  uint8
	flags uint16
	resv2 uint32
}

// ring is one io_uring instance: the submission queue (SQ), its array of
// entries, and the completion queue (CQ), all shared with the kernel.
// Submissions are serialized by mu; the CQ has one reader at a time (the
// engine's leader), so its head needs no lock.
type ring struct {
	fd int
	// sqRing, cqRing and sqeMem are the mappings; cqRing is nil when the
	// kernel maps both rings with one mmap (IORING_FEAT_SINGLE_MMAP).
	sqRing, cqRing, sqeMem []byte

	sqHead, sqTail *uint32
	sqMask         uint32
	sqes           []sqe

	cqHead, cqTail *uint32
	cqMask         uint32
	cqes           []cqe

	mu sync.Mutex // serializes filling the SQ and io_uring_enter submissions
}

// errURingOps: the kernel has io_uring but not every operation we issue.
var errURingOps = errors.New("kernel io_uring lacks an operation we need")

// newRing sets up a ring of at least entries submission slots (the kernel
// rounds up to a power of two; the CQ gets twice as many) and checks that
// the kernel supports every opcode we issue.
func newRing(entries uint32) (_ *ring, err error) {
	var p uringParams
	fd, _, errno := unix.Syscall(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(&p)), 0)
	if errno != 0 {
		return nil, fmt.Errorf("io_uring_setup of %d entries: %w", entries, errno)
	}
	r := &ring{fd: int(fd)}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	if err := r.probe(uringOpNop, uringOpFsync, uringOpAsyncCancel, uringOpRead, uringOpWrite); err != nil {
		return nil, err
	}
	if err := r.mapRings(&p); err != nil {
		return nil, err
	}
	return r, nil
}

// probe asks the kernel (IORING_REGISTER_PROBE, Linux 5.6) whether it
// knows ops: kernels older than that lack IORING_OP_READ/WRITE as well.
func (r *ring) probe(ops ...uint8) error {
	var pr uringProbe
	_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(r.fd), uringRegisterProbe,
		uintptr(unsafe.Pointer(&pr)), uringProbeMaxOps, 0, 0)
	if errno != 0 {
		return fmt.Errorf("io_uring probe: %w", errno)
	}
	for _, op := range ops {
		if op > pr.lastOp || pr.ops[op].flags&uringProbeSupported == 0 {
			return fmt.Errorf("%w (opcode %d)", errURingOps, op)
		}
	}
	return nil
}

// mapRings maps the rings and the SQE array and locates the shared
// indexes in them.
func (r *ring) mapRings(p *uringParams) error {
	sqSize := int(p.sqOff.array) + int(p.sqEntries)*4
	cqSize := int(p.cqOff.cqes) + int(p.cqEntries)*uringCQESize
	single := p.features&uringFeatSingleMmap != 0
	if single {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqRing, err = mapShared(r.fd, uringOffSQRing, sqSize); err != nil {
		return fmt.Errorf("map io_uring SQ ring: %w", err)
	}
	cqMem := r.sqRing
	if !single {
		if r.cqRing, err = mapShared(r.fd, uringOffCQRing, cqSize); err != nil {
			return fmt.Errorf("map io_uring CQ ring: %w", err)
		}
		cqMem = r.cqRing
	}
	if r.sqeMem, err = mapShared(r.fd, uringOffSQEs, int(p.sqEntries)*uringSQESize); err != nil {
		return fmt.Errorf("map io_uring SQE array: %w", err)
	}

	r.sqHead = u32At(r.sqRing, p.sqOff.head)
	r.sqTail = u32At(r.sqRing, p.sqOff.tail)
	r.sqMask = *u32At(r.sqRing, p.sqOff.ringMask)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), p.sqEntries)
	// We always fill SQEs in ring order, so the indirection array is the
	// identity, written once.
	array := unsafe.Slice(u32At(r.sqRing, p.sqOff.array), p.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}

	r.cqHead = u32At(cqMem, p.cqOff.head)
	r.cqTail = u32At(cqMem, p.cqOff.tail)
	r.cqMask = *u32At(cqMem, p.cqOff.ringMask)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&cqMem[p.cqOff.cqes])), p.cqEntries)
	return nil
}

func mapShared(fd int, off int64, size int) ([]byte, error) {
	return unix.Mmap(fd, off, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
}

// u32At points at a 32-bit index the kernel shares with us; indexing mem
// first checks the offset.
func u32At(mem []byte, off uint32) *uint32 {
	_ = mem[off+3]
	return (*uint32)(unsafe.Pointer(&mem[off]))
}

// submit copies entries into the SQ and hands them to the kernel. It
// returns how many the kernel consumed, in order: those are in flight and
// each will post one completion. Entries it did not consume are taken back
// out of the SQ before submit returns, so the SQ is empty between calls and
// a failed submission can never be picked up later by someone else's.
func (r *ring) submit(entries []sqe) (int, error) {
	if len(entries) == 0 {
		return 0, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	tail := atomic.LoadUint32(r.sqTail)
	if head := atomic.LoadUint32(r.sqHead); head != tail {
		panic(fmt.Sprintf("bdev: io_uring SQ not empty between submissions (head %d tail %d)", head, tail))
	}
	if len(entries) > len(r.sqes) {
		return 0, fmt.Errorf("io_uring submit of %d entries: the SQ holds %d", len(entries), len(r.sqes))
	}
	for i := range entries {
		r.sqes[(tail+uint32(i))&r.sqMask] = entries[i]
	}
	// The atomic store orders the SQE writes before the kernel sees the
	// new tail.
	atomic.StoreUint32(r.sqTail, tail+uint32(len(entries)))
	done := 0
	var err error
	for busy := 0; done < len(entries); {
		var n int
		n, err = r.enter(uint32(len(entries)-done), 0, 0)
		done += n
		switch {
		case n > 0:
			busy = 0
			continue
		case errors.Is(err, unix.EINTR):
			continue
		case (errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EBUSY)) && busy < uringSubmitRetries:
			// The kernel is short of memory or still flushing completions;
			// it asks us to retry later.
			busy++
			time.Sleep(uringSubmitRetryWait)
			continue
		}
		break
	}
	if done < len(entries) {
		// Without SQPOLL the kernel reads the SQ only inside
		// io_uring_enter, which we hold the lock for: moving the tail back
		// withdraws the unconsumed entries.
		atomic.StoreUint32(r.sqTail, tail+uint32(done))
		if err == nil {
			err = fmt.Errorf("io_uring_enter consumed %d of %d entries", done, len(entries))
		}
		return done, fmt.Errorf("io_uring submit: %w", err)
	}
	return done, nil
}

// enter calls io_uring_enter; it blocks in the kernel when asked to wait
// for completions (minComplete > 0 with IORING_ENTER_GETEVENTS).
func (r *ring) enter(toSubmit, minComplete, flags uint32) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(r.fd), uintptr(toSubmit),
		uintptr(minComplete), uintptr(flags), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// reap calls fn for every completion posted, then frees their CQ entries.
// Only one goroutine at a time may reap.
func (r *ring) reap(fn func(c cqe)) {
	head := atomic.LoadUint32(r.cqHead)
	// The atomic load orders reading the entries after the kernel's
	// tail update.
	tail := atomic.LoadUint32(r.cqTail)
	for ; head != tail; head++ {
		fn(r.cqes[head&r.cqMask])
	}
	atomic.StoreUint32(r.cqHead, head)
}

// wait blocks until at least one completion is posted that reap has not
// seen yet (immediately when there is one already). An interrupted wait
// returns nil: the caller reaps and waits again.
func (r *ring) wait() error {
	_, err := r.enter(0, 1, uringEnterGetEvents)
	if err != nil && !errors.Is(err, unix.EINTR) {
		return fmt.Errorf("io_uring_enter waiting for completions: %w", err)
	}
	return nil
}

// close unmaps the rings and closes the ring; nothing may be in flight.
func (r *ring) close() error {
	for _, m := range [][]byte{r.sqeMem, r.cqRing, r.sqRing} {
		if m != nil {
			_ = unix.Munmap(m)
		}
	}
	r.sqeMem, r.cqRing, r.sqRing, r.sqes, r.cqes = nil, nil, nil, nil, nil
	if err := syscall.Close(r.fd); err != nil {
		return fmt.Errorf("close io_uring: %w", err)
	}
	return nil
}
