// Package vea is the block allocator of the "NVMe" tier of one VOS target:
// it hands out contiguous extents of 4 KiB blocks on a bdev.Device and takes
// them back. It keeps its whole state in DRAM and persists nothing.
//
// An extent lives through these states:
//
//	free --Reserve--> reserved --Publish--> used --Free--> free
//	                  reserved --Cancel---> free
//	free --MarkUsed-> used                (recovery)
//
// VOS reserves an extent, writes and syncs the data, appends the log record
// that references it and only then publishes it. After a crash the allocator
// starts empty (New) and VOS calls MarkUsed for every extent its recovered
// index references: reservations that were never published simply vanish,
// and published extents are used again. Durable metadata is thus the only
// truth, so a crash can neither leak space nor hand out a block twice.
// MarkUsed refuses an extent that overlaps one already used, which is how a
// corrupt index that references a block twice is detected.
//
// Every call checks its extent against the state and fails, changing
// nothing, when the call is not allowed: Cancel and Publish take exactly an
// outstanding reservation, Free takes exactly a published (or marked)
// extent, whole — freeing part of one is refused, because VOS frees a value's
// extent when it drops the value, and an exact match also catches a caller
// freeing the wrong length. Free, reserved and used blocks always add up to
// the total, and no two extents overlap; Check verifies all of it.
//
// Policy: the free extents are kept coalesced (two adjacent free extents are
// always merged) in two B-trees over the same set: one ordered by offset,
// to find the neighbours to merge with on Free and Cancel and the free
// extent that contains a MarkUsed extent, and one ordered by length then
// offset, for best fit: Reserve takes the smallest free extent that is
// large enough (the lowest one among equals) and carves the request from its
// start. Best fit leaves large free areas whole for large values and costs
// one O(log n) lookup; first fit would chip the first large area with small
// values. Reservations are not rounded up, so nothing is wasted inside an
// extent.
//
// What it is not: it does not do I/O, knows nothing of what the blocks hold
// and has no per-thread caches or locality hints. An Allocator is safe for
// concurrent use; one mutex serializes the calls, each of which is a few
// B-tree operations.
package vea
