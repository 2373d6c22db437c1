//go:build !ofi || !cgo

package ofi

import (
	"context"
	"time"
)

// Backend names the implementation compiled in.
const Backend = "none"

// Version reports that no libfabric is linked.
func Version() string { return "" }

// GetInfo fails: libfabric is not built in.
func GetInfo(provider string) ([]Info, error) { return nil, ErrNotBuilt }

// Endpoint is unusable without libfabric; Open always fails.
type Endpoint struct{}

// MemRegion is unusable without libfabric.
type MemRegion struct{}

// Open fails: libfabric is not built in.
func Open(cfg Config) (*Endpoint, error) { return nil, ErrNotBuilt }

// Info is empty without libfabric.
func (ep *Endpoint) Info() Info { return Info{} }

// Name fails without libfabric.
func (ep *Endpoint) Name() ([]byte, error) { return nil, ErrNotBuilt }

// InsertAddr fails without libfabric.
func (ep *Endpoint) InsertAddr(name []byte) (Addr, error) { return 0, ErrNotBuilt }

// RemoveAddr fails without libfabric.
func (ep *Endpoint) RemoveAddr(a Addr) error { return ErrNotBuilt }

// Register fails without libfabric.
func (ep *Endpoint) Register(buf *Buffer, access Access) (*MemRegion, error) {
	return nil, ErrNotBuilt
}

// RegisterPrefix fails without libfabric.
func (ep *Endpoint) RegisterPrefix(buf *Buffer, n int, access Access) (*MemRegion, error) {
	return nil, ErrNotBuilt
}

// RegisterRange fails without libfabric.
func (ep *Endpoint) RegisterRange(buf *Buffer, off, n int, access Access) (*MemRegion, error) {
	return nil, ErrNotBuilt
}

// SendTagged fails without libfabric.
func (ep *Endpoint) SendTagged(ctx context.Context, dest Addr, tag uint64, m *MemRegion, off, n int) error {
	return ErrNotBuilt
}

// RecvTagged fails without libfabric.
func (ep *Endpoint) RecvTagged(ctx context.Context, tag, ignore uint64, m *MemRegion, off, n int) (TaggedMessage, error) {
	return TaggedMessage{}, ErrNotBuilt
}

// PostRecv fails without libfabric.
func (ep *Endpoint) PostRecv(tag, ignore uint64, m *MemRegion, off, n int, fn func(TaggedMessage, error) bool) error {
	return ErrNotBuilt
}

// PostSend fails without libfabric.
func (ep *Endpoint) PostSend(ctx context.Context, dest Addr, tag uint64, m *MemRegion, off, n int, fn func(error)) error {
	return ErrNotBuilt
}

// PostSendNow fails without libfabric.
func (ep *Endpoint) PostSendNow(dest Addr, tag uint64, m *MemRegion, off, n int, fn func(error)) error {
	return ErrNotBuilt
}

// Poll does nothing without libfabric.
func (ep *Endpoint) Poll(ready func() bool, window time.Duration) bool { return false }

// Write fails without libfabric.
func (ep *Endpoint) Write(ctx context.Context, dest Addr, local *MemRegion, off, n int, remote RemoteBuffer, roff uint64) error {
	return ErrNotBuilt
}

// Read fails without libfabric.
func (ep *Endpoint) Read(ctx context.Context, dest Addr, local *MemRegion, off, n int, remote RemoteBuffer, roff uint64) error {
	return ErrNotBuilt
}

// Close fails without libfabric.
func (ep *Endpoint) Close() error { return ErrNotBuilt }

// Remote is empty without libfabric.
func (m *MemRegion) Remote() RemoteBuffer { return RemoteBuffer{} }

// Buffer is nil without libfabric.
func (m *MemRegion) Buffer() *Buffer { return nil }

// Close fails without libfabric.
func (m *MemRegion) Close() error { return ErrNotBuilt }
