package capi

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
)

// fakeSession counts closes; connecting through it fails with connErr.
type fakeSession struct {
	sys     string
	closes  atomic.Int32
	connErr error
}

func (f *fakeSession) System() string { return f.sys }
func (f *fakeSession) Connect(context.Context, string, uint64) (*client.Pool, error) {
	return nil, f.connErr
}
func (f *fakeSession) PoolFromGlobal([]byte) (*client.Pool, error) {
	return nil, daos.Errorf(daos.ErrInval, "fake: no blobs")
}
func (f *fakeSession) Close() error { f.closes.Add(1); return nil }
func (f *fakeSession) Flush()       {}
func (f *fakeSession) ListPools(context.Context) ([]PoolEntry, error) {
	return []PoolEntry{{UUID: "00000000-0000-0000-0000-000000000001", Label: "p_" + f.sys, SvcRanks: []uint32{0}}}, nil
}

func fakeLib(t *testing.T) (*Lib, *fakeSession, *atomic.Int32) {
	t.Helper()
	s := &fakeSession{sys: "daos_server", connErr: daos.Errorf(daos.ErrNonexist, "fake: no such pool")}
	var attaches atomic.Int32
	l := newLib(func(_ context.Context, sys string) (session, error) {
		attaches.Add(1)
		if sys != "" && sys != s.sys {
			return nil, daos.Errorf(daos.ErrNonexist, "fake: no system %q", sys)
		}
		return s, nil
	})
	return l, s, &attaches
}

func requireCode(t *testing.T, want daos.Errno, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, want, daos.Code(err), "error: %v", err)
}

func TestInitFiniCounts(t *testing.T) {
	ctx := context.Background()
	l, s, attaches := fakeLib(t)
	requireCode(t, daos.ErrUninit, l.Fini(ctx))
	_, err := l.EQCreate(nil)
	requireCode(t, daos.ErrUninit, err)

	require.NoError(t, l.Init(ctx))
	require.NoError(t, l.Init(ctx))
	require.EqualValues(t, 1, attaches.Load(), "a second daos_init must not attach again")
	require.NoError(t, l.Fini(ctx))
	require.Zero(t, s.closes.Load(), "the session must live until the last daos_fini")
	eq, err := l.EQCreate(nil)
	require.NoError(t, err)
	require.NoError(t, l.Fini(ctx))
	require.EqualValues(t, 1, s.closes.Load())
	requireCode(t, daos.ErrUninit, l.Fini(ctx))

	// Handles do not outlive the library, and a new Init starts afresh.
	require.NoError(t, l.Init(ctx))
	requireCode(t, daos.ErrNonexist, l.EQDestroy(eq, false))
	require.NoError(t, l.Fini(ctx))
}

func TestInitFailureLeavesUninitialised(t *testing.T) {
	ctx := context.Background()
	l := newLib(func(context.Context, string) (session, error) {
		return nil, daos.Errorf(daos.ErrUnreach, "fake: no agent")
	})
	requireCode(t, daos.ErrUnreach, l.Init(ctx))
	requireCode(t, daos.ErrUninit, l.Fini(ctx))
}

func TestHandlesAreTyped(t *testing.T) {
	ctx := context.Background()
	l, _, _ := fakeLib(t)
	require.NoError(t, l.Init(ctx))
	defer l.Fini(ctx)
	eq, err := l.EQCreate(nil)
	require.NoError(t, err)
	require.NotZero(t, eq)
	// An event queue handle is no pool, container or object handle.
	_, err = l.PoolQuery(ctx, eq)
	requireCode(t, daos.ErrNoHdl, err)
	_, err = l.PoolProps(ctx, eq)
	requireCode(t, daos.ErrNoHdl, err)
	_, err = l.PoolEngineRanks(ctx, eq, true)
	requireCode(t, daos.ErrNoHdl, err)
	_, _, err = l.ContOpen(ctx, eq, "c", ContRW, false)
	requireCode(t, daos.ErrNoHdl, err)
	requireCode(t, daos.ErrNoHdl, l.ObjClose(eq))
	requireCode(t, daos.ErrNoHdl, l.PoolDisconnect(ctx, 0))
	_, err = l.Object(12345)
	requireCode(t, daos.ErrNoHdl, err)
}

