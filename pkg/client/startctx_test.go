package client

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type ctxKey struct{}

// TestStartCtx: a started operation's context behaves as a cancellable
// context for everything that uses it (Done, Err, values, children made
// by the context package, context.AfterFunc), and runs what was given to
// its AfterFunc once at the abort, unless taken back.
func TestStartCtx(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	s := &startCtx{Context: parent}
	assert.NoError(t, s.Err())
	assert.Equal(t, "v", s.Value(ctxKey{}))
	_, has := s.Deadline()
	assert.False(t, has)

	ran := make(chan string, 8)
	s.AfterFunc(func() { ran <- "kept" })
	stop := s.AfterFunc(func() { ran <- "stopped" })
	assert.True(t, stop(), "taken back before the abort")
	assert.False(t, stop(), "only once")
	child, cancelChild := context.WithTimeout(s, time.Hour)
	defer cancelChild()
	context.AfterFunc(s, func() { ran <- "context.AfterFunc" })
	done := s.Done()
	assert.True(t, done == s.Done(), "one channel")
	select {
	case <-done:
		t.Fatal("done before the abort")
	default:
	}

	s.cancel()
	s.cancel() // a second abort changes nothing
	<-done
	assert.ErrorIs(t, s.Err(), context.Canceled)
	select {
	case <-child.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a child context outlived the abort")
	}
	assert.ErrorIs(t, child.Err(), context.Canceled)
	got := map[string]bool{}
	for range 2 {
		select {
		case f := <-ran:
			got[f] = true
		case <-time.After(10 * time.Second):
			t.Fatalf("functions run at the abort: %v", got)
		}
	}
	assert.Equal(t, map[string]bool{"kept": true, "context.AfterFunc": true}, got)

	// After the abort: a new function runs at once, Done is closed even
	// when first asked for now.
	late := s.AfterFunc(func() { ran <- "late" })
	require.Equal(t, "late", <-ran)
	assert.False(t, late())
	s2 := &startCtx{Context: parent}
	s2.cancel()
	<-s2.Done()
	select {
	case f := <-ran:
		t.Fatalf("%q ran twice or after being taken back", f)
	default:
	}
}

// TestEventStartContexts: Start gives an operation on a context that
// never ends a startCtx, and one on a context that can end a child of it,
// which ends with its parent.
func TestEventStartContexts(t *testing.T) {
	eq := NewEQ()
	ev, err := eq.NewEvent()
	require.NoError(t, err)
	var got context.Context
	var end func(error)
	start := func(ctx context.Context) {
		require.NoError(t, ev.Start(ctx, func(c context.Context, e func(error)) { got, end = c, e }))
	}
	harvest := func() {
		end(nil)
		n, err := eq.Poll(context.Background(), true, EQWait, make([]*Event, 1))
		require.NoError(t, err)
		require.Equal(t, 1, n)
	}

	start(context.WithValue(context.Background(), ctxKey{}, "v"))
	_, isStart := got.(*startCtx)
	assert.True(t, isStart, "a context that never ends gets a startCtx")
	assert.Equal(t, "v", got.Value(ctxKey{}))
	harvest()

	parent, cancel := context.WithCancel(context.Background())
	start(parent)
	_, isStart = got.(*startCtx)
	assert.False(t, isStart, "a context that can end gets a child")
	cancel()
	select {
	case <-got.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the operation's context outlived its parent")
	}
	harvest()
	require.NoError(t, eq.Destroy(false))
}
