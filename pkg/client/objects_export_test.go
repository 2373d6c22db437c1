package client

import (
	"context"

	"github.com/daos-go/daos/pkg/daos"
)

// SetListObjectsBatch makes ListObjects ask for n ids at a time, so tests
// walk the anchors; the returned func restores the batch.
func SetListObjectsBatch(n uint32) func() {
	old := listObjectsBatch
	listObjectsBatch = n
	return func() { listObjectsBatch = old }
}

// WriteOIT builds the object index table at epoch without asking the pool
// service for the snapshot (the test clusters have none).
func (c *Container) WriteOIT(ctx context.Context, epoch daos.Epoch) error {
	return c.oitWrite(ctx, epoch)
}

// OpenOITAt opens the table at epoch without asking the pool service for
// the snapshot.
func (c *Container) OpenOITAt(ctx context.Context, epoch daos.Epoch) (*OIT, error) {
	return c.openOIT(ctx, epoch)
}
