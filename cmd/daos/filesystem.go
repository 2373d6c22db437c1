package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/dfuse"
	"github.com/daos-go/daos/pkg/fscopy"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/uns"
)

// dfsMounter is a container whose POSIX namespace the filesystem
// commands use.
type dfsMounter interface {
	MountDFS(ctx context.Context, readOnly bool) (*dfs.FS, error)
}

// MountDFS mounts the container's DFS namespace.
func (c liveCont) MountDFS(ctx context.Context, readOnly bool) (*dfs.FS, error) {
	flags := dfs.RDWR
	if readOnly {
		flags = dfs.RDONLY
	}
	return dfs.Mount(ctx, c.Container, flags)
}

// mount mounts h, which the fakes of the tests cannot.
func mount(ctx context.Context, h contHandle, readOnly bool) (*dfs.FS, error) {
	m, ok := h.(dfsMounter)
	if !ok {
		return nil, daos.Errorf(daos.ErrNotsupported, "this container cannot be mounted")
	}
	return m.MountDFS(ctx, readOnly)
}

// filesystemCommand is `daos filesystem` (`daos fs`).
func filesystemCommand(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "filesystem",
		Aliases: []string{"fs"},
		Short:   "Copy data to and from POSIX containers and manage their files' attributes",
	}
	cmd.AddCommand(fsCopyCommand(g), fsGetAttrCommand(g), fsSetAttrCommand(g), fsQueryCommand(g),
		fsScanCommand(g), fsChmodCommand(g), fsCheckCommand(g), fsEvictCommand(g),
		fsFixSBCommand(g), fsFixRootCommand(g), fsFixEntryCommand(g),
		fsResetCommand(g, "reset-attr", "object class and chunk size", true, true),
		fsResetCommand(g, "reset-oclass", "object class", true, false),
		fsResetCommand(g, "reset-chunk-size", "chunk size", false, true))
	return cmd
}

// location is one end of a copy: a host path, or a path in a container.
type location struct {
	pool, cont string // empty for a host path
	path       string
}

func (l location) isDAOS() bool { return l.pool != "" }

func (l location) String() string {
	if l.isDAOS() {
		return "daos://" + l.pool + "/" + l.cont + strings.TrimSuffix(l.path, "/")
	}
	return l.path
}

// parseLocation reads daos://pool/cont[/path] or a host path (made
// absolute).
func parseLocation(flag, s string) (location, error) {
	if s == "" {
		return location{}, daos.Errorf(daos.ErrInval, "%s is required", flag)
	}
	rest, ok := strings.CutPrefix(s, "daos://")
	if !ok {
		abs, err := filepath.Abs(s)
		if err != nil {
			return location{}, fmt.Errorf("%s %q: %w", flag, s, err)
		}
		// A path in (or below) a directory linked to a container is that
		// container's, read and written directly rather than through a
		// mount, as DAOS's tool does.
		l, rel, err := uns.Resolve(abs)
		switch {
		case errors.Is(err, uns.ErrNotLinked):
			return location{path: abs}, nil
		case err != nil:
			return location{}, fmt.Errorf("%s %q: %w", flag, s, err)
		case l.Type != "POSIX":
			return location{}, daos.Errorf(daos.ErrInval, "%s %q is linked to a %s container; copies take POSIX ones", flag, s, l.Type)
		}
		return location{pool: l.Pool, cont: l.Cont, path: path.Clean("/" + filepath.ToSlash(rel))}, nil
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return location{}, daos.Errorf(daos.ErrInval, "%s %q: want daos://<pool>/<container>[/path]", flag, s)
	}
	pool, err := checkID("pool", parts[0])
	if err != nil {
		return location{}, daos.Errorf(daos.ErrInval, "%s %q: %v", flag, s, err)
	}
	cont, err := checkID("container", parts[1])
	if err != nil {
		return location{}, daos.Errorf(daos.ErrInval, "%s %q: %v", flag, s, err)
	}
	p := "/"
	if len(parts) == 3 {
		p = path.Clean("/" + parts[2])
	}
	return location{pool: pool, cont: cont, path: p}, nil
}

