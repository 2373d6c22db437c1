// Package bufpool keeps byte buffers of 1 KiB to 64 KiB for reuse, by size
// class, for the hot paths that would otherwise allocate (and have the
// collector trace) a buffer of the same few sizes per request: the tcp
// provider's message frames, an engine's small fetch replies.
package bufpool

import (
	"math/bits"
	"sync"
)

// Pool is a set of buffers by size class. Classes step by a quarter of a
// power of two, as the Go allocator's do, so that a buffer taken from a
// Pool and never given back costs little more than an exact allocation.
// The zero Pool is ready; it is safe for concurrent use.
type Pool struct {
	classes [numClasses]sync.Pool // *[]byte of the class's size
}

const (
	minShift   = 10 // classes start at 1 KiB
	maxShift   = 16 // and end at 64 KiB
	numClasses = (maxShift-minShift)*4 + 1

	// Max is the largest buffer a Pool keeps.
	Max = 1 << maxShift
)

// class is the class of an n-byte buffer and that class's size, or -1
// when n is outside the pooled sizes.
func class(n int) (int, int) {
	if n <= 0 || n > Max {
		return -1, 0
	}
	if n <= 1<<minShift {
		return 0, 1 << minShift
	}
	e := bits.Len(uint(n-1)) - 1 // 2^e < n <= 2^(e+1)
	step := 1 << (e - 2)
	k := (n - 1<<e + step - 1) / step // 1 to 4 quarters above 2^e
	return (e-minShift)*4 + k, 1<<e + k*step
}

// Get returns n bytes: pooled memory when n has a class, holding whatever
// its last user left (the caller overwrites what it reads back), else a
// new zeroed slice.
func (p *Pool) Get(n int) []byte {
	c, size := class(n)
	if c < 0 {
		return make([]byte, n)
	}
	if b, ok := p.classes[c].Get().(*[]byte); ok {
		return (*b)[:n]
	}
	return make([]byte, n, size)
}

// Put takes back a buffer nothing refers to any more, when its capacity
// is exactly a class's size (what Get hands out); others are left to the
// collector.
func (p *Pool) Put(b []byte) {
	c, size := class(cap(b))
	if c < 0 || cap(b) != size {
		return
	}
	b = b[:cap(b)]
	p.classes[c].Put(&b)
}
