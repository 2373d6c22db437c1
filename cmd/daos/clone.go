package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// cloner is an open container whose objects can be copied (the live
// handle; fakes lack it).
type cloner interface {
	clientContainer() *client.Container
}

func (c liveCont) clientContainer() *client.Container { return c.Container }

// rawCont is the client container under h, if it has one.
func rawCont(h contHandle) (*client.Container, bool) {
	c, ok := h.(cloner)
	if !ok || c.clientContainer() == nil {
		return nil, false
	}
	return c.clientContainer(), true
}

// parseContURL reads daos://pool/cont or /pool/cont, as clone takes them:
// the copy's daos:// parsing, with no path inside the container.
func parseContURL(flag, s string) (pool, cont string, err error) {
	u := s
	if rest, ok := strings.CutPrefix(s, "/"); ok {
		u = "daos://" + rest
	}
	bad := daos.Errorf(daos.ErrInval, "%s %q: want daos://<pool>/<container> or /<pool>/<container>", flag, s)
	if !strings.HasPrefix(u, "daos://") {
		return "", "", bad
	}
	l, err := parseLocation(flag, u)
	if err != nil {
		return "", "", err
	}
	if l.path != "/" {
		return "", "", bad
	}
	return l.pool, l.cont, nil
}

// cloneResult is what `container clone` reports.
type cloneResult struct {
	Src     string `json:"src"`
	Dst     string `json:"dst"`
	DstUUID string `json:"dst_container_uuid"`
	Objects uint64 `json:"objects"`
	Dkeys   uint64 `json:"dkeys"`
	Akeys   uint64 `json:"akeys"`
	Bytes   uint64 `json:"bytes"`
}

// cloneProps are the source's properties a clone is created with: all
// but those that name or describe the source itself. The highest
// allocated object id goes with them, so that the clone, holding the
// source's objects under their ids, never hands one of them out again.
func cloneProps(src *poolsvc.ContInfo) map[string]string {
	out := map[string]string{}
	for k, v := range src.Props {
		switch k {
		case "label", "layout_type", "layout_version", "status", "owner", "group", "acl":
			continue
		}
		d, err := poolsvc.LookupContProp(k)
		if err != nil || d.Access == poolsvc.ContReadOnly {
			continue
		}
		// A value shown for a default (oclass "auto") is not one a
		// create takes: leaving it out gives the same default.
		if _, err := d.Parse(v); err != nil {
			continue
		}
		out[k] = v
	}
	return out
}

// contCloneCommand is `daos container clone --src daos://p/c --dst
// daos://p/new`: a new container (labelled by --dst) with the source's
// type and properties and a copy of its objects as of a snapshot taken
// for the purpose (removed afterwards).
func contCloneCommand(g *globals) *cobra.Command {
	var srcURL, dstURL string
	cmd := &cobra.Command{
		Use:   "clone --src daos://<pool>/<container> --dst daos://<pool>/<new container>",
		Short: "Copy a container's objects into a new container",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sp, sc, err := parseContURL("--src", srcURL)
			if err != nil {
				return err
			}
			dp, dc, err := parseContURL("--dst", dstURL)
			if err != nil {
				return err
			}
			var res cloneResult
			err = g.withCont(cmd, sp, sc, true, func(ctx context.Context, spool poolHandle, sh contHandle) error {
				src, ok := rawCont(sh)
				if !ok {
					return daos.Errorf(daos.ErrNotsupported, "container clone is not available through this handle")
				}
				return g.withPool(cmd, dp, client.RW, func(_ context.Context, dpool poolHandle) error {
					// The clone runs for as long as it takes; withPool's
					// deadline is for the quick calls around it.
					var progress io.Writer
					if !g.json && isTerminal(cmd.ErrOrStderr()) {
						progress = cmd.ErrOrStderr()
					}
					return cloneInto(context.WithoutCancel(ctx), progress, src, sh, spool, sc, dpool, dc, &res)
				})
			})
			if err != nil {
				return err
			}
			res.Src, res.Dst = srcURL, dstURL
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "Successfully cloned %s to %s (container %s)\n    Objects: %d\n    Dkeys:   %d\n    Akeys:   %d\n    Bytes:   %d\n",
					res.Src, res.Dst, res.DstUUID, res.Objects, res.Dkeys, res.Akeys, res.Bytes)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&srcURL, "src", "S", "", "the container to copy: daos://<pool>/<container> (or /<pool>/<container>)")
	f.StringVarP(&dstURL, "dst", "D", "", "the new container: daos://<pool>/<label> (it must not exist)")
	_ = cmd.MarkFlagRequired("src")
	_ = cmd.MarkFlagRequired("dst")
	return cmd
}