// copyResult is what `fs copy` reports.
type copyResult struct {
	Src      string `json:"src"`
	Dst      string `json:"dst"`
	NumDirs  int64  `json:"num_dirs"`
	NumFiles int64  `json:"num_files"`
	NumLinks int64  `json:"num_links"`
	Bytes    int64  `json:"bytes"`
	Skipped  int64  `json:"num_skipped,omitempty"`
}

// preservedProps is the file --preserve-props writes and reads: the
// container properties fixed at creation, so that a copy made back into
// DAOS gets a container like the one the data came from. (DAOS writes
// this in HDF5; ours is JSON.)
type preservedProps struct {
	Type       string            `json:"type"`
	Properties map[string]string `json:"properties"`
}

type copyOpts struct {
	src, dst          string
	preserve          string
	ignoreUnsupported bool
}

// fsCopyCommand is `daos filesystem copy --src X --dst Y`.
func fsCopyCommand(g *globals) *cobra.Command {
	o := &copyOpts{}
	cmd := &cobra.Command{
		Use:   "copy",
		Short: "Copy files between a POSIX path and a POSIX container (daos://pool/cont/path), or between containers",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			src, err := parseLocation("--src", o.src)
			if err != nil {
				return err
			}
			dst, err := parseLocation("--dst", o.dst)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			// Each end is connected for the copy's length; no overall
			// deadline, as a large copy takes what it takes.
			srcTree, srcDone, err := g.openTree(ctx, src, false, o.preserve)
			if err != nil {
				return err
			}
			defer srcDone()
			dstTree, dstDone, err := g.openTree(ctx, dst, true, o.preserve)
			if err != nil {
				return err
			}
			defer dstDone()
			opts := fscopy.Options{IgnoreUnsupported: o.ignoreUnsupported}
			if !g.json && isTerminal(cmd.ErrOrStderr()) {
				opts.Progress = cmd.ErrOrStderr()
			}
			st, err := fscopy.Copy(ctx, srcTree, src.path, dstTree, dst.path, opts)
			if err != nil {
				return err
			}
			res := copyResult{Src: src.String(), Dst: dst.String(), NumDirs: st.Dirs, NumFiles: st.Files,
				NumLinks: st.Links, Bytes: st.Bytes, Skipped: st.Skipped}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(res, func(w io.Writer) error {
				kind := "POSIX"
				if dst.isDAOS() {
					kind = "DAOS"
				}
				_, err := fmt.Fprintf(w, "Successfully copied to %s: %s\n    Directories: %d\n    Files:       %d\n    Links:       %d\n",
					kind, res.Dst, res.NumDirs, res.NumFiles, res.NumLinks)
				if err == nil && res.Skipped > 0 {
					_, err = fmt.Fprintf(w, "    Skipped:     %d (unsupported types)\n", res.Skipped)
				}
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.src, "src", "s", "", "source: a path, or daos://<pool>/<container>[/path]")
	f.StringVarP(&o.dst, "dst", "d", "", "destination: a path, or daos://<pool>/<container>[/path]")
	f.StringVarP(&o.preserve, "preserve-props", "m", "",
		"file for the container's properties: written when copying out of DAOS, read to create the destination container")
	f.BoolVar(&o.ignoreUnsupported, "ignore-unsupported", false, "skip devices, FIFOs and sockets instead of failing")
	return cmd
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// openTree connects to l's container (creating and formatting a missing
// destination container, as DAOS's tool does) and mounts it; a host path
// needs nothing. done disconnects.
func (g *globals) openTree(ctx context.Context, l location, dest bool, preserve string) (fscopy.Tree, func(), error) {
	if !l.isDAOS() {
		return fscopy.Local{}, func() {}, nil
	}
	flags := client.RO
	if dest {
		flags = client.RW
	}
	p, done, err := g.connect(ctx, g.sysName, l.pool, flags)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to pool %s: %w", l.pool, err)
	}
	closeAll := func(h contHandle) {
		if h != nil {
			_ = h.Close(context.WithoutCancel(ctx))
		}
		_ = p.Disconnect(context.WithoutCancel(ctx))
		done()
	}
	h, err := p.OpenCont(ctx, l.cont, flags)
	if dest && errors.Is(err, daos.ErrNonexist) {
		h, err = createPOSIX(ctx, p, l.cont, preserve)
	}
	if err != nil {
		closeAll(nil)
		return nil, nil, fmt.Errorf("open container %s: %w", l.cont, err)
	}
	if !dest && preserve != "" {
		if err := writePreserved(ctx, p, l.cont, preserve); err != nil {
			closeAll(h)
			return nil, nil, err
		}
	}
	fs, err := mount(ctx, h, !dest)
	if err != nil {
		closeAll(h)
		return nil, nil, fmt.Errorf("mount container %s: %w", l.cont, err)
	}
	name := "daos://" + l.pool + "/" + l.cont
	return fscopy.NewDFS(fs, name), func() { closeAll(h) }, nil
}

// createPOSIX makes the destination container label, with the preserved
// properties when a file of them is given.
func createPOSIX(ctx context.Context, p poolHandle, label, preserve string) (contHandle, error) {
	if system.IsUUID(label) {
		return nil, daos.Errorf(daos.ErrNonexist, "no container %s (a missing destination is created only by label)", label)
	}
	props := map[string]string{}
	if preserve != "" {
		b, err := os.ReadFile(preserve)
		if err != nil {
			return nil, fmt.Errorf("read preserved properties: %w", err)
		}
		var pp preservedProps
		if err := json.Unmarshal(b, &pp); err != nil {
			return nil, daos.Errorf(daos.ErrInval, "preserved properties %s: %v", preserve, err)
		}
		if pp.Type != "" && pp.Type != "POSIX" {
			return nil, daos.Errorf(daos.ErrInval, "preserved properties %s are of a %s container, not POSIX", preserve, pp.Type)
		}
		props = pp.Properties
	}
	c, err := p.CreateContainer(ctx, label, "POSIX", props)
	if err != nil {
		return nil, fmt.Errorf("create the destination container: %w", err)
	}
	// The namespace takes the preserved chunk size and classes too.
	if err := formatPOSIX(ctx, p, c.UUID, dfs.AttrOfProps(c.Props)); err != nil {
		return nil, err
	}
	return p.OpenCont(ctx, c.UUID, client.RW)
}

// writePreserved saves the source container's creation-time properties.
func writePreserved(ctx context.Context, p poolHandle, cont, file string) error {
	ci, err := p.QueryContainer(ctx, cont)
	if err != nil {
		return fmt.Errorf("query container %s for its properties: %w", cont, err)
	}
	pp := preservedProps{Type: ci.Type, Properties: map[string]string{}}
	for k, v := range ci.Props {
		if d, err := poolsvc.LookupContProp(k); err == nil && d.Access == poolsvc.ContCreateOnly {
			pp.Properties[k] = v
		}
	}
	b, err := json.MarshalIndent(pp, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write preserved properties: %w", err)
	}
	return nil
}

// dfsPathOpts are the flags naming an entry of a container.
type dfsPathOpts struct {
	path, prefix string
}

func (o *dfsPathOpts) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&o.path, "dfs-path", "H", "", "path of the file or directory in the container")
	cmd.Flags().StringVarP(&o.prefix, "dfs-prefix", "I", "", "mount prefix the --dfs-path starts with, stripped from it")
}

