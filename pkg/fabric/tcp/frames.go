package tcp

import (
	"math/bits"
	"sync"
)

// framePool keeps the memory of control messages that their receiver gave
// back (fabric.Recycler), by size class from 1 KiB to 64 KiB, so that an
// engine receiving 4 KiB updates does not allocate (and the collector
// does not trace) a new 4-5 KiB frame for each. Classes step by a quarter
// of a power of two, as the Go allocator's do, so that frames nobody
// gives back (replies, most requests) cost little more than an exact
// allocation.
type framePool struct {
	classes [numFrameClasses]sync.Pool // *[]byte of the class's size
}

const (
	minFrameShift   = 10 // classes start at 1 KiB
	maxFrameShift   = 16 // and end at 64 KiB
	numFrameClasses = (maxFrameShift-minFrameShift)*4 + 1
)

// frameClass is the class of a frame of n bytes and that class's size,
// or -1 when n is outside the pooled sizes.
func frameClass(n int) (int, int) {
	if n <= 0 || n > 1<<maxFrameShift {
		return -1, 0
	}
	if n <= 1<<minFrameShift {
		return 0, 1 << minFrameShift
	}
	e := bits.Len(uint(n-1)) - 1 // 2^e < n <= 2^(e+1)
	step := 1 << (e - 2)
	k := (n - 1<<e + step - 1) / step // 1 to 4 quarters above 2^e
	return (e-minFrameShift)*4 + k, 1<<e + k*step
}

// get returns n bytes, pooled memory when n has a class (its content is
// whatever the last user left: the caller overwrites all n bytes).
func (p *framePool) get(n int) []byte {
	c, size := frameClass(n)
	if c < 0 {
		return make([]byte, n)
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, size)
}

// put takes back a buffer whose capacity is exactly a class's size;
// others are left to the collector.
func (p *framePool) put(b []byte) {
	c, size := frameClass(cap(b))
	if c < 0 || cap(b) != size {
		return
	}
	b = b[:cap(b)]
	p.classes[c].Put(&b)
}
