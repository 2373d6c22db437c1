package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
)

// The DFS repairs (`daos fs fix-sb`, `fix-root`, `fix-entry`), for a
// container nobody is using after a catastrophe.

// withRawCont opens a container for writing and hands over the client
// container under the handle (repairs work below the DFS mount).
func (g *globals) withRawCont(cmd *cobra.Command, args []string, what string,
	fn func(ctx context.Context, c *client.Container) error) error {
	pool, cont, err := contArgs(args)
	if err != nil {
		return err
	}
	// Repairs need the container to themselves.
	return g.withContMode(cmd, pool, cont, client.EX, func(ctx context.Context, _ poolHandle, h contHandle) error {
		c, ok := rawCont(h)
		if !ok {
			return daos.Errorf(daos.ErrNotsupported, "%s is not available through this handle", what)
		}
		return fn(ctx, c)
	})
}

// fsFixSBCommand is `daos fs fix-sb <pool> <container> [-z size] [-o class]
// [-d class] [-f class] [-M mode]`: a new superblock with those defaults,
// linked to the container's root directory object if it has one.
func fsFixSBCommand(g *globals) *cobra.Command {
	o := &createOpts{}
	cmd := &cobra.Command{
		Use:   "fix-sb <pool> <container>",
		Short: "Recreate a POSIX container's superblock, over its existing root directory",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			attr, err := o.dfsAttr() // create's parsing, --mode included
			if err != nil {
				return err
			}
			return g.withRawCont(cmd, args, "fix-sb", func(ctx context.Context, c *client.Container) error {
				root, found, err := dfs.RecreateSB(ctx, c, attr)
				if err != nil {
					return err
				}
				res := map[string]any{"root_oid": root.String(), "root_found": found}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(res, func(w io.Writer) error {
					how := "a new, empty root directory"
					if found {
						how = "the existing root directory"
					}
					_, err := fmt.Fprintf(w, "Superblock recreated, linked to %s (%s)\n", how, root)
					return err
				})
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.chunkSize, "chunk-size", "z", "", "default chunk size of files (e.g. 1MiB)")
	f.StringVarP(&o.oclass, "oclass", "o", "", "default object class")
	f.StringVarP(&o.dirOclass, "dir-oclass", "d", "", "object class of directories")
	f.StringVarP(&o.fileOclass, "file-oclass", "f", "", "object class of files")
	f.StringVarP(&o.mode, "mode", "M", "", "relaxed or balanced")
	return cmd
}

// fsFixRootCommand is `daos fs fix-root <pool> <container>`: the root
// directory linked back into a superblock that lost its entry.
func fsFixRootCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "fix-root <pool> <container>",
		Short: "Link a POSIX container's root directory back into its superblock",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withRawCont(cmd, args, "fix-root", func(ctx context.Context, c *client.Container) error {
				root, err := dfs.RelinkRoot(ctx, c)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(map[string]string{"root_oid": root.String()}, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Root directory %s relinked\n", root)
					return err
				})
			})
		},
	}
}

// fsFixEntryCommand is `daos fs fix-entry <pool> <container> --dfs-path P
// [--chunk-size N]`: the entry's type taken from its object.
func fsFixEntryCommand(g *globals) *cobra.Command {
	o := &dfsPathOpts{}
	var chunk string
	cmd := &cobra.Command{
		Use:   "fix-entry <pool> <container>",
		Short: "Give an entry the type its object has (and a file a chunk size)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := (&createOpts{chunkSize: chunk}).dfsAttr() // create's --chunk-size parsing
			if err != nil {
				return err
			}
			size := a.ChunkSize
			return g.withDFSMode(cmd, args, client.EX, func(ctx context.Context, fs *dfs.FS) error {
				p, err := o.resolve(fs)
				if err != nil {
					return err
				}
				dir, name := splitDFSPath(p)
				parent, err := fs.Lookup(ctx, dir, syscall.O_RDWR)
				if err != nil {
					return err
				}
				defer parent.Release()
				changed, err := fs.FixEntry(ctx, parent, name, size)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(map[string]any{"path": o.path, "changed": changed}, func(w io.Writer) error {
					msg := "Entry %s fixed\n"
					if !changed {
						msg = "Entry %s was sound: nothing changed\n"
					}
					_, err := fmt.Fprintf(w, msg, o.path)
					return err
				})
			})
		},
	}
	o.register(cmd)
	cmd.Flags().StringVarP(&chunk, "chunk-size", "z", "", "also give a file this chunk size (for files relinked into lost+found)")
	return cmd
}

// splitDFSPath splits an absolute DFS path into its directory and name.
func splitDFSPath(p string) (dir, name string) {
	i := strings.LastIndex(p, "/")
	dir, name = p[:i], p[i+1:]
	if dir == "" {
		dir = "/"
	}
	return dir, name
}