// lookup opens the entry the flags name in fs.
func (o *dfsPathOpts) lookup(ctx context.Context, fs *dfs.FS, flags int) (*dfs.Obj, error) {
	p, err := o.resolve(fs)
	if err != nil {
		return nil, err
	}
	return fs.Lookup(ctx, p, flags)
}

func (o *dfsPathOpts) resolve(fs *dfs.FS) (string, error) {
	if o.path == "" {
		return "", daos.Errorf(daos.ErrInval, "--dfs-path is required")
	}
	if !strings.HasPrefix(o.path, "/") {
		return "", daos.Errorf(daos.ErrInval, "--dfs-path %q: not an absolute path", o.path)
	}
	if err := fs.SetPrefix(o.prefix); err != nil {
		return "", daos.Errorf(daos.ErrInval, "--dfs-prefix %q: %v", o.prefix, err)
	}
	return o.path, nil
}

// withDFS opens pool/cont, mounts it and runs fn.
func (g *globals) withDFS(cmd *cobra.Command, args []string, write bool, fn func(ctx context.Context, fs *dfs.FS) error) error {
	flags := client.RO
	if write {
		flags = client.RW
	}
	return g.withDFSMode(cmd, args, flags, fn)
}

// withDFSMode is withDFS with the container's open flags given.
func (g *globals) withDFSMode(cmd *cobra.Command, args []string, flags uint64, fn func(ctx context.Context, fs *dfs.FS) error) error {
	pool, cont, err := contArgs(args)
	if err != nil {
		return err
	}
	return g.withContMode(cmd, pool, cont, flags, func(ctx context.Context, _ poolHandle, h contHandle) error {
		fs, err := mount(ctx, h, flags == client.RO)
		if err != nil {
			return err
		}
		defer fs.Umount()
		return fn(ctx, fs)
	})
}

