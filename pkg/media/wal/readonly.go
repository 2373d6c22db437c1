package wal

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// ErrReadOnly: the log was opened with OpenReadOnly, which changes nothing.
var ErrReadOnly = errors.New("wal: log is open read-only")

// OpenReadOnly recovers the log in path, made by CreatePMem or CreateFile
// (both lay the file out alike), without changing it: the file is opened
// O_RDONLY and read with pread, also for a PMem log, so no page of it is
// mapped writable. Recovery finds the same header, tail and records as
// OpenPMem and OpenFile, and Replay hands out the same records, but nothing
// is written back: stale records of a torn batch past the tail are left as
// they are (no later Append can chain onto them) and nothing is synced.
// Append and Reset fail with an error wrapping ErrReadOnly, after which the
// log refuses them for good, as after a failed write; Replay still works.
//
// The file gets a shared flock: read-only openers do not exclude each
// other, but a log open for writing (which holds an exclusive lock) is
// refused at once with an error wrapping unix.EWOULDBLOCK, and OpenPMem and
// OpenFile refuse the log while a read-only opener holds it. A log is only
// consistent to read while no one appends to it.
func OpenReadOnly(path string) (*Log, error) {
	f, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("wal: open read-only: %w", err)
	}
	l, err := openReadOnlyLog(path, f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("wal: open %s read-only: %w", path, err)
	}
	return l, nil
}

func openReadOnlyLog(path string, f *os.File) (*Log, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if err := checkLogFile(fi); err != nil {
		return nil, err
	}
	if err := lockShared(f); err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	m := &readOnlyMedium{path: path, f: f, sizeBytes: fi.Size()}
	r := m.newReader()
	h, err := readLogHeader(r, path, fi.Size())
	if err != nil {
		return nil, err
	}
	rec, err := recoverLog(r, path, fi.Size(), h)
	if err != nil {
		return nil, err
	}
	return newLog(path, fi.Size(), m, h, rec), nil
}

// lockShared takes a shared flock on f without waiting.
func lockShared(f *os.File) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = unix.Flock(int(fd), unix.LOCK_SH|unix.LOCK_NB) }); err != nil {
		return err
	}
	if errors.Is(lerr, unix.EWOULDBLOCK) {
		return fmt.Errorf("log is open for writing elsewhere: %w", lerr)
	}
	return lerr
}

// readOnlyMedium reads a log file and refuses every write: a Log on it
// fails Append and Reset when they reach the medium.
type readOnlyMedium struct {
	path      string
	f         *os.File
	sizeBytes int64
}

func (m *readOnlyMedium) refuse(op string) error {
	return fmt.Errorf("%s %s: %w", op, m.path, ErrReadOnly)
}

func (m *readOnlyMedium) stage(int64, []byte, []byte, int64) error {
	return m.refuse("write record to")
}
func (m *readOnlyMedium) commit([]staged) error           { return m.refuse("sync") }
func (m *readOnlyMedium) writeHeader(int64, []byte) error { return m.refuse("write header of") }
func (m *readOnlyMedium) settle(int64) error              { return m.refuse("sync") }

func (m *readOnlyMedium) newReader() reader {
	return &fileReader{path: m.path, f: m.f, sizeBytes: m.sizeBytes}
}

func (m *readOnlyMedium) close() error { return m.f.Close() }
