//go:build race

package tcp

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// ioSync carries, for the race detector, the happens-before edge between
// a write and the read that gets its bytes. The syscall package draws
// that edge in Read and Write; the raw system calls here (rawWriter,
// spinReader) skip it, so without this an in-process peer's reply would
// look unsynchronized with what its handler did before writing it.
var ioSync atomic.Uint64

func raceReleaseIO() { ioSync.Add(1) }
func raceAcquireIO() { ioSync.Load() }

// raceWriteIO tells the race detector that a raw read wrote b, as
// syscall.Read does: without it the detector would not see the bytes a
// bulk reader puts into a caller's memory.
func raceWriteIO(b []byte) {
	if len(b) > 0 {
		runtime.RaceWriteRange(unsafe.Pointer(&b[0]), len(b))
	}
}
