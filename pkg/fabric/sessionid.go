package fabric

import (
	"crypto/rand"
	"encoding/binary"
)

// NewSessionID returns a random id for a new session, unique across
// processes. It reads the kernel's random source on every call rather than
// using math/rand: Go seeds math/rand (and its runtime) from bytes the
// kernel hands a process at exec, which every child forked before the Go
// runtime starts (libdaos loads it late, after an application's fork)
// shares, so sibling processes would otherwise open sessions with the same
// ids and be refused as duplicates.
func NewSessionID() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (it aborts the process instead)
	return binary.LittleEndian.Uint64(b[:])
}
