package storage

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mounter mounts RAM disks; tests use a fake.
type Mounter interface {
	// IsMounted says whether path is a mount point.
	IsMounted(path string) (bool, error)
	// MountTmpfs mounts a tmpfs of sizeBytes at path.
	MountTmpfs(ctx context.Context, path string, sizeBytes uint64) error
}

// SystemMounter mounts with mount(2) and reads /proc/self/mountinfo.
type SystemMounter struct{}

// IsMounted reports whether path appears as a mount point in
// /proc/self/mountinfo.
func (SystemMounter) IsMounted(path string) (bool, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false, fmt.Errorf("check mount %s: %w", path, err)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return false, fmt.Errorf("check mount %s: %w", path, err)
	}
	defer f.Close()
	return mountedIn(f, abs)
}

// mountedIn scans mountinfo text for a mount point equal to path.
func mountedIn(r io.Reader, path string) (bool, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		if unescapeMountPath(fields[4]) == path {
			return true, nil
		}
	}
	if err := sc.Err(); err != nil {
		return false, fmt.Errorf("read mountinfo: %w", err)
	}
	return false, nil
}

// unescapeMountPath undoes the octal escapes (\040 for a space, ...)
// mountinfo uses.
func unescapeMountPath(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// MountTmpfs mounts a tmpfs of sizeBytes at path, creating the directory.
func (SystemMounter) MountTmpfs(_ context.Context, path string, sizeBytes uint64) error {
	if err := os.MkdirAll(path, 0o755); err != nil {
		return fmt.Errorf("create SCM mount point %s: %w", path, err)
	}
	opts := fmt.Sprintf("mode=0755,size=%d", sizeBytes)
	if err := unix.Mount("tmpfs", path, "tmpfs", unix.MS_NOATIME, opts); err != nil {
		return fmt.Errorf("mount tmpfs of %d MiB at %s: %w", sizeBytes>>20, path, err)
	}
	return nil
}