func TestPoolConnectChecksArguments(t *testing.T) {
	ctx := context.Background()
	l, _, _ := fakeLib(t)
	_, err := l.PoolConnect(ctx, "tank", "", PoolRW)
	requireCode(t, daos.ErrUninit, err)
	require.NoError(t, l.Init(ctx))
	defer l.Fini(ctx)
	_, err = l.PoolConnect(ctx, "", "", PoolRW)
	requireCode(t, daos.ErrInval, err)
	for _, f := range []uint32{0, PoolRO | PoolRW, 8} {
		_, err = l.PoolConnect(ctx, "tank", "", f)
		requireCode(t, daos.ErrInval, err)
	}
	_, err = l.PoolConnect(ctx, "tank", "", PoolRW)
	requireCode(t, daos.ErrNonexist, err)
	_, err = l.PoolConnect(ctx, "tank", "other", PoolRW)
	requireCode(t, daos.ErrNonexist, err)
}

func TestCode(t *testing.T) {
	require.Equal(t, 0, Code(nil))
	require.Equal(t, -1005, Code(daos.Errorf(daos.ErrNonexist, "x")))
	require.Equal(t, -int(daos.ErrMisc), Code(errors.New("no code")))
}

// cEvent stands for a caller's daos_event_t.
type cEvent struct{ b [176]byte }

func TestEventsThroughAQueue(t *testing.T) {
	ctx := context.Background()
	l, _, _ := fakeLib(t)
	require.NoError(t, l.Init(ctx))
	defer l.Fini(ctx)
	eq, err := l.EQCreate(nil)
	require.NoError(t, err)

	const n = 64
	evs := make([]cEvent, n)
	ids := make([]uint64, n)
	release := make(chan struct{})
	for i := range evs {
		ids[i], err = l.EventInit(unsafe.Pointer(&evs[i]), eq, 0)
		require.NoError(t, err)
		fail := i%2 == 1
		require.NoError(t, l.Launch(unsafe.Pointer(&evs[i]), ids[i], func(context.Context) error {
			<-release
			if fail {
				return daos.Errorf(daos.ErrNonexist, "odd one")
			}
			return nil
		}))
	}
	// A running event cannot be launched again, finalised or lose its queue.
	requireCode(t, daos.ErrBusy, l.Launch(unsafe.Pointer(&evs[0]), ids[0], func(context.Context) error { return nil }))
	requireCode(t, daos.ErrBusy, l.EventFini(unsafe.Pointer(&evs[0]), ids[0]))
	requireCode(t, daos.ErrBusy, l.EQDestroy(eq, false))
	got, err := l.EQPoll(ctx, eq, true, 0, n)
	require.NoError(t, err)
	require.Empty(t, got)
	close(release)

	seen := map[unsafe.Pointer]bool{}
	for len(seen) < n {
		got, err := l.EQPoll(ctx, eq, true, 5*time.Second, 7)
		require.NoError(t, err)
		require.NotEmpty(t, got)
		require.LessOrEqual(t, len(got), 7)
		for _, p := range got {
			require.False(t, seen[p.C], "an event was polled twice")
			seen[p.C] = true
			i := (uintptr(p.C) - uintptr(unsafe.Pointer(&evs[0]))) / unsafe.Sizeof(evs[0])
			require.Less(t, int(i), n, "poll returned a pointer that is not one of the caller's events")
			if i%2 == 1 {
				requireCode(t, daos.ErrNonexist, p.Err)
			} else {
				require.NoError(t, p.Err)
			}
		}
	}
	// All polled: nothing in flight, the queue can go; events are reusable.
	got, err = l.EQPoll(ctx, eq, true, -1, 1)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = l.EQPoll(ctx, eq, true, 0, 0)
	requireCode(t, daos.ErrInval, err)

	// Initialising the same memory again replaces the old event.
	id2, err := l.EventInit(unsafe.Pointer(&evs[0]), eq, ids[0])
	require.NoError(t, err)
	requireCode(t, daos.ErrInval, l.Launch(unsafe.Pointer(&evs[0]), ids[0], func(context.Context) error { return nil }))
	require.NoError(t, l.Launch(unsafe.Pointer(&evs[0]), id2, func(context.Context) error { return nil }))
	got, err = l.EQPoll(ctx, eq, false, -1, 4)
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, unsafe.Pointer(&evs[0]), got[0].C)

	// An id belongs to its memory: another event's id is refused.
	requireCode(t, daos.ErrInval, l.EventFini(unsafe.Pointer(&evs[1]), id2))
	for i := range evs {
		id := ids[i]
		if i == 0 {
			id = id2
		}
		require.NoError(t, l.EventFini(unsafe.Pointer(&evs[i]), id))
	}
	require.NoError(t, l.EQDestroy(eq, false))
	requireCode(t, daos.ErrNonexist, l.EQDestroy(eq, false))
	_, err = l.EventInit(unsafe.Pointer(&evs[0]), eq, 0)
	requireCode(t, daos.ErrNonexist, err)
}

