package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
)

// fsCheckReport is what `fs check` reports.
type fsCheckReport struct {
	Objects   int          `json:"objects"`
	Reachable int          `json:"reachable"`
	Dirs      int          `json:"dirs"`
	Entries   int          `json:"entries"`
	Leaked    []string     `json:"leaked"`
	Removed   int          `json:"removed,omitempty"`
	Relinked  int          `json:"relinked,omitempty"`
	RelinkDir string       `json:"relink_dir,omitempty"`
	Evicted   bool         `json:"evicted,omitempty"`
	Verified  *checkReport `json:"verified,omitempty"`
	flags     map[string]bool
}

// parseCheckFlags reads -f print,remove,relink,verify,evict.
func parseCheckFlags(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch f {
		case "":
		case "print", "remove", "relink", "verify", "evict":
			out[f] = true
		default:
			return nil, daos.Errorf(daos.ErrInval, "--flags %q: %q is not one of print, remove, relink, verify, evict", s, f)
		}
	}
	if out["remove"] && out["relink"] {
		return nil, daos.Errorf(daos.ErrInval, "--flags %q: remove and relink exclude each other", s)
	}
	return out, nil
}

// fsCheckCommand is `daos fs check <pool> <container> [-f flags] [-n name]`:
// objects of a POSIX container that no entry reaches, printed, removed or
// relinked into /lost+found/<name>; with verify, every object read back.
func fsCheckCommand(g *globals) *cobra.Command {
	var flagList, name string
	cmd := &cobra.Command{
		Use:   "check <pool> <container>",
		Short: "Find objects of a POSIX container that no entry reaches; remove them or relink them into /lost+found",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			flags, err := parseCheckFlags(flagList)
			if err != nil {
				return err
			}
			repair := flags["remove"] || flags["relink"]
			rep := &fsCheckReport{Leaked: []string{}, flags: flags}
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			if flags["evict"] {
				// Every other handle goes, then this one.
				err = g.withCont(cmd, pool, cont, true, func(ctx context.Context, _ poolHandle, h contHandle) error {
					ev, ok := h.(evicter)
					if !ok {
						return daos.Errorf(daos.ErrNotsupported, "fs check: evicting handles is not available through this handle")
					}
					if err := ev.Evict(ctx, true); err != nil {
						return fmt.Errorf("fs check: evict the container's handles: %w", err)
					}
					rep.Evicted = true
					return nil
				})
				if err != nil {
					return err
				}
			}
			// Removing or relinking needs the container to itself: an
			// entry moved or a file unlinked but open elsewhere during the
			// walk would look leaked.
			mode := client.RO
			if repair {
				mode = client.EX
			}
			err = g.withContMode(cmd, pool, cont, mode, func(ctx context.Context, _ poolHandle, h contHandle) error {
				// A big namespace takes what it takes.
				return runFSCheck(context.WithoutCancel(ctx), h, repair, name, rep)
			})
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(rep, func(w io.Writer) error {
				return printFSCheck(w, rep)
			})
		},
	}
	cmd.Flags().StringVarP(&flagList, "flags", "f", "print", "what to do: print, remove or relink leaked objects; verify reads every object back; evict drops other handles first")
	cmd.Flags().StringVarP(&name, "name", "n", "", "relink: the /lost+found subdirectory (default: the time of the check)")
	return cmd
}

func runFSCheck(ctx context.Context, h contHandle, write bool, name string, rep *fsCheckReport) error {
	fs, err := mount(ctx, h, !write)
	if err != nil {
		return err
	}
	defer fs.Umount()
	r, err := fs.Check(ctx, dfs.CheckOptions{Remove: rep.flags["remove"], Relink: rep.flags["relink"], Name: name})
	if r != nil {
		rep.Objects, rep.Reachable, rep.Dirs, rep.Entries = r.Objects, r.Reachable, r.Dirs, r.Entries
		rep.Removed, rep.Relinked, rep.RelinkDir = r.Removed, r.Relinked, r.RelinkDir
		for _, oid := range r.Leaked {
			rep.Leaked = append(rep.Leaked, oid.String())
		}
	}
	if err != nil || !rep.flags["verify"] {
		return err
	}
	c, ok := rawCont(h)
	if !ok {
		return daos.Errorf(daos.ErrNotsupported, "fs check: verify is not available through this handle")
	}
	st, problems, err := client.Check(ctx, c, 0, nil)
	if err != nil {
		return err
	}
	rep.Verified = &checkReport{Objects: st.Objects, Dkeys: st.Dkeys, Akeys: st.Akeys, Bytes: st.Bytes, Problems: checkProblems(problems)}
	return nil
}

func printFSCheck(w io.Writer, r *fsCheckReport) error {
	var b strings.Builder
	if r.Evicted {
		b.WriteString("Evicted every handle of the container first\n")
	}
	fmt.Fprintf(&b, "Checked %d directories, %d entries: %d of %d objects reached from the root\n", r.Dirs, r.Entries, r.Reachable, r.Objects)
	if len(r.Leaked) == 0 {
		b.WriteString("No leaked objects\n")
	} else {
		fmt.Fprintf(&b, "Leaked objects (%d):\n", len(r.Leaked))
		for _, o := range r.Leaked {
			fmt.Fprintf(&b, "  %s\n", o)
		}
	}
	if r.Removed > 0 {
		fmt.Fprintf(&b, "Removed %d leaked objects\n", r.Removed)
	}
	if r.Relinked > 0 {
		fmt.Fprintf(&b, "Relinked %d leaked objects into %s\n", r.Relinked, r.RelinkDir)
	}
	if v := r.Verified; v != nil {
		fmt.Fprintf(&b, "Verified %d objects, %d bytes read: %d problem(s)\n", v.Objects, v.Bytes, len(v.Problems))
		writeProblems(&b, v.Problems)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
