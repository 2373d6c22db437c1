package main

import (
	"context"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/fscopy"
)

// scanBuckets are the file-size classes `fs scan` counts: each bound is
// exclusive, the last class open-ended.
var scanBuckets = []struct {
	name  string
	below uint64
}{
	{"0 B", 1}, {"1 B - 4 KiB", 4 << 10}, {"4 KiB - 64 KiB", 64 << 10}, {"64 KiB - 1 MiB", 1 << 20},
	{"1 MiB - 64 MiB", 64 << 20}, {"64 MiB - 1 GiB", 1 << 30}, {">= 1 GiB", ^uint64(0)},
}

// scanStats is what `fs scan` reports of a tree.
type scanStats struct {
	Path          string       `json:"path"`
	Dirs          uint64       `json:"dirs"`
	Files         uint64       `json:"files"`
	Symlinks      uint64       `json:"symlinks"`
	Others        uint64       `json:"others,omitempty"`
	Bytes         uint64       `json:"bytes"`
	MaxFileSize   uint64       `json:"max_file_size"`
	MaxFile       string       `json:"max_file,omitempty"`
	MaxDepth      int          `json:"max_depth"`
	MaxDirEntries int          `json:"max_dir_entries"`
	MaxDir        string       `json:"max_dir,omitempty"`
	MaxNameLen    int          `json:"max_name_len"`
	SizeHistogram []scanBucket `json:"file_size_histogram"`
	sizeCounts    []uint64     // per scanBuckets entry
}

type scanBucket struct {
	Size  string `json:"size"`
	Files uint64 `json:"files"`
}

// maxScanDepth bounds the walk's recursion (DFS allows any depth; a
// deeper tree is reported as an error rather than exhausting the stack).
const maxScanDepth = 4096

// scan walks the tree at root (a directory or a single entry) and counts
// what is in it. Symbolic links are counted, not followed.
func scan(ctx context.Context, t fscopy.Tree, root string) (*scanStats, error) {
	s := &scanStats{Path: root, sizeCounts: make([]uint64, len(scanBuckets))}
	if err := s.walk(ctx, t, root, 0); err != nil {
		return nil, err
	}
	for i, b := range scanBuckets {
		s.SizeHistogram = append(s.SizeHistogram, scanBucket{Size: b.name, Files: s.sizeCounts[i]})
	}
	return s, nil
}

func (s *scanStats) walk(ctx context.Context, t fscopy.Tree, p string, depth int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if depth > maxScanDepth {
		return daos.Errorf(daos.ErrInval, "scan %s: deeper than %d levels", t.Name(p), maxScanDepth)
	}
	info, err := t.Lstat(ctx, p)
	if err != nil {
		return fmt.Errorf("scan %s: %w", t.Name(p), err)
	}
	s.MaxDepth = max(s.MaxDepth, depth)
	if name := path.Base(p); p != "/" && len(name) > s.MaxNameLen {
		s.MaxNameLen = len(name)
	}
	switch {
	case info.IsDir():
		s.Dirs++
		names, err := t.ReadDir(ctx, p)
		if err != nil {
			return fmt.Errorf("scan %s: %w", t.Name(p), err)
		}
		if len(names) > s.MaxDirEntries {
			s.MaxDirEntries, s.MaxDir = len(names), p
		}
		for _, n := range names {
			if err := s.walk(ctx, t, path.Join(p, n), depth+1); err != nil {
				return err
			}
		}
	case info.IsRegular():
		s.Files++
		s.Bytes += info.Size
		if info.Size > s.MaxFileSize || s.MaxFile == "" {
			s.MaxFileSize, s.MaxFile = info.Size, p
		}
		for i, b := range scanBuckets {
			if info.Size < b.below || i == len(scanBuckets)-1 {
				s.sizeCounts[i]++
				break
			}
		}
	case info.IsSymlink():
		s.Symlinks++
	default:
		s.Others++
	}
	return nil
}

