package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/pretty"
)

// snapInfo is a snapshot as the snapshot commands report it.
type snapInfo struct {
	Epoch uint64 `json:"epoch"`
	Name  string `json:"name,omitempty"`
	Time  string `json:"creation_time,omitempty"`
}

// destroyedSnaps is destroy-snap's JSON reply.
type destroyedSnaps struct {
	Epochs []uint64 `json:"epochs"`
}

// parseEpoch reads an epoch in decimal or 0x hex; what names the flag.
func parseEpoch(what, s string) (daos.Epoch, error) {
	e, err := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
	if err != nil || e == 0 {
		return 0, daos.Errorf(daos.ErrInval, "%s %q: want a non-zero epoch (decimal or 0x hex)", what, s)
	}
	return e, nil
}

// parseEpochRange reads --epcrange a-b.
func parseEpochRange(s string) (lo, hi daos.Epoch, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, daos.Errorf(daos.ErrInval, "--epcrange %q: want FIRST-LAST", s)
	}
	if lo, err = parseEpoch("--epcrange start", a); err != nil {
		return
	}
	if hi, err = parseEpoch("--epcrange end", b); err != nil {
		return
	}
	if lo > hi {
		err = daos.Errorf(daos.ErrInval, "--epcrange %q: start is after end", s)
	}
	return
}

// contCreateSnapCommand is `daos container create-snap <pool> <cont>`.
func contCreateSnapCommand(g *globals) *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:     "create-snap <pool> <container>",
		Aliases: []string{"snap"},
		Short:   "Take a snapshot of a container",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			if len(name) > 127 {
				return daos.Errorf(daos.ErrInval, "--snap: name longer than 127 characters")
			}
			return g.withCont(cmd, pool, cont, true, func(ctx context.Context, _ poolHandle, c contHandle) error {
				e, err := c.CreateSnap(ctx, name)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(snapInfo{Epoch: e, Name: name}, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "snapshot/epoch %#x has been created\n", e)
					return err
				})
			})
		},
	}
	cmd.Flags().StringVarP(&name, "snap", "s", "", "name the snapshot")
	return cmd
}

// contListSnapsCommand is `daos container list-snaps <pool> <cont>`.
func contListSnapsCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list-snaps <pool> <container>",
		Aliases: []string{"list-snap"},
		Short:   "List a container's snapshots",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			return g.withCont(cmd, pool, cont, false, func(ctx context.Context, _ poolHandle, c contHandle) error {
				snaps, err := c.ListSnaps(ctx)
				if err != nil {
					return err
				}
				out := make([]snapInfo, len(snaps))
				for i, s := range snaps {
					out[i] = snapInfo{Epoch: s.Epoch, Name: s.Name}
					if !s.Time.IsZero() {
						out[i].Time = s.Time.Local().Format(time.RFC3339)
					}
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(out, func(w io.Writer) error {
					if len(out) == 0 {
						_, err := fmt.Fprintf(w, "Container %s has no snapshots\n", cont)
						return err
					}
					fmt.Fprintf(w, "Snapshots of container %s:\n", cont)
					rows := make([][]string, len(out))
					for i, s := range out {
						rows[i] = []string{fmt.Sprintf("%#x", s.Epoch), strconv.FormatUint(s.Epoch, 10), s.Name, s.Time}
					}
					return pretty.Table(w, "", []string{"Epoch", "Decimal", "Name", "Created"}, rows)
				})
			})
		},
	}
}

// contDestroySnapCommand is `daos container destroy-snap <pool> <cont>`
// with --epc, --snap (both: they must agree) or --epcrange.
func contDestroySnapCommand(g *globals) *cobra.Command {
	var epc, epcRange, name string
	cmd := &cobra.Command{
		Use:   "destroy-snap <pool> <container>",
		Short: "Destroy container snapshots by epoch, name or epoch range",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			var epoch, lo, hi daos.Epoch
			switch {
			case epcRange != "" && (epc != "" || name != ""):
				return daos.Errorf(daos.ErrInval, "--epcrange cannot be combined with --epc or --snap")
			case epcRange != "":
				if lo, hi, err = parseEpochRange(epcRange); err != nil {
					return err
				}
			case epc == "" && name == "":
				return daos.Errorf(daos.ErrInval, "give --epc, --snap or --epcrange")
			case epc != "":
				if epoch, err = parseEpoch("--epc", epc); err != nil {
					return err
				}
			}
			return g.withCont(cmd, pool, cont, true, func(ctx context.Context, _ poolHandle, c contHandle) error {
				var done []daos.Epoch
				if epcRange != "" {
					if done, err = c.DestroySnapRange(ctx, lo, hi); err != nil {
						return err
					}
				} else {
					if epoch == 0 {
						// Find the named snapshot's epoch to report it.
						snaps, err := c.ListSnaps(ctx)
						if err != nil {
							return err
						}
						for _, s := range snaps {
							if s.Name == name {
								epoch = s.Epoch
							}
						}
						if epoch == 0 {
							return daos.Errorf(daos.ErrNonexist, "container %s: no snapshot named %q", cont, name)
						}
					}
					if err := c.DestroySnap(ctx, epoch, name); err != nil {
						return err
					}
					done = []daos.Epoch{epoch}
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(destroyedSnaps{Epochs: done}, func(w io.Writer) error {
					for _, e := range done {
						if _, err := fmt.Fprintf(w, "snapshot/epoch %#x has been destroyed\n", e); err != nil {
							return err
						}
					}
					return nil
				})
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&epc, "epc", "e", "", "epoch of the snapshot")
	f.StringVarP(&epcRange, "epcrange", "r", "", "destroy every snapshot in FIRST-LAST")
	f.StringVarP(&name, "snap", "s", "", "name of the snapshot")
	return cmd
}
