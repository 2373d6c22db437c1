package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/uns"
)

// contPositionals is how commands on a container spell their first two
// arguments; those commands also take --path instead (see withPath).
const contPositionals = "<pool> <container>"

// withPathFlags gives every command under root that starts with
// <pool> <container> a --path flag, as DAOS's tool does for directories
// linked to containers (the unified namespace).
func withPathFlags(root *cobra.Command) {
	for _, c := range root.Commands() {
		withPathFlags(c)
		if strings.Contains(c.Use, contPositionals) && c.Flags().Lookup("path") == nil {
			withPath(c)
		}
	}
}

// withPath lets cmd take --path DIR in place of <pool> <container>: the
// pool and container DIR is linked to are put in front of the arguments
// before cmd checks them.
func withPath(cmd *cobra.Command) {
	var path string
	var resolved []string // the pool and container, once looked up
	cmd.Flags().StringVar(&path, "path", "", "a directory linked to the container (unified namespace), in place of <pool> <container>")
	cmd.Use = strings.Replace(cmd.Use, contPositionals, "["+contPositionals+" | --path <dir>]", 1)
	full := func(args []string) ([]string, error) {
		if path == "" {
			return args, nil
		}
		if resolved == nil {
			l, rel, err := uns.Resolve(path)
			if err != nil {
				return nil, fmt.Errorf("--path: %w", err)
			}
			if rel != "" {
				// A path inside the container: the file system commands
				// take it as their --dfs-path, as DAOS's do.
				dp := cmd.Flags().Lookup("dfs-path")
				if dp == nil {
					return nil, daos.Errorf(daos.ErrInval, "--path %s lies inside the container linked at the directory above it (%s); give that directory", path, rel)
				}
				if dp.Changed {
					return nil, daos.Errorf(daos.ErrInval, "--path %s names a place inside the container (%s) and --dfs-path another", path, rel)
				}
				if err := dp.Value.Set("/" + filepath.ToSlash(rel)); err != nil {
					return nil, err
				}
			}
			resolved = []string{l.Pool, l.Cont}
		}
		return append(resolved[:2:2], args...), nil
	}
	check, run := cmd.Args, cmd.RunE
	cmd.Args = func(c *cobra.Command, args []string) error {
		a, err := full(args)
		if err != nil {
			return err
		}
		if check == nil {
			return nil
		}
		if err := check(c, a); err != nil {
			if path != "" {
				return fmt.Errorf("%w (--path stands for <pool> <container>: give only the arguments after them)", err)
			}
			return err
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, args []string) error {
		a, err := full(args)
		if err != nil {
			return err
		}
		return run(c, a)
	}
}

// linkPath links a new directory path to container cont of pool, for
// `container create --path` and `container link`.
func linkPath(ctx context.Context, p poolHandle, cont, path string) (uns.Link, error) {
	c, err := p.QueryContainer(ctx, cont)
	if err != nil {
		return uns.Link{}, err
	}
	typ := c.Type
	if typ == "" || typ == "unknown" {
		return uns.Link{}, daos.Errorf(daos.ErrInval, "container %s has no layout type to link (create it with --type)", cont)
	}
	l := uns.Link{Type: typ, Pool: p.UUID(), Cont: c.UUID}
	if err := uns.Create(path, l); err != nil {
		return uns.Link{}, err
	}
	return l, nil
}

// contLinkCommand is `daos container link <pool> <container> --path DIR`.
func contLinkCommand(g *globals) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "link <pool> <container> --path <dir>",
		Short: "Link a new directory to a container (unified namespace)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := uns.CheckNew(path); err != nil {
				return fmt.Errorf("--path: %w", err)
			}
			pool, cont, err := contArgs(args)
			if err != nil {
				return err
			}
			return g.withPool(cmd, pool, client.RO, func(ctx context.Context, p poolHandle) error {
				l, err := linkPath(ctx, p, cont, path)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(unsInfo(path, l), func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Linked %s to container %s of pool %s\n", path, l.Cont, l.Pool)
					return err
				})
			})
		},
	}
	cmd.Flags().StringVar(&path, "path", "", "the directory to create, linked to the container")
	_ = cmd.MarkFlagRequired("path")
	return cmd
}

// contUnlinkCommand is `daos container unlink --path DIR`: the link goes,
// the container stays.
func contUnlinkCommand(g *globals) *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "unlink --path <dir>",
		Short: "Remove a directory linked to a container, keeping the container",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := uns.Lookup(path)
			if err != nil {
				return fmt.Errorf("--path: %w", err)
			}
			if err := uns.Remove(path); err != nil {
				return err
			}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(unsInfo(path, l), func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "Unlinked %s from container %s of pool %s\n", path, l.Cont, l.Pool)
				return err
			})
		},
	}
	cmd.Flags().StringVar(&path, "path", "", "the linked directory to remove")
	_ = cmd.MarkFlagRequired("path")
	return cmd
}

// unsLink is a link as --json reports it.
type unsLink struct {
	Path string `json:"path"`
	Type string `json:"container_type"`
	Pool string `json:"pool_uuid"`
	Cont string `json:"container_uuid"`
}

func unsInfo(path string, l uns.Link) *unsLink {
	return &unsLink{Path: path, Type: l.Type, Pool: l.Pool, Cont: l.Cont}
}

// unlinkAfterDestroy removes the directory of `container destroy --path`
// once the container is gone; a directory that cannot go is reported with
// the container already destroyed.
func unlinkAfterDestroy(cmd *cobra.Command) error {
	path, _ := cmd.Flags().GetString("path")
	if path == "" {
		return nil
	}
	if err := uns.Remove(path); err != nil && !errors.Is(err, uns.ErrNotLinked) {
		return fmt.Errorf("container destroyed, but its directory stays: %w", err)
	}
	return nil
}