// fsScanCommand is `daos fs scan <pool> <container> [--dfs-path P]`:
// how many directories, files and links a POSIX container (or a subtree)
// holds, how large and deep it is, and its file sizes.
func fsScanCommand(g *globals) *cobra.Command {
	o := &dfsPathOpts{}
	cmd := &cobra.Command{
		Use:   "scan <pool> <container>",
		Short: "Count the directories, files and links of a POSIX container (or of --dfs-path in it), with sizes and depth",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, err := o.scanRoot()
			if err != nil {
				return err
			}
			return g.withDFS(cmd, args, false, func(ctx context.Context, fs *dfs.FS) error {
				s, err := scan(ctx, fscopy.NewDFS(fs, "daos://"+args[0]+"/"+args[1]), root)
				if err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(s, func(w io.Writer) error {
					return printScan(w, s)
				})
			})
		},
	}
	o.register(cmd)
	return cmd
}

// scanRoot is where a scan starts: --dfs-path without --dfs-prefix, or
// the container's root.
func (o *dfsPathOpts) scanRoot() (string, error) {
	if o.path == "" {
		return "/", nil
	}
	if !strings.HasPrefix(o.path, "/") {
		return "", daos.Errorf(daos.ErrInval, "--dfs-path %q: not an absolute path", o.path)
	}
	p := o.path
	if o.prefix != "" {
		rest, ok := strings.CutPrefix(path.Clean(p), path.Clean(o.prefix))
		if !ok || (rest != "" && rest[0] != '/') {
			return "", daos.Errorf(daos.ErrInval, "--dfs-path %q is not under --dfs-prefix %q", o.path, o.prefix)
		}
		p = "/" + rest
	}
	return path.Clean(p), nil
}

func printScan(w io.Writer, s *scanStats) error {
	_, err := fmt.Fprintf(w, "Scanned %s\n  Directories       : %d\n  Files             : %d\n  Symbolic links    : %d\n"+
		"  Bytes in files    : %d\n  Largest file      : %d bytes %s\n  Deepest entry     : %d levels below\n"+
		"  Largest directory : %d entries %s\n  Longest name      : %d bytes\n  File sizes:\n",
		s.Path, s.Dirs, s.Files, s.Symlinks, s.Bytes, s.MaxFileSize, s.MaxFile, s.MaxDepth,
		s.MaxDirEntries, s.MaxDir, s.MaxNameLen)
	for _, b := range s.SizeHistogram {
		if err == nil {
			_, err = fmt.Fprintf(w, "    %-16s %d\n", b.Size, b.Files)
		}
	}
	return err
}

// fsChmodCommand is `daos fs chmod <pool> <container> --dfs-path P
// -m MODE`: a file's or directory's permission bits, without a mount.
func fsChmodCommand(g *globals) *cobra.Command {
	o := &dfsPathOpts{}
	var mode string
	cmd := &cobra.Command{
		Use:   "chmod <pool> <container>",
		Short: "Set the permission bits of a file or directory in a POSIX container",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := strconv.ParseUint(mode, 8, 32)
			if err != nil || m > 0o7777 {
				return daos.Errorf(daos.ErrInval, "--mode %q: want octal permission bits (e.g. 0644, at most 7777)", mode)
			}
			return g.withDFS(cmd, args, true, func(ctx context.Context, fs *dfs.FS) error {
				obj, err := o.lookup(ctx, fs, syscall.O_RDWR)
				if err != nil {
					return err
				}
				defer obj.Release()
				st := dfs.Stat{Mode: uint32(m)}
				if _, err := fs.SetAttr(ctx, obj, &st, dfs.SetMode); err != nil {
					return err
				}
				return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(nil, func(w io.Writer) error {
					_, err := fmt.Fprintf(w, "Mode of %s set to %04o\n", o.path, m)
					return err
				})
			})
		},
	}
	o.register(cmd)
	cmd.Flags().StringVarP(&mode, "mode", "m", "", "permission bits, octal (e.g. 0755)")
	_ = cmd.MarkFlagRequired("mode")
	return cmd
}
