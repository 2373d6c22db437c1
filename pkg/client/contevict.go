package client

import (
	"context"
	"fmt"

	"github.com/daos-go/daos/pkg/poolsvc"
)

// Evict closes other handles open on this container, through this handle
// (open for writing): those opened with the same user's credential, or
// with all every other handle (which needs the o permission). This handle
// stays open. The engines stop accepting the closed handles before the
// pool service answers.
func (c *Container) Evict(ctx context.Context, all bool) error {
	p, err := c.service()
	if err == nil {
		err = p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContEvict, Handle: uuidString(c.Handle), Force: all}, nil)
	}
	if err != nil {
		return fmt.Errorf("container %s evict: %w", c.uuid(), err)
	}
	return nil
}
