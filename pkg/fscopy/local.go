package fscopy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Local is the host's own file system; paths are absolute host paths.
type Local struct{}

func (Local) Name(p string) string { return p }

func (Local) Lstat(_ context.Context, p string) (Info, error) {
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		return Info{}, &os.PathError{Op: "lstat", Path: p, Err: err}
	}
	return infoOfStat(p, &st)
}

// Stat is Lstat through a final symbolic link.
func (Local) Stat(_ context.Context, p string) (Info, error) {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return Info{}, &os.PathError{Op: "stat", Path: p, Err: err}
	}
	return infoOfStat(p, &st)
}

func infoOfStat(p string, st *unix.Stat_t) (Info, error) {
	i := Info{Mode: st.Mode, Size: uint64(st.Size),
		Atime: time.Unix(st.Atim.Unix()), Mtime: time.Unix(st.Mtim.Unix())}
	if i.IsSymlink() {
		t, err := os.Readlink(p)
		if err != nil {
			return Info{}, err
		}
		i.Target = t
	}
	return i, nil
}

func (Local) ReadDir(_ context.Context, p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}

func (Local) Open(_ context.Context, p string) (File, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	return localFile{f}, nil
}

func (Local) Create(_ context.Context, p string, mode uint32) (File, error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, os.FileMode(mode&0o777))
	if err != nil {
		return nil, err
	}
	return localFile{f}, nil
}

func (Local) Mkdir(_ context.Context, p string, mode uint32) error {
	return os.Mkdir(p, os.FileMode(mode&0o777))
}

func (Local) Symlink(_ context.Context, target, p string) error { return os.Symlink(target, p) }

func (Local) Rename(_ context.Context, from, to string) error { return os.Rename(from, to) }

func (Local) Remove(_ context.Context, p string) error { return os.Remove(p) }

// SetAttr sets mode bits with chmod (setuid, setgid and sticky included)
// and times without following a symbolic link.
func (Local) SetAttr(_ context.Context, p string, mode uint32, atime, mtime time.Time) error {
	if mode&syscall.S_IFMT != syscall.S_IFLNK {
		if err := unix.Chmod(p, mode&0o7777); err != nil {
			return &os.PathError{Op: "chmod", Path: p, Err: err}
		}
	}
	ts := []unix.Timespec{unix.NsecToTimespec(atime.UnixNano()), unix.NsecToTimespec(mtime.UnixNano())}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, p, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return &os.PathError{Op: "utimensat", Path: p, Err: err}
	}
	return nil
}

type localFile struct{ f *os.File }

func (l localFile) ReadAt(_ context.Context, b []byte, off uint64) (int, error) {
	n, err := l.f.ReadAt(b, int64(off))
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

func (l localFile) WriteAt(_ context.Context, b []byte, off uint64) error {
	_, err := l.f.WriteAt(b, int64(off))
	return err
}

func (l localFile) Truncate(_ context.Context, size uint64) error { return l.f.Truncate(int64(size)) }

func (l localFile) Close() error { return l.f.Close() }

// Data walks the file with SEEK_DATA and SEEK_HOLE; a file system that
// does not know them gets the whole file.
func (l localFile) Data(_ context.Context, size uint64) ([]Range, error) {
	fd := int(l.f.Fd())
	var out []Range
	for off := int64(0); uint64(off) < size; {
		start, err := unix.Seek(fd, off, unix.SEEK_DATA)
		switch {
		case errors.Is(err, unix.ENXIO):
			return out, nil // only a hole is left
		case errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EOPNOTSUPP):
			return []Range{{0, size}}, nil
		case err != nil:
			return nil, fmt.Errorf("seek data: %w", err)
		}
		end, err := unix.Seek(fd, start, unix.SEEK_HOLE)
		if err != nil {
			return nil, fmt.Errorf("seek hole: %w", err)
		}
		end = min(end, int64(size))
		if end <= start {
			break
		}
		out = append(out, Range{uint64(start), uint64(end - start)})
		off = end
	}
	return out, nil
}
