// Package pmem maps a file into memory and makes stores to it durable.
//
// It is the storage-class-memory side of VOS: the metadata log and the index
// live in a file on persistent memory (a DAX file system or, for development
// and CI, emulated PMem such as a file in /dev/shm) and are updated with plain
// loads and stores through [Mapping.Bytes].
//
// It is not an allocator, a transaction layer or a crash-consistency scheme:
// nothing here is atomic. Stores may reach the medium at any time before they
// are persisted (cache eviction does not wait), and a range that is being
// persisted when the machine fails may be torn. Callers build ordering and
// atomicity on top (for example: persist the payload, then persist the 8-byte
// aligned commit word).
//
// # Durability contract
//
//   - [Create] returns once the file exists at its full size, its blocks
//     allocated up front (so a later store cannot fault for lack of space;
//     the Go twin falls back to a sparse file where the file system cannot
//     preallocate), and the file and its directory entry have been fsynced.
//     Its contents are zero.
//   - [Open] maps an existing file; it promises nothing about durability.
//   - [Mapping.Persist] returns once [off, off+n) is durable: a cache flush
//     and a drain on real PMem, msync(MS_SYNC) of the covering pages on a
//     file system with a disk behind it, and nothing at all on a RAM file
//     system (tmpfs, ramfs: DAOS's `class: ram` emulation). There the page
//     cache is the medium: a store survives the process the moment it is
//     made, msync finds nothing to write back, and, as with any RAM, nothing
//     survives a power loss. [Mapping.RAMBacked] tells which case applies.
//   - [Mapping.CopyPersist] is copy followed by Persist of the destination,
//     done in one step so the C backend can use non-temporal stores.
//   - [Mapping.Flush] starts making a range durable and [Mapping.Drain] waits
//     for every Flush before it. Nothing is guaranteed durable before Drain
//     returns, even though on non-PMem Flush already does the msync and Drain
//     has nothing left to do.
//   - [Mapping.Close] unmaps without persisting: stores that were never
//     persisted may or may not survive a crash (after a clean exit the kernel
//     still writes them back, but that is not a promise of this package).
//
// A Mapping may be used from several goroutines on disjoint ranges, but Close
// must not race with any other method.
//
// # Backends
//
// Building with the tag pmdk (and cgo) selects the libpmem (PMDK) backend:
// pmem_map_file, pmem_is_pmem, pmem_persist or pmem_msync as libpmem advises,
// pmem_memcpy_persist, pmem_flush and pmem_drain. Without the tag the package
// uses a pure-Go twin built on mmap and msync. The twin is always compiled,
// so a pmdk build can cross-check the two and benchmark them side by side;
// [Backend] names the one behind [Create] and [Open].
//
// The twin reports [Mapping.IsPMem] true only when the kernel accepts a
// MAP_SYNC mapping, which it does only for DAX files. Even then it persists
// with msync, because Go cannot issue cache-line flushes: correct, but slower
// than libpmem. PMEM_IS_PMEM_FORCE is a libpmem setting and only affects the
// pmdk backend. Both backends are Linux only.
package pmem
