// Package bdev gives the versioned object store (VOS) of one storage target
// a block device for values of 4 KiB and more: the "NVMe" tier.
//
// Device is the whole contract: block-aligned reads and writes at byte
// offsets, and Sync, after which every write that completed before the call
// survives a power loss. Writes are not durable until Sync returns. VOS
// relies on that order: it writes an extent, Syncs, and only then appends the
// write-ahead-log record that references the extent.
//
// Every ReadAt and WriteAt must start on a BlockSize boundary and cover whole
// blocks inside [0, Size()); anything else fails with an error wrapping
// ErrAlign or ErrRange that names the offset and the length. VOS only ever
// issues block-aligned I/O (its allocator hands out blocks), so the devices
// never read-modify-write a partial block.
//
// Backends:
//
//   - File emulates a device with a file of a fixed size, like DAOS's
//     "class: file" bdev. It opens the file with O_DIRECT when the file
//     system accepts it (ext4, xfs, tmpfs since Linux 6.6) and then copies
//     every request through bounce buffers mapped outside the Go heap,
//     aligned on (and advised to use) 2 MiB huge pages; otherwise it falls
//     back to buffered I/O. Either way Sync has fdatasync semantics. Direct
//     reports which mode is in use. The file is locked (flock) while open;
//     opening waits a little for a lock held elsewhere (WithLockWait),
//     because a process killed with io_uring requests in flight releases
//     it only once the kernel has finished them. WithReadOnly opens the
//     file O_RDONLY under a shared lock, for tools that only look: readers
//     share a device, a writer and a reader exclude each other, and
//     WriteAt and Sync fail with ErrReadOnly.
//   - Mem keeps the blocks in memory, for fast tests.
//   - Faulty wraps any Device for tests: it fails chosen reads, writes or
//     syncs, and simulates a power loss (Crash) by dropping or tearing, block
//     by block, the writes not yet covered by a Sync.
//
// What it is not: it has no allocator (that is package vea), no checksums and
// no metadata of its own; it never caches, reorders or merges requests.
//
// File has two I/O engines (WithEngine; File.Engine says which is in
// use):
//
//   - io_uring (EngineURing), driven with raw system calls, no cgo: one
//     ring per File shared by all callers; every chunk of a request
//     (WithChunkSize) is its own SQE, so a large request has one chunk in
//     flight per free queue slot (WithQueueDepth); Sync is
//     IORING_OP_FSYNC with IORING_FSYNC_DATASYNC. Callers reap for each
//     other: one waiting caller at a time blocks in io_uring_enter, so
//     there is no thread to wake per completion and an idle File costs no
//     CPU. A caller whose context ends cancels its SQEs
//     (IORING_OP_ASYNC_CANCEL) and returns once the kernel has given back
//     every buffer.
//   - threads (EngineThreads): pread/pwrite from the caller's goroutine,
//     at most queue-depth requests in the kernel, each costing a blocked
//     thread; a large request is issued chunk after chunk; a
//     context stops a request while it waits for a slot or between chunks,
//     not inside a system call.
//
// EngineAuto, the default, takes io_uring for O_DIRECT files on file
// systems that issue such requests asynchronously (ext4, xfs), and threads
// elsewhere: where io_uring is unavailable or disabled, on tmpfs and in
// buffered mode, where the kernel hands every io_uring request to a worker
// thread and pread/pwrite were measured faster (File.EngineFallback says
// why). Both engines copy through the bounce buffers in direct mode; the
// io_uring engine does in buffered mode too, so the kernel never holds a
// pointer into Go memory, which can move (a waiting goroutine's stack).
//
// Zero-copy writes: File is a Mapper. MapWrite hands out a View, a slice
// of a MAP_SHARED mapping of the file, so that data can land in the
// device's memory straight from where it comes from (a socket) instead of
// being copied once more by WriteAt. View.Flush makes it durable: nothing
// on a RAM file system (tmpfs, ramfs: RAMBacked), whose page cache is the
// medium, as for the journal on /dev/shm; msync(MS_SYNC) of the view's
// pages elsewhere (a failed msync is sticky for later Flushes and Syncs).
// A View outlives Close safely (the mapping goes with the last Release),
// but cannot be flushed after it. MapRead (ReadMapper) hands out views of
// the same mapping for reading in place: a bulk push straight from the
// device's memory.
//
// SPDK: a user-space NVMe backend would be another implementation of Device
// (with DMA buffers from SPDK's allocator instead of the bounce pool). There
// is no SPDK code in this package.
package bdev