// fileAttrs is what `fs get-attr` reports.
type fileAttrs struct {
	OClass     string `json:"oclass"`
	ChunkSize  uint64 `json:"chunk_size"`
	DirOClass  string `json:"dir_oclass,omitempty"`
	FileOClass string `json:"file_oclass,omitempty"`
}

func className(id placement.ClassID) string {
	if n, ok := placement.ID2Name(id); ok {
		return n
	}
	return "UNKNOWN"
}

// fsGetAttrCommand is `daos fs get-attr <pool> <cont> --dfs-path P`.
func fsGetAttrCommand(g *globals) *cobra.Command {
	o := &dfsPathOpts{}
	cmd := &cobra.Command{
		Use:   "get-attr <pool> <container>",
		Short: "Show the object class and chunk size of a file, or a directory's defaults for new files",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withDFS(cmd, args, false, func(ctx context.Context, fs *dfs.FS) error {
				obj, err := o.lookup(ctx, fs, syscall.O_RDONLY)
				if err != nil {
					return err
				}
				defer obj.Release()
				in, err := fs.Info(ctx, obj)
				if err != nil {
					return err
				}
				a := fileAttrs{OClass: className(in.OClass), ChunkSize: in.ChunkSize}
				if obj.IsDir() {
					a.DirOClass, a.FileOClass = className(in.DirOClass), className(in.FileOClass)
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(a, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Object Class = %s\nObject Chunk Size = %d\n", a.OClass, a.ChunkSize)
					if err == nil && obj.IsDir() {
						_, err = fmt.Fprintf(w, "Directory Object Class = %s\nFile Object Class = %s\n", a.DirOClass, a.FileOClass)
					}
					return err
				})
			})
		},
	}
	o.register(cmd)
	return cmd
}

// fsSetAttrCommand is `daos fs set-attr <pool> <cont> --dfs-path P
// [--oclass C] [--chunk-size N]`: a directory's defaults for what is
// created in it, or a new empty file with that class and chunk size.
func fsSetAttrCommand(g *globals) *cobra.Command {
	o := &dfsPathOpts{}
	var oclass, chunk string
	cmd := &cobra.Command{
		Use:   "set-attr <pool> <container>",
		Short: "Set a directory's object class and chunk size for new files, or create a file with them",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if oclass == "" && chunk == "" {
				return daos.Errorf(daos.ErrInval, "give --oclass or --chunk-size")
			}
			co := &createOpts{oclass: oclass, chunkSize: chunk}
			attr, err := co.dfsAttr()
			if err != nil {
				return err
			}
			return g.withDFS(cmd, args, true, func(ctx context.Context, fs *dfs.FS) error {
				p, err := o.resolve(fs)
				if err != nil {
					return err
				}
				obj, err := fs.Lookup(ctx, p, syscall.O_RDWR)
				if errors.Is(err, syscall.ENOENT) {
					return createWithAttr(ctx, fs, p, attr)
				}
				if err != nil {
					return err
				}
				defer obj.Release()
				if !obj.IsDir() {
					return fmt.Errorf("set-attr %s: %w (an existing file keeps the class and chunk size it was created with)",
						o.path, syscall.EINVAL)
				}
				if oclass != "" {
					if err := fs.SetOClass(ctx, obj, attr.FileOClass); err != nil {
						return err
					}
				}
				if chunk != "" {
					return fs.SetChunkSize(ctx, obj, attr.ChunkSize)
				}
				return nil
			})
		},
	}
	o.register(cmd)
	cmd.Flags().StringVarP(&oclass, "oclass", "o", "", "object class")
	cmd.Flags().StringVarP(&chunk, "chunk-size", "z", "", "chunk size (e.g. 4MiB)")
	return cmd
}

