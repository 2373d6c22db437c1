package ofi

import (
	"errors"
	"math/bits"
	"sync"

	"github.com/daos-go/daos/cgo/ofi"
)

// Staging buffers are reused: mapping fresh memory for every region costs
// a page fault per 4 KiB on first touch and an munmap at the end, more than
// the copy itself. Buffers come in power-of-two sizes from minStage; a
// region registers only its own length, so a reused buffer exposes nothing
// of an earlier region.
const (
	minStageShift = 12 // 4 KiB
	maxStageShift = 26 // 64 MiB: larger regions get buffers of their own
	// stageKeep bounds the idle buffers kept per size, and stageKeepBytes
	// the idle bytes kept in all.
	stageKeep      = 8
	stageKeepBytes = 64 << 20
)

type stagePool struct {
	mu     sync.Mutex
	idle   [maxStageShift + 1][]*ofi.Buffer
	bytes  int
	closed bool
}

func stageClass(n int) int {
	if n <= 1<<minStageShift {
		return minStageShift
	}
	return bits.Len(uint(n - 1))
}

// get returns an unregistered buffer of at least n bytes.
func (p *stagePool) get(n int) (*ofi.Buffer, error) {
	c := stageClass(n)
	if c > maxStageShift {
		return ofi.AllocBuffer(n)
	}
	p.mu.Lock()
	if k := len(p.idle[c]); k > 0 {
		b := p.idle[c][k-1]
		p.idle[c] = p.idle[c][:k-1]
		p.bytes -= b.Len()
		p.mu.Unlock()
		return b, nil
	}
	p.mu.Unlock()
	return ofi.AllocBuffer(1 << c)
}

// put takes back a buffer that is no longer registered nor in flight.
func (p *stagePool) put(b *ofi.Buffer) error {
	c := stageClass(b.Len())
	p.mu.Lock()
	if !p.closed && c <= maxStageShift && b.Len() == 1<<c && len(p.idle[c]) < stageKeep && p.bytes+b.Len() <= stageKeepBytes {
		p.idle[c] = append(p.idle[c], b)
		p.bytes += b.Len()
		p.mu.Unlock()
		return nil
	}
	p.mu.Unlock()
	return b.Free()
}

// close frees the idle buffers; later puts free theirs.
func (p *stagePool) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	var errs []error
	for c := range p.idle {
		for _, b := range p.idle[c] {
			errs = append(errs, b.Free())
		}
		p.idle[c] = nil
	}
	p.bytes = 0
	return errors.Join(errs...)
}
