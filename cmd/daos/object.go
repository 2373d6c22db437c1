package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// objectCommand is the `daos object` group.
func objectCommand(g *globals) *cobra.Command {
	obj := &cobra.Command{Use: "object", Aliases: []string{"obj"}, Short: "Inspect objects"}
	obj.AddCommand(objQueryCommand(g))
	return obj
}

// replicaPlace is one shard's place.
type replicaPlace struct {
	Rank   uint32 `json:"rank"`
	Target int    `json:"target"`
}

// shardPlaces is one redundancy group: its shards.
type shardPlaces struct {
	Replicas []replicaPlace `json:"replicas"`
}

// objLayout is `daos object query`'s reply: the layout DAOS reports
// (version, class, per group its shards' rank and target), with the oid
// and the group shape.
type objLayout struct {
	OID       string        `json:"oid"`
	Version   uint32        `json:"version"`
	Class     string        `json:"class"`
	Groups    int           `json:"groups"`
	GroupSize int           `json:"group_size"`
	Shards    []shardPlaces `json:"shards"`
}

func newObjLayout(l *placement.Layout) *objLayout {
	// The class the oid carries, resolved: SX generated on 12 targets
	// reads back as S12.
	out := &objLayout{OID: l.OID.String(), Version: l.MapVersion, Class: l.Class.String(), Groups: l.Groups, GroupSize: l.GroupSize}
	for g := 0; g < l.Groups; g++ {
		sp := shardPlaces{Replicas: []replicaPlace{}}
		for _, sh := range l.Group(g) {
			sp.Replicas = append(sp.Replicas, replicaPlace{Rank: sh.Rank, Target: sh.Target})
		}
		out.Shards = append(out.Shards, sp)
	}
	return out
}

// objQueryCommand is `daos object query <pool> <cont> <oid>`.
func objQueryCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "query <pool> <container> <oid HI.LO>",
		Short: "Show an object's layout: class, groups, and each shard's rank and target",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			oid, err := daos.ParseObjectID(strings.TrimSpace(args[2]))
			if err != nil {
				return err
			}
			if placement.IsNil(oid) {
				return daos.Errorf(daos.ErrInval, "object id %q: the nil id names no object", args[2])
			}
			return g.withCont(cmd, pool, cont, false, func(ctx context.Context, _ poolHandle, c contHandle) error {
				l, err := c.ObjectLayout(oid)
				if err != nil {
					return fmt.Errorf("object %s: %w", args[2], err)
				}
				out := newObjLayout(l)
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(out, func(w io.Writer) error {
					return printObjLayout(w, out)
				})
			})
		},
	}
}

func printObjLayout(w io.Writer, l *objLayout) error {
	var b strings.Builder
	fmt.Fprintf(&b, "oid: %s ver %d class %s grp_nr: %d grp_size: %d\n", l.OID, l.Version, l.Class, l.Groups, l.GroupSize)
	for g, sp := range l.Shards {
		fmt.Fprintf(&b, "grp: %d\n", g)
		for i, r := range sp.Replicas {
			if r.Target < 0 {
				fmt.Fprintf(&b, "  replica %d: no usable target\n", i)
				continue
			}
			fmt.Fprintf(&b, "  replica %d: rank %d target %d\n", i, r.Rank, r.Target)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
