package client

import (
	"context"
	"slices"
	"sync"
)

// startCtx is the context an operation begun with Event.Start gets when
// the caller's context never ends (libdaos's): the caller's, ended by an
// abort or by the operation's end. context.WithCancel and the RPC layer's context.AfterFunc on it
// cost a child context, a map of children and their locks per operation,
// about a tenth of a C program's CPU at 4 KiB; a started operation never
// waits on its context, so this one makes its done channel only when
// asked, and keeps what is to run at an abort in a list (AfterFunc, which
// both the context package and pkg/rpc use instead of a child context).
type startCtx struct {
	context.Context // the caller's; its Done is nil
	mu              sync.Mutex
	done            chan struct{} // made by Done, closed when the context ends
	err             error
	after           []*afterFunc // to run when the context ends
}

// afterFunc is one function registered with startCtx.AfterFunc.
type afterFunc struct {
	s *startCtx
	f func()
}

func (s *startCtx) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
		if s.err != nil {
			close(s.done)
		}
	}
	return s.done
}

func (s *startCtx) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// AfterFunc arranges for f to run on a goroutine of its own when the
// context ends, as context.AfterFunc does; stop undoes that, reporting
// whether it did.
func (s *startCtx) AfterFunc(f func()) (stop func() bool) {
	a := &afterFunc{s: s, f: f}
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		go f()
		return func() bool { return false }
	}
	s.after = append(s.after, a)
	s.mu.Unlock()
	return a.stop
}

func (a *afterFunc) stop() bool {
	s := a.s
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.after, a)
	if i < 0 {
		return false
	}
	s.after = slices.Delete(s.after, i, i+1)
	return true
}

// cancel ends the context (an abort, or the operation's end): Done
// closes, Err says context.Canceled and the registered functions still
// registered run (at the end there are usually none: the RPC layer takes
// its function back when its call ends).
func (s *startCtx) cancel() {
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		return
	}
	s.err = context.Canceled
	if s.done != nil {
		close(s.done)
	}
	after := s.after
	s.after = nil
	s.mu.Unlock()
	for _, a := range after {
		go a.f()
	}
}
