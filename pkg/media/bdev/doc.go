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
//     back to buffered I/O. Either way Sync is fdatasync. Direct reports
//     which mode is in use.
//   - Mem keeps the blocks in memory, for fast tests.
//   - Faulty wraps any Device for tests: it fails chosen reads, writes or
//     syncs, and simulates a power loss (Crash) by dropping or tearing, block
//     by block, the writes not yet covered by a Sync.
//
// What it is not: it has no allocator (that is package vea), no checksums and
// no metadata of its own; it never caches, reorders or merges requests.
//
// Known limitation: File issues I/O with plain pread/pwrite, one blocking
// system call at a time per request, from the caller's goroutine; a queue of
// DefaultQueueDepth slots (WithQueueDepth) bounds how many requests are in
// the kernel at once, each costing a thread while it blocks. Linux AIO or
// io_uring would avoid the thread per request and are not used yet. Large
// requests are issued as consecutive chunks (WithChunkSize, the bounce
// buffer size), not in parallel: that was measured and did not help. A
// context can stop a request while it waits for a slot or between chunks,
// not inside a system call.
//
// SPDK: a user-space NVMe backend would be another implementation of Device
// (with DMA buffers from SPDK's allocator instead of the bounce pool). There
// is no SPDK code in this package.
package bdev
