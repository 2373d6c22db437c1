package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
)

// objectLister is what list-objects asks of an open container.
type objectLister interface {
	ListObjects(ctx context.Context, epoch daos.Epoch) ([]daos.ObjectID, error)
}

// contEpochArgs checks <pool> <cont> and an optional --epc (0 when not
// given: now).
func contEpochArgs(args []string, epc string) (pool, cont string, epoch daos.Epoch, err error) {
	if pool, cont, err = contArgs(args); err != nil || epc == "" {
		return pool, cont, 0, err
	}
	epoch, err = parseEpoch("--epc", epc)
	return pool, cont, epoch, err
}

// contListObjectsCommand is `daos container list-objects <pool> <cont>`.
func contListObjectsCommand(g *globals) *cobra.Command {
	var epc string
	cmd := &cobra.Command{
		Use:     "list-objects <pool> <container>",
		Aliases: []string{"list-obj"},
		Short:   "List the ids of a container's objects",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, epoch, err := contEpochArgs(args, epc)
			if err != nil {
				return err
			}
			return g.withCont(cmd, pool, cont, false, func(ctx context.Context, _ poolHandle, c contHandle) error {
				l, ok := c.(objectLister)
				if !ok {
					return daos.Errorf(daos.ErrNotsupported, "object listing is not available through this handle")
				}
				oids, err := l.ListObjects(ctx, epoch)
				if err != nil {
					return err
				}
				out := make([]string, len(oids))
				for i, o := range oids {
					out[i] = o.String()
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(out, func(w io.Writer) error {
					if len(out) == 0 {
						_, err := fmt.Fprintln(w, "No objects in container")
						return err
					}
					_, err := io.WriteString(w, strings.Join(out, "\n")+"\n")
					return err
				})
			})
		},
	}
	cmd.Flags().StringVar(&epc, "epc", "", "list the objects as they were at this epoch (a snapshot's; default: now)")
	return cmd
}
