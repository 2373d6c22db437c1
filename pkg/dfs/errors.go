package dfs

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/daos-go/daos/pkg/daos"
)

// Error is a failed DFS operation: what was done, on what, the errno a
// POSIX caller gets and, when the cause came from below, that cause
// (errors.Is finds both the errno and a DER code in it).
type Error struct {
	Op    string
	Name  string
	Errno syscall.Errno
	Err   error
}

func (e *Error) Error() string {
	s := e.Op
	if e.Name != "" {
		s += fmt.Sprintf(" %q", e.Name)
	}
	if e.Err != nil {
		return s + ": " + e.Err.Error()
	}
	return s + ": " + e.Errno.Error()
}

// Unwrap lets errors.Is match the errno as well as the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Errno}
	}
	return []error{e.Errno, e.Err}
}

// Errno is the errno err carries: the outermost DFS errno, else the
// mapping of its DER code, else EIO. Nil is 0.
func Errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Errno
	}
	var no syscall.Errno
	switch {
	case errors.As(err, &no):
		return no
	case errors.Is(err, context.DeadlineExceeded):
		return syscall.ETIMEDOUT
	case errors.Is(err, context.Canceled):
		return syscall.ECANCELED
	}
	return derErrno(daos.Code(err))
}

// derErrno maps DER codes to errno as DAOS's daos_der2errno does (ABI.md
// 2.3), so DFS callers see the errno DAOS's DFS would give them.
func derErrno(c daos.Errno) syscall.Errno {
	switch c {
	case daos.Success:
		return 0
	case daos.ErrNoPerm, daos.ErrEpRo, daos.ErrEpOld, daos.ErrContDestroying:
		return syscall.EPERM
	case daos.ErrEnoent, daos.ErrNonexist:
		return syscall.ENOENT
	case daos.ErrInval, daos.ErrNotype, daos.ErrNoschema, daos.ErrNolocal, daos.ErrNoHdl, daos.ErrIoInval:
		return syscall.EINVAL
	case daos.ErrKey2big, daos.ErrRec2big:
		return syscall.E2BIG
	case daos.ErrExist:
		return syscall.EEXIST
	case daos.ErrUnreach:
		return syscall.EHOSTUNREACH
	case daos.ErrNospace:
		return syscall.ENOSPC
	case daos.ErrAlready:
		return syscall.EALREADY
	case daos.ErrDos, daos.ErrNomem:
		return syscall.ENOMEM
	case daos.ErrTimedout:
		return syscall.ETIMEDOUT
	case daos.ErrBusy, daos.ErrEqBusy:
		return syscall.EBUSY
	case daos.ErrAgain:
		return syscall.EAGAIN
	case daos.ErrProto:
		return syscall.EPROTO
	case daos.ErrIo:
		return syscall.EIO
	case daos.ErrCanceled:
		return syscall.ECANCELED
	case daos.ErrOverflow:
		return syscall.EOVERFLOW
	case daos.ErrBadpath, daos.ErrNotdir:
		return syscall.ENOTDIR
	case daos.ErrStale:
		return syscall.ESTALE
	case daos.ErrTxRestart:
		return syscall.ERESTART
	case daos.ErrNotsupported:
		return syscall.ENOTSUP
	}
	return syscall.EIO
}

// fail is an error with a known errno and no cause from below.
func fail(op, name string, no syscall.Errno) error {
	return &Error{Op: op, Name: name, Errno: no}
}

// wrap records op and name around err from below, keeping the errno of an
// inner DFS error and mapping anything else. Context errors keep their
// identity through Err.
func wrap(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var inner *Error
	if errors.As(err, &inner) && inner.Name == name {
		name = "" // already said by the inner error
	}
	return &Error{Op: op, Name: name, Errno: Errno(err), Err: err}
}
