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

// derErrnos is DAOS's daos_der2errno (ABI.md 2.3): the errno DFS callers
// get for each DER code; any other is EIO.
var derErrnos = map[daos.Errno]syscall.Errno{
	daos.Success:   0,
	daos.ErrNoPerm: syscall.EPERM, daos.ErrEpRo: syscall.EPERM, daos.ErrEpOld: syscall.EPERM, daos.ErrContDestroying: syscall.EPERM,
	daos.ErrEnoent: syscall.ENOENT, daos.ErrNonexist: syscall.ENOENT,
	daos.ErrInval: syscall.EINVAL, daos.ErrNotype: syscall.EINVAL, daos.ErrNoschema: syscall.EINVAL,
	daos.ErrNolocal: syscall.EINVAL, daos.ErrNoHdl: syscall.EINVAL, daos.ErrIoInval: syscall.EINVAL,
	daos.ErrKey2big: syscall.E2BIG, daos.ErrRec2big: syscall.E2BIG,
	daos.ErrExist:   syscall.EEXIST,
	daos.ErrUnreach: syscall.EHOSTUNREACH,
	daos.ErrNospace: syscall.ENOSPC,
	daos.ErrAlready: syscall.EALREADY,
	daos.ErrDos:     syscall.ENOMEM, daos.ErrNomem: syscall.ENOMEM,
	daos.ErrTimedout: syscall.ETIMEDOUT,
	daos.ErrBusy:     syscall.EBUSY, daos.ErrEqBusy: syscall.EBUSY,
	daos.ErrAgain:    syscall.EAGAIN,
	daos.ErrProto:    syscall.EPROTO,
	daos.ErrIo:       syscall.EIO,
	daos.ErrCanceled: syscall.ECANCELED,
	daos.ErrOverflow: syscall.EOVERFLOW,
	daos.ErrBadpath:  syscall.ENOTDIR, daos.ErrNotdir: syscall.ENOTDIR,
	daos.ErrStale:        syscall.ESTALE,
	daos.ErrTxRestart:    syscall.ERESTART,
	daos.ErrNotsupported: syscall.ENOTSUP,
}

func derErrno(c daos.Errno) syscall.Errno {
	if no, ok := derErrnos[c]; ok {
		return no
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