func TestStandaloneEventAndAbort(t *testing.T) {
	ctx := context.Background()
	l, _, _ := fakeLib(t)
	require.NoError(t, l.Init(ctx))
	defer l.Fini(ctx)
	var ev cEvent
	c := unsafe.Pointer(&ev)
	id, err := l.EventInit(c, 0, 0)
	require.NoError(t, err)
	require.NoError(t, l.Launch(c, id, func(ctx context.Context) error {
		<-ctx.Done()
		return ctx.Err()
	}))
	done, _, err := l.EventTest(ctx, c, id, 0)
	require.NoError(t, err)
	require.False(t, done)
	require.NoError(t, l.EventAbort(c, id))
	done, res, err := l.EventTest(ctx, c, id, -1)
	require.NoError(t, err)
	require.True(t, done)
	requireCode(t, daos.ErrCanceled, res)
	require.NoError(t, l.EventFini(c, id))
}

// TestEventsHandedOff checks a queue whose completions go to the C layer:
// each event's own address comes back once with its result, EQPoll sees
// none, and a re-initialised event reports its new launch.
func TestEventsHandedOff(t *testing.T) {
	ctx := context.Background()
	l, _, _ := fakeLib(t)
	require.NoError(t, l.Init(ctx))
	defer l.Fini(ctx)
	type done struct {
		c   unsafe.Pointer
		err error
	}
	handed := make(chan done, 16)
	eq, err := l.EQCreateHandoff(func(c unsafe.Pointer, err error) { handed <- done{c, err} })
	require.NoError(t, err)
	evs := make([]cEvent, 4)
	for i := range evs {
		id, err := l.EventInit(unsafe.Pointer(&evs[i]), eq, 0)
		require.NoError(t, err)
		fail := i == 2
		require.NoError(t, l.Launch(unsafe.Pointer(&evs[i]), id, func(context.Context) error {
			if fail {
				return daos.Errorf(daos.ErrNonexist, "fake")
			}
			return nil
		}))
	}
	seen := map[unsafe.Pointer]bool{}
	for range evs {
		select {
		case d := <-handed:
			require.False(t, seen[d.c], "an event was handed over twice")
			seen[d.c] = true
			if d.c == unsafe.Pointer(&evs[2]) {
				requireCode(t, daos.ErrNonexist, d.err)
			} else {
				require.NoError(t, d.err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("an event was never handed over")
		}
	}
	for i := range evs {
		require.True(t, seen[unsafe.Pointer(&evs[i])], "event %d was not handed over", i)
	}
	got, err := l.EQPoll(ctx, eq, true, 0, 4)
	require.NoError(t, err)
	require.Empty(t, got)
	require.NoError(t, l.EQDestroy(eq, false))
}

func TestAnchorSplit(t *testing.T) {
	as, err := AnchorSplit(4, 0)
	require.NoError(t, err)
	require.Len(t, as, 4)
	for i, a := range as {
		assert.Equal(t, Anchor{Group: i, OneGroup: true}, a)
	}
	as, err = AnchorSplit(4, 4)
	require.NoError(t, err)
	assert.Len(t, as, 4)
	_, err = AnchorSplit(4, 3)
	assert.ErrorIs(t, err, daos.ErrInval, "only the recommended number, as in DAOS")
	a, err := AnchorAt(4, 3)
	require.NoError(t, err)
	assert.Equal(t, Anchor{Group: 3, OneGroup: true}, a)
	for _, bad := range []int{-1, 4} {
		_, err = AnchorAt(4, bad)
		assert.ErrorIs(t, err, daos.ErrInval, "index %d", bad)
	}
}

func TestListPools(t *testing.T) {
	ctx := context.Background()
	l, _, _ := fakeLib(t)
	_, err := l.ListPools(ctx, "")
	requireCode(t, daos.ErrUninit, err)
	require.NoError(t, l.Init(ctx))
	defer func() { require.NoError(t, l.Fini(ctx)) }()
	ps, err := l.ListPools(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []PoolEntry{{UUID: "00000000-0000-0000-0000-000000000001", Label: "p_daos_server", SvcRanks: []uint32{0}}}, ps)
	_, err = l.ListPools(ctx, "other_system")
	requireCode(t, daos.ErrNonexist, err)
}
