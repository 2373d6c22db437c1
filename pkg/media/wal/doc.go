// Package wal is the metadata write-ahead log and the checkpoint files of one
// VOS target.
//
// VOS keeps its index in DRAM. Every change to it is first appended here as
// a checksummed record and acknowledged only once that record is durable;
// from time to time the whole index is written out as a checkpoint, and the
// log is Reset so that it does not grow without end. After a crash, recovery
// reads the newest checkpoint (ReadCheckpoint gives its LSN c), replays the
// records with LSN >= c, and, if NextLSN is below c (a Reset that crashed),
// calls Reset(ctx, c) before appending, so no LSN the checkpoint covers is
// handed out again. The restored state is exactly the acknowledged one: no
// acknowledged record is lost and no torn record is ever replayed.
//
// One API, two backends:
//
//   - CreatePMem/OpenPMem: the log is a file mapped with package
//     cgo/pmem (a DAX file on PMem, or a file in /dev/shm as emulated PMem).
//     Records are copied into the mapping and persisted with cache flushes
//     (msync when emulated).
//   - CreateFile/OpenFile: the log is a regular file on the metadata SSD
//     (MD-on-SSD), written with pwrite and made durable with fdatasync. The
//     file is written full of zeros at creation, so fdatasync flushes data
//     only, never file-system metadata.
//
// Both use group commit: Appends that arrive while a sync is running are
// batched, and the next sync covers them all. Each Append returns only after
// a sync that covers its record. The two lay out the file identically, and
// an open log holds an exclusive flock on its file so that a second Log, in
// this process or another, cannot append to it too.
//
// OpenReadOnly recovers either kind as the opens do but writes nothing
// (debug tools): it reads the file with pread under a shared flock, leaves
// a torn batch's records in place and syncs nothing; Append and Reset fail
// with ErrReadOnly.
//
// # Log format
//
// Integers are little-endian. Checksums are CRC-32C. The file has a fixed
// size, chosen at creation.
//
// Bytes [0, 4096) and [4096, 8192) are two header slots. Each holds
//
//	off len field
//	  0   8 magic "DGO-WAL\x00"
//	  8   4 format version (1)
//	 12   4 reserved, zero
//	 16   8 size of the file in bytes
//	 24   8 generation
//	 32   8 base LSN: LSN of the generation's first record
//	 40   4 CRC of bytes [0, 40)
//	 44   4 reserved, zero
//
// Generation g lives in slot g%2; the valid slot with the highest generation
// is current. A new log has generation 0 in slot 0 and generation 1 in slot
// 1, both with base LSN 1. Reset writes generation g+1 into the other slot,
// so a torn header write leaves the current one intact.
//
// Records start at offset 8192, one after the other, each 8-byte aligned:
//
//	off len field
//	  0   4 magic "WREC"
//	  4   4 CRC of the payload followed by bytes [8, 48)
//	  8   8 generation
//	 16   8 LSN
//	 24   8 acked: every record with a smaller LSN was durable before this
//	        one was written
//	 32   4 CRC (bytes 4..8) of the previous record of the generation, 0
//	        for the first
//	 36   4 payload length, at most MaxPayloadBytes
//	 40   1 type, not 0
//	 41   7 reserved, zero
//	 48   n payload, then zero padding to a multiple of 8
//
// Bytes [0, 8) are the commit word. The record at the tail is valid only if
// its magic, reserved bytes, length, padding and CRC check, its generation
// is the current one, its LSN is the expected next one (the base LSN for
// the first record) and it names the previous record's CRC. Recovery walks
// records from offset 8192 while they are valid; the first invalid one is
// the tail.
//
// # Crash consistency
//
// A record becomes valid in one step. On PMem the record is copied with a
// zero commit word and persisted, then its commit word (magic and CRC) is
// stored with one aligned 8-byte store, which PMem makes power-fail atomic,
// and persisted; a record whose commit word did not reach the medium is
// invalid. On emulated PMem (msync, not DAX) one msync covers bodies and
// commit words, since pages reach the medium in any order anyway: a commit
// word without its body fails the CRC it carries. In a file a torn write is
// caught by the CRC. A record is
// acknowledged only after the sync that covers it, so every acknowledged
// record is valid and chained to its predecessors back to the base LSN.
//
// Stale bytes beyond the tail never pass for new records: records of older
// generations carry another generation (and smaller LSNs), and records of the
// current generation left over from before a crash (a batch whose sync did
// not finish, so that a later record reached the medium but an earlier one
// did not) name a predecessor CRC that the record now in front of them does
// not have.
//
// An invalid record followed by valid ones is told apart from a torn tail by
// the acked field: if a later valid record of the generation has acked above
// the invalid record's LSN, that record had been durable, perhaps
// acknowledged, and was damaged afterwards. Open then records the damage;
// Replay returns the records before it and an error wrapping ErrCorrupt that
// names the LSN and offset, and Append refuses until Reset. Recovery looks
// for such a record within 64 MiB after the damage.
//
// # Checkpoint format
//
//	off len field
//	  0   8 magic "DGO-CKPT"
//	  8   4 format version (1)
//	 12   4 reserved, zero
//	 16   8 LSN: the first LSN the payload does not cover
//	 24   8 payload length
//	 32   4 CRC of the payload
//	 36   4 CRC of bytes [0, 36)
//	 40   n payload
//
// WriteCheckpoint writes a temporary file, fsyncs it, renames it over the
// old checkpoint and fsyncs the directory.
//
// # What it is not
//
// It does not interpret payloads, decide when to checkpoint, or serialize
// the index; it keeps no second copy and cannot repair damage, only report
// it. Damage to the records of the last batch before a crash looks like a
// torn tail and is not reported (nothing later vouches for them). Replay
// reads the whole generation; there is no index by LSN.
package wal