// createWithAttr creates an empty file at p with attr's class and chunk
// size (its directory must exist).
func createWithAttr(ctx context.Context, fs *dfs.FS, p string, attr dfs.Attr) error {
	dir := fs.Root()
	if d := path.Dir(p); d != "/" {
		var err error
		if dir, err = fs.Lookup(ctx, d, syscall.O_RDWR); err != nil {
			return err
		}
		defer dir.Release()
	}
	f, err := fs.Open(ctx, dir, path.Base(p), syscall.S_IFREG|0o644, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL,
		attr.FileOClass, attr.ChunkSize, "")
	if err != nil {
		return err
	}
	return f.Release()
}

// fsResetCommand is `daos fs reset-attr|reset-oclass|reset-chunk-size`:
// a directory's defaults go back to the container's.
func fsResetCommand(g *globals, use, what string, oclass, chunk bool) *cobra.Command {
	o := &dfsPathOpts{}
	cmd := &cobra.Command{
		Use:   use + " <pool> <container>",
		Short: "Give a directory the container's default " + what + " again",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withDFS(cmd, args, true, func(ctx context.Context, fs *dfs.FS) error {
				obj, err := o.lookup(ctx, fs, syscall.O_RDWR)
				if err != nil {
					return err
				}
				defer obj.Release()
				if oclass {
					if err := fs.SetOClass(ctx, obj, 0); err != nil {
						return err
					}
				}
				if chunk {
					return fs.SetChunkSize(ctx, obj, 0)
				}
				return nil
			})
		},
	}
	o.register(cmd)
	return cmd
}

// fsEvictCommand is `daos filesystem evict <path>`: the dfuse mount
// holding path drops what it and the kernel cache of it (DAOS's dfuse
// takes an ioctl; ours an extended attribute it never stores).
func fsEvictCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "evict <path>",
		Short: "Drop what a dfuse mount caches of a path (attributes, data, its name)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := args[0]
			err := unix.Lsetxattr(p, dfuse.EvictXattr, nil, 0)
			switch {
			case errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES):
				// A file system that is not a dfuse mount refuses (or
				// would store) the attribute: ask it to be sure.
				return daos.Errorf(daos.ErrInval, "%s is not in a dfuse mount (%v)", p, err)
			case err != nil:
				return fmt.Errorf("evict %s: %w", p, err)
			}
			// A file system that takes user attributes stores it instead:
			// a dfuse mount never does.
			if _, gerr := unix.Lgetxattr(p, dfuse.EvictXattr, nil); gerr == nil {
				_ = unix.Lremovexattr(p, dfuse.EvictXattr)
				return daos.Errorf(daos.ErrInval, "%s is not in a dfuse mount", p)
			}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(map[string]string{"path": p}, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "Evicted %s from the dfuse cache\n", p)
				return err
			})
		},
	}
}

// fsQueryResult is what `fs query` reports of a dfuse mount.
type fsQueryResult struct {
	Path string `json:"path"`
	dfuse.Query
}

// fsQueryCommand is `daos filesystem query <path>`: what a dfuse mount
// holding path serves, and its inodes and open files, as the mount
// reports them in an extended attribute.
func fsQueryCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "query <path>",
		Short: "Query the dfuse mount a path is in",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := args[0]
			buf := make([]byte, 4096)
			n, err := unix.Getxattr(p, dfuse.QueryXattr, buf)
			switch {
			case errors.Is(err, unix.ENODATA) || errors.Is(err, unix.ENOTSUP):
				return daos.Errorf(daos.ErrInval, "%s is not in a dfuse mount", p)
			case err != nil:
				return fmt.Errorf("query %s: %w", p, err)
			}
			res := fsQueryResult{Path: p}
			if err := json.Unmarshal(buf[:n], &res.Query); err != nil {
				return fmt.Errorf("query %s: the mount's answer: %w", p, err)
			}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(res, func(w io.Writer) error {
				_, err := fmt.Fprintf(w, "DFuse mount of %s\n  Pool       : %s\n  Container  : %s\n  Inodes     : %d\n  Open files : %d\n",
					res.Path, res.Pool, res.Container, res.Inodes, res.OpenFiles)
				return err
			})
		},
	}
}
