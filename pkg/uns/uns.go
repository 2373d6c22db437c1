// Package uns is DAOS's unified namespace: a directory of an ordinary
// file system (or of a dfuse mount) linked to a container through the
// extended attribute "user.daos", whose value names the container's
// layout type, pool and container as DAOS writes it:
//
//	DAOS.POSIX://<pool UUID>/<container UUID>
//
// Tools then accept the directory (--path) where they would take a pool
// and a container, and dfuse enters the container there.
package uns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/daos-go/daos/pkg/daos"
)

// XattrName is the extended attribute that holds the link.
const XattrName = "user.daos"

// maxValue bounds the attribute's value, as DAOS does (a type, two UUIDs
// or labels of up to 127 bytes, and the separators fit).
const maxValue = 512

// Link is what a linked directory names.
type Link struct {
	Type string // the container's layout type, e.g. POSIX
	Pool string // UUID (or label)
	Cont string // UUID (or label)
}

// String is the attribute's value.
func (l Link) String() string { return fmt.Sprintf("DAOS.%s://%s/%s", l.Type, l.Pool, l.Cont) }

// Parse reads an attribute value; anything else is DER_INVAL naming what
// is wrong.
func Parse(v string) (Link, error) {
	v = strings.TrimRight(v, "\x00")
	rest, ok := strings.CutPrefix(v, "DAOS.")
	if !ok {
		return Link{}, daos.Errorf(daos.ErrInval, "unified namespace attribute %q does not start with DAOS.", v)
	}
	typ, ids, ok := strings.Cut(rest, "://")
	if !ok || typ == "" {
		return Link{}, daos.Errorf(daos.ErrInval, "unified namespace attribute %q: want DAOS.<type>://<pool>/<container>", v)
	}
	pool, cont, ok := strings.Cut(ids, "/")
	// DAOS once appended the object class and chunk size; those fields
	// are not part of the link.
	cont, _, _ = strings.Cut(cont, "/")
	if !ok || pool == "" || cont == "" {
		return Link{}, daos.Errorf(daos.ErrInval, "unified namespace attribute %q: want DAOS.<type>://<pool>/<container>", v)
	}
	for _, id := range []string{pool, cont} {
		if strings.ContainsAny(id, " \t\n") {
			return Link{}, daos.Errorf(daos.ErrInval, "unified namespace attribute %q: %q is not a pool or container id", v, id)
		}
	}
	return Link{Type: typ, Pool: pool, Cont: cont}, nil
}

// ErrNotLinked is returned (wrapped) for a path that neither is nor lies
// under a linked directory.
var ErrNotLinked = errors.New("not in a unified namespace directory")

// Lookup returns the link of the directory path itself (not of one above
// it); ErrNotLinked when it has none.
func Lookup(path string) (Link, error) { return read(path) }

// read returns path's link; ErrNotLinked when it has none.
func read(path string) (Link, error) {
	buf := make([]byte, maxValue)
	n, err := unix.Lgetxattr(path, XattrName, buf)
	switch {
	case errors.Is(err, unix.ENODATA), errors.Is(err, unix.ENOTSUP),
		// A directory the caller may not read (a 0711 home) or a file on
		// the way is no link either: the walk up goes on.
		errors.Is(err, unix.EACCES), errors.Is(err, unix.EPERM), errors.Is(err, unix.ENOTDIR):
		return Link{}, fmt.Errorf("%s: %w", path, ErrNotLinked)
	case errors.Is(err, unix.ERANGE):
		return Link{}, daos.Errorf(daos.ErrInval, "%s: its %s attribute is over %d bytes", path, XattrName, maxValue)
	case err != nil:
		return Link{}, fmt.Errorf("read %s of %s: %w", XattrName, path, err)
	}
	l, err := Parse(string(buf[:n]))
	if err != nil {
		return Link{}, fmt.Errorf("%s: %w", path, err)
	}
	return l, nil
}

// Resolve finds the link of path: path's own, or that of the nearest
// directory above it that has one, with rel the rest of path below it
// ("" for the linked directory itself), so that a path inside a linked
// directory (existing or not, as a copy's destination) names a place in
// the container.
func Resolve(path string) (l Link, rel string, err error) {
	if path == "" {
		return Link{}, "", daos.Errorf(daos.ErrInval, "empty unified namespace path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Link{}, "", fmt.Errorf("resolve %s: %w", path, err)
	}
	var below []string
	for dir := abs; ; dir = filepath.Dir(dir) {
		l, err := read(dir)
		switch {
		case err == nil:
			for i, j := 0, len(below)-1; i < j; i, j = i+1, j-1 {
				below[i], below[j] = below[j], below[i]
			}
			return l, filepath.Join(below...), nil
		case !errors.Is(err, ErrNotLinked) && !errors.Is(err, os.ErrNotExist):
			return Link{}, "", err
		}
		if dir == "/" {
			return Link{}, "", fmt.Errorf("%s: %w (no directory on its way up has the %s attribute)", path, ErrNotLinked, XattrName)
		}
		below = append(below, filepath.Base(dir))
	}
}

// Create makes path a new directory linked to l. Its parent must exist
// and path must not; if the attribute cannot be set (a file system
// without user attributes), the directory is removed again.
func Create(path string, l Link) error {
	if _, err := Parse(l.String()); err != nil {
		return err
	}
	if err := os.Mkdir(path, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return daos.Errorf(daos.ErrExist, "unified namespace path %s already exists", path)
		}
		return fmt.Errorf("create unified namespace path: %w", err)
	}
	if err := unix.Lsetxattr(path, XattrName, []byte(l.String()), unix.XATTR_CREATE); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("link %s to %s: set %s: %w", path, l, XattrName, err)
	}
	return nil
}

// CheckNew reports why path cannot become a linked directory (it exists,
// or its parent is not a directory), before a container is made for it.
func CheckNew(path string) error {
	if path == "" {
		return daos.Errorf(daos.ErrInval, "empty unified namespace path")
	}
	if _, err := os.Lstat(path); err == nil {
		return daos.Errorf(daos.ErrExist, "unified namespace path %s already exists", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("unified namespace path %s: %w", path, err)
	}
	parent := filepath.Dir(path)
	fi, err := os.Stat(parent)
	if err != nil {
		return fmt.Errorf("unified namespace path %s: its parent: %w", path, err)
	}
	if !fi.IsDir() {
		return daos.Errorf(daos.ErrNotdir, "unified namespace path %s: %s is not a directory", path, parent)
	}
	return nil
}

// Remove unlinks path, which must be a linked directory itself (not a
// path below one), by removing the directory: the link goes with it, and
// a directory that is not empty stays, link and all.
func Remove(path string) error {
	if _, err := read(path); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("unlink %s: %w", path, err)
	}
	return nil
}
