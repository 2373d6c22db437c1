package ofi

import (
	"errors"
	"fmt"
	"slices"
	"time"
	"unsafe"

	"github.com/daos-go/daos/cgo/ofi"
	"github.com/daos-go/daos/pkg/fabric"
)

// allocation is memory handed out by Alloc: mapped outside the Go heap, so
// regions inside it are registered where they are instead of staged.
type allocation struct {
	ep   *endpoint
	buf  *ofi.Buffer
	base uintptr
	size int // what the caller asked for

	// Under ep.allocMu.
	regions int  // in-place regions open on it
	freed   bool // Free was called
}

// Alloc maps n bytes (rounded up to whole pages) that Register exposes in
// place.
func (ep *endpoint) Alloc(n int) (fabric.Memory, error) {
	if n <= 0 {
		return nil, fmt.Errorf("allocate registrable memory: size %d must be positive", n)
	}
	if ep.isClosed() {
		return nil, fmt.Errorf("allocate registrable memory: %w", fabric.ErrClosed)
	}
	buf, err := ofi.AllocBuffer(n)
	if err != nil {
		return nil, fmt.Errorf("allocate registrable memory: %w", err)
	}
	a := &allocation{ep: ep, buf: buf, base: uintptr(unsafe.Pointer(&buf.Bytes()[0])), size: n}
	ep.allocMu.Lock()
	i, _ := slices.BinarySearchFunc(ep.allocs, a.base, func(x *allocation, b uintptr) int { return cmpAddr(x.base, b) })
	ep.allocs = slices.Insert(ep.allocs, i, a)
	ep.allocMu.Unlock()
	return a, nil
}

func cmpAddr(a, b uintptr) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (a *allocation) Bytes() []byte { return a.buf.Bytes()[:a.size] }

// Free unmaps the memory. It is refused while a region is open on it, and
// a region stays open until the transfers on it have ended.
func (a *allocation) Free() error {
	ep := a.ep
	ep.allocMu.Lock()
	switch {
	case a.freed:
		ep.allocMu.Unlock()
		return errors.New("free registrable memory: already freed")
	case a.regions > 0:
		n := a.regions
		ep.allocMu.Unlock()
		return fmt.Errorf("free registrable memory: %d memory regions still use it (close them first)", n)
	}
	// No region is open on it, so no transfer touches it: regions stay
	// counted until their transfers have ended.
	if err := a.buf.Free(); err != nil {
		ep.allocMu.Unlock()
		return fmt.Errorf("free registrable memory: %w", err)
	}
	a.freed = true
	if i, ok := slices.BinarySearchFunc(ep.allocs, a.base, func(x *allocation, b uintptr) int { return cmpAddr(x.base, b) }); ok {
		ep.allocs = slices.Delete(ep.allocs, i, i+1)
	}
	ep.allocMu.Unlock()
	return nil
}

// inPlace finds the allocation that holds all of seg and takes a region on
// it; nil when seg is not (wholly) in memory from Alloc.
func (ep *endpoint) inPlace(seg []byte) (*allocation, int) {
	if len(seg) == 0 {
		return nil, 0
	}
	p := uintptr(unsafe.Pointer(&seg[0]))
	ep.allocMu.Lock()
	defer ep.allocMu.Unlock()
	// The last allocation starting at or before p.
	i, ok := slices.BinarySearchFunc(ep.allocs, p, func(x *allocation, b uintptr) int { return cmpAddr(x.base, b) })
	if !ok {
		i--
	}
	if i < 0 {
		return nil, 0
	}
	a := ep.allocs[i]
	off := p - a.base
	if off >= uintptr(a.buf.Len()) || uintptr(len(seg)) > uintptr(a.buf.Len())-off {
		return nil, 0
	}
	a.regions++
	return a, int(off)
}

// dropRegion ends one in-place region on a.
func (a *allocation) dropRegion() {
	a.ep.allocMu.Lock()
	a.regions--
	a.ep.allocMu.Unlock()
}

// settleWait bounds how long closing an in-place region waits for
// transfers abandoned through their context: the provider completes or
// fails them, and until then it may write into the caller's memory.
const settleWait = 5 * time.Second

// settle waits until no operation on buf is in flight, up to settleWait.
func settle(buf *ofi.Buffer) bool {
	deadline := time.Now().Add(settleWait)
	for pause := 50 * time.Microsecond; buf.InFlight() > 0; pause = min(2*pause, 10*time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(pause)
	}
	return true
}
