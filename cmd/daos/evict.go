package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
)

// evicter is what container evict asks of an open container.
type evicter interface {
	Evict(ctx context.Context, all bool) error
}

// contEvictCommand is `daos container evict <pool> <cont> [-a]`: the
// container is opened for writing and, through that handle, the other
// handles this user holds on it (or with -a/--all everybody's, which
// needs the container's o permission) are closed.
func contEvictCommand(g *globals) *cobra.Command {
	var all bool
	cmd := &cobra.Command{
		Use:   "evict <pool> <container>",
		Short: "Close open handles on a container (this user's; every user's with --all)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			return g.withCont(cmd, pool, cont, true, func(ctx context.Context, _ poolHandle, c contHandle) error {
				e, ok := c.(evicter)
				if !ok {
					return daos.Errorf(daos.ErrNotsupported, "evict is not available through this handle")
				}
				if err := e.Evict(ctx, all); err != nil {
					return err
				}
				res := map[string]any{"container_uuid": c.UUIDString(), "all": all}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(res, func(w io.Writer) error {
					who := "this user's"
					if all {
						who = "all"
					}
					_, err := fmt.Fprintf(w, "Evicted %s handles on container %s\n", who, c.UUIDString())
					return err
				})
			})
		},
	}
	cmd.Flags().BoolVarP(&all, "all", "a", false, "close every user's handles (needs the container's o permission)")
	return cmd
}