// cloneInto creates container label in dst like src and copies src's
// objects into it as of a snapshot; a failed clone removes the new
// container again.
func cloneInto(ctx context.Context, progressTo io.Writer, src *client.Container, sh contHandle, spool poolHandle, srcID string,
	dst poolHandle, label string, res *cloneResult) error {
	if _, err := dst.QueryContainer(ctx, label); err == nil {
		return daos.Errorf(daos.ErrExist, "clone: destination container %s already exists (a clone makes a new one)", label)
	} else if !errors.Is(err, daos.ErrNonexist) {
		return fmt.Errorf("clone: look for destination container %s: %w", label, err)
	}
	if src.Info == nil {
		return daos.Errorf(daos.ErrProto, "clone: the source container's properties are unknown")
	}
	snapName := fmt.Sprintf("clone-%d", time.Now().UnixNano())
	epoch, err := sh.CreateSnap(ctx, snapName)
	if err != nil {
		return fmt.Errorf("clone: snapshot the source: %w", err)
	}
	defer func() { _ = sh.DestroySnap(ctx, epoch, "") }()
	// The ids handed out by now cover every object the snapshot holds
	// (an id is allocated before its object is written); the info read
	// at open may be older.
	now, err := spool.QueryContainer(ctx, srcID)
	if err != nil {
		return fmt.Errorf("clone: query the source after the snapshot: %w", err)
	}

	made, err := dst.CreateContainer(ctx, label, now.Type, cloneProps(now))
	if err != nil {
		return fmt.Errorf("clone: create %s: %w", label, err)
	}
	keep := false
	defer func() {
		if !keep {
			_ = dst.DestroyContainer(ctx, made.UUID, true)
		}
	}()
	dh, err := dst.OpenCont(ctx, made.UUID, client.RW)
	if err != nil {
		return fmt.Errorf("clone: open %s: %w", label, err)
	}
	defer dh.Close(ctx)
	to, ok := rawCont(dh)
	if !ok {
		return daos.Errorf(daos.ErrNotsupported, "container clone is not available through this handle")
	}
	// Ids the source handed out are the clone's too: new objects in the
	// clone must not take them.
	if n := now.AllocedOID; n > 0 {
		if _, err := to.AllocOIDs(ctx, n); err != nil {
			return fmt.Errorf("clone: reserve the source's %d object ids: %w", n, err)
		}
	}
	var progress func(client.CloneStats)
	if progressTo != nil {
		progress = func(s client.CloneStats) { fmt.Fprintf(progressTo, "\r%d objects, %d bytes", s.Objects, s.Bytes) }
	}
	st, err := client.Clone(ctx, src, to, epoch, progress)
	if progress != nil {
		fmt.Fprintln(progressTo)
	}
	if err != nil {
		return fmt.Errorf("clone %s into %s (removed again): %w", label, made.UUID, err)
	}
	keep = true
	*res = cloneResult{DstUUID: made.UUID, Objects: st.Objects, Dkeys: st.Dkeys, Akeys: st.Akeys, Bytes: st.Bytes}
	return nil
}

// checkReport is what `container check` reports.
type checkReport struct {
	Objects  uint64         `json:"objects"`
	Dkeys    uint64         `json:"dkeys"`
	Akeys    uint64         `json:"akeys"`
	Bytes    uint64         `json:"bytes"`
	Problems []checkProblem `json:"problems"`
}

type checkProblem struct {
	OID   string `json:"oid"`
	Dkey  string `json:"dkey,omitempty"`
	Akey  string `json:"akey,omitempty"`
	Error string `json:"error"`
}

// contCheckCommand is `daos container check <pool> <cont> [--epc E]`:
// every object read back, keys and values (so that checksums are
// verified), with what could not be read listed. As text, problems fail
// the command; as JSON they are in the reply.
func contCheckCommand(g *globals) *cobra.Command {
	var epc string
	cmd := &cobra.Command{
		Use:   "check <pool> <container>",
		Short: "Read every object of a container back and report what cannot be read",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			pool, cont, epoch, err := contEpochArgs(args, epc)
			if err != nil {
				return err
			}
			rep := checkReport{Problems: []checkProblem{}}
			err = g.withCont(cmd, pool, cont, false, func(ctx context.Context, _ poolHandle, h contHandle) error {
				c, ok := rawCont(h)
				if !ok {
					return daos.Errorf(daos.ErrNotsupported, "container check is not available through this handle")
				}
				st, problems, err := client.Check(context.WithoutCancel(ctx), c, epoch, nil)
				if err != nil {
					return err
				}
				rep.Objects, rep.Dkeys, rep.Akeys, rep.Bytes = st.Objects, st.Dkeys, st.Akeys, st.Bytes
				rep.Problems = checkProblems(problems)
				return nil
			})
			if err != nil {
				return err
			}
			perr := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(rep, func(w io.Writer) error {
				var b strings.Builder
				fmt.Fprintf(&b, "Checked container %s: %d objects, %d dkeys, %d akeys, %d bytes read\n", cont, rep.Objects, rep.Dkeys, rep.Akeys, rep.Bytes)
				if len(rep.Problems) == 0 {
					b.WriteString("No problems found\n")
				} else {
					fmt.Fprintf(&b, "Problems (%d):\n", len(rep.Problems))
					writeProblems(&b, rep.Problems)
				}
				_, err := io.WriteString(w, b.String())
				return err
			})
			if perr != nil {
				return perr
			}
			if len(rep.Problems) > 0 && !g.json {
				return daos.Errorf(daos.ErrMisc, "container check found %d problem(s)", len(rep.Problems))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&epc, "epc", "", "check the container as it was at this epoch (a snapshot's; default: now)")
	return cmd
}

// writeProblems lists what a check could not read, one per line.
func writeProblems(b *strings.Builder, problems []checkProblem) {
	for _, p := range problems {
		fmt.Fprintf(b, "  object %s", p.OID)
		if p.Dkey != "" {
			fmt.Fprintf(b, " dkey %q", p.Dkey)
		}
		if p.Akey != "" {
			fmt.Fprintf(b, " akey %q", p.Akey)
		}
		fmt.Fprintf(b, ": %s\n", p.Error)
	}
}

// checkProblems turns Check's problems into the report's.
func checkProblems(problems []client.CheckProblem) []checkProblem {
	out := []checkProblem{}
	for _, p := range problems {
		out = append(out, checkProblem{OID: p.OID.String(), Dkey: string(p.Dkey), Akey: string(p.Akey), Error: p.Err.Error()})
	}
	return out
}
