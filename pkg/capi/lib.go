// Package capi is what stands behind libdaos's C functions: the process's
// reference-counted attachment to DAOS systems (daos_init/daos_fini), the
// table that turns daos_handle_t cookies into pools, containers, objects
// and event queues, and the operations the C entry points call once
// bindings/libdaos has turned C arguments into Go values. Keeping this in
// an ordinary package lets Go tests cover it without a C compiler.
package capi

import (
	"context"
	"fmt"
	"sync"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/daos"
)

// Lib is one process's libdaos state. The C library has exactly one, made
// when the Go core is loaded; everything it holds dies with daos_fini.
type Lib struct {
	// attach joins a system (agentclient.Attach; tests substitute it).
	attach func(ctx context.Context, sys string) (session, error)

	mu       sync.Mutex
	refs     int
	sessions map[string]session // by system name; "" is the default
	handles  map[uint64]any
	next     uint64
	events   map[uint64]*event // by the id kept in the C event
	nextEv   uint64
	longKeys longKeyMemory
}

// New makes the library state; nothing is attached until Init. getenv
// reads the process's environment when attaching: a C program may set
// DAOS_AGENT_DRPC_DIR at any time, and Go's own copy of the environment
// (taken when the core was loaded) would not see it.
func New(getenv func(string) string) *Lib {
	return newLib(func(ctx context.Context, sys string) (session, error) {
		s, err := agentclient.AttachAt(ctx, agent.ClientSocketPath(getenv), sys)
		if err != nil {
			return nil, err
		}
		return agentSession{s}, nil
	})
}

func newLib(attach func(ctx context.Context, sys string) (session, error)) *Lib {
	return &Lib{attach: attach, handles: map[uint64]any{}, events: map[uint64]*event{}}
}

// Init is daos_init: the first call attaches to the default system
// through daos_agent; later calls only count.
func (l *Lib) Init(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refs > 0 {
		l.refs++
		return nil
	}
	s, err := l.attach(ctx, "")
	if err != nil {
		return fmt.Errorf("daos_init: %w", err)
	}
	l.sessions = map[string]session{"": s, s.System(): s}
	l.refs = 1
	return nil
}

// Fini is daos_fini: the last call closes every handle still open in this
// process (without telling the services: their handles end with the
// process's, as they would if it exited) and detaches.
func (l *Lib) Fini(ctx context.Context) error {
	_, err := l.FiniLast(ctx)
	return err
}

// FiniLast is Fini that also says whether this call was the last one,
// which tore the library down (event queues included).
func (l *Lib) FiniLast(ctx context.Context) (bool, error) {
	l.mu.Lock()
	if l.refs == 0 {
		l.mu.Unlock()
		return false, daos.Errorf(daos.ErrUninit, "daos_fini: the library is not initialised")
	}
	l.refs--
	if l.refs > 0 {
		l.mu.Unlock()
		return false, nil
	}
	closed := map[session]bool{}
	var sessions []session
	for _, s := range l.sessions {
		if !closed[s] {
			closed[s] = true
			sessions = append(sessions, s)
		}
	}
	l.sessions = nil
	l.handles = map[uint64]any{}
	l.events = map[uint64]*event{}
	l.mu.Unlock()
	var first error
	for _, s := range sessions {
		if err := s.Close(); err != nil && first == nil {
			first = fmt.Errorf("daos_fini: %w", err)
		}
	}
	return true, first
}

// session returns the attachment to system sys ("" or the default
// system's name: the one Init made), attaching on first use.
func (l *Lib) session(ctx context.Context, sys string) (session, error) {
	l.mu.Lock()
	if l.refs == 0 {
		l.mu.Unlock()
		return nil, daos.Errorf(daos.ErrUninit, "daos_init has not been called")
	}
	if s, ok := l.sessions[sys]; ok {
		l.mu.Unlock()
		return s, nil
	}
	l.mu.Unlock()
	s, err := l.attach(ctx, sys)
	if err != nil {
		return nil, fmt.Errorf("attach to system %q: %w", sys, err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refs == 0 {
		_ = s.Close()
		return nil, daos.Errorf(daos.ErrUninit, "daos_fini was called meanwhile")
	}
	if prev, ok := l.sessions[sys]; ok {
		_ = s.Close() // another caller attached first
		return prev, nil
	}
	l.sessions[sys] = s
	return s, nil
}

// add stores v and returns its cookie (never 0: 0 is DAOS_HDL_INVAL).
func (l *Lib) add(v any) (uint64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.refs == 0 {
		return 0, daos.Errorf(daos.ErrUninit, "daos_init has not been called")
	}
	l.next++
	l.handles[l.next] = v
	return l.next, nil
}

// remove forgets cookie h if it holds a T and returns what it held.
func remove[T any](l *Lib, h uint64, what string) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, err := lookupLocked[T](l, h, what)
	if err == nil {
		delete(l.handles, h)
	}
	return v, err
}

// lookup finds the T behind cookie h; anything else (no handle, a handle
// of another kind) is DER_NO_HDL, as DAOS answers.
func lookup[T any](l *Lib, h uint64, what string) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return lookupLocked[T](l, h, what)
}

func lookupLocked[T any](l *Lib, h uint64, what string) (T, error) {
	var zero T
	if l.refs == 0 {
		return zero, daos.Errorf(daos.ErrUninit, "daos_init has not been called")
	}
	v, ok := l.handles[h].(T)
	if !ok {
		return zero, daos.Errorf(daos.ErrNoHdl, "%s handle %#x", what, h)
	}
	return v, nil
}

// Code is the C return value for err: 0 or a negative DER code. Errors
// that carry no DER code (which our own code should not produce) become
// DER_MISC rather than a success or a positive value.
func Code(err error) int {
	if err == nil {
		return 0
	}
	c := daos.Code(err)
	if c == daos.ErrUnknown {
		c = daos.ErrMisc
	}
	return c.DerCode()
}
