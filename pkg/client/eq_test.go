package client_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// pollAll polls eq until want events came back, checking none comes back
// twice, and returns them in harvest order.
func pollAll(t *testing.T, eq *client.EQ, want int) []*client.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	seen := map[*client.Event]bool{}
	var out []*client.Event
	buf := make([]*client.Event, 37)
	for len(out) < want {
		n, err := eq.Poll(ctx, true, client.EQWait, buf)
		require.NoError(t, err)
		require.NotZero(t, n, "poll returned nothing with %d of %d harvested", len(out), want)
		for _, ev := range buf[:n] {
			require.False(t, seen[ev], "event polled twice")
			seen[ev] = true
			require.Equal(t, client.EventReady, ev.Status())
			out = append(out, ev)
		}
	}
	return out
}

// TestEQThousandInFlight: one goroutine launches 1000 updates on an EQ,
// polls them all back, then reuses the same events for 1000 fetches and
// checks every value.
func TestEQThousandInFlight(t *testing.T) {
	c, _ := cluster(t)
	ctx := context.Background()
	o, err := c.Object(oidOf(t, c, "SX", 77))
	require.NoError(t, err)
	before := runtime.NumGoroutine()
	eq := client.NewEQ()
	const n = 1000
	evs := make([]*client.Event, n)
	index := map[*client.Event]int{}
	epochs := make([]daos.Epoch, n)
	value := func(i int) []byte { return []byte(fmt.Sprintf("value %d of the eq test", i)) }
	iod := func(i int) []daos.IOD {
		return []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: uint64(len(value(i)))}}
	}
	for i := range evs {
		evs[i], err = eq.NewEvent()
		require.NoError(t, err)
		index[evs[i]] = i
		dkey := []byte(fmt.Sprint("k", i))
		if i%2 == 0 {
			require.NoError(t, evs[i].Update(ctx, o, dkey, iod(i), [][]byte{value(i)}, 0, &epochs[i]))
		} else {
			require.NoError(t, evs[i].Launch(ctx, func(ctx context.Context) error {
				e, err := o.Update(ctx, dkey, iod(i), [][]byte{value(i)}, 0)
				epochs[i] = e
				return err
			}))
		}
	}
	// Nothing was polled yet: every event is in flight or completed.
	assert.Equal(t, n, eq.Query(client.EQQueryAll))
	assert.Equal(t, n, eq.Query(client.EQQueryCompleted)+eq.Query(client.EQQueryWaiting))
	for _, ev := range pollAll(t, eq, n) {
		i := index[ev]
		require.NoError(t, ev.Err(), "update %d", i)
		require.NotZero(t, epochs[i], "update %d epoch", i)
	}
	assert.Zero(t, eq.Query(client.EQQueryAll))

	// The same events again, now fetching.
	bufs := make([][]byte, n)
	sizes := make([][]uint64, n)
	for i, ev := range evs {
		bufs[i] = make([]byte, 64)
		sizes[i] = make([]uint64, 1)
		iods := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 64}}
		require.NoError(t, ev.Fetch(ctx, o, daos.EpochMax, []byte(fmt.Sprint("k", i)), iods, [][]byte{bufs[i]}, 0, sizes[i]))
	}
	for _, ev := range pollAll(t, eq, n) {
		i := index[ev]
		require.NoError(t, ev.Err(), "fetch %d", i)
		require.Equal(t, string(value(i)), string(bufs[i][:sizes[i][0]]), "fetch %d", i)
	}
	// Nothing left: a poll waiting for running events returns at once.
	start := time.Now()
	got, err := eq.Poll(ctx, true, client.EQWait, make([]*client.Event, 4))
	require.NoError(t, err)
	assert.Zero(t, got)
	assert.Less(t, time.Since(start), time.Second)
	require.NoError(t, eq.Destroy(false))
	// Every operation's goroutine is gone (the slack is for the
	// connections the first I/O opened, far below one per event).
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= before+60 }, 10*time.Second, 10*time.Millisecond,
		"goroutines: %d before, %d now", before, runtime.NumGoroutine())
}

// block is an operation that waits until released or cancelled.
func block(release <-chan struct{}, started, returned *atomic.Int32) func(context.Context) error {
	return func(ctx context.Context) error {
		started.Add(1)
		defer returned.Add(1)
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func TestEQAbort(t *testing.T) {
	ctx := context.Background()
	eq := client.NewEQ()
	var started, returned atomic.Int32
	release := make(chan struct{})
	a, err := eq.Launch(ctx, block(release, &started, &returned))
	require.NoError(t, err)
	b, err := eq.Launch(ctx, block(release, &started, &returned))
	require.NoError(t, err)
	assert.Equal(t, client.EventRunning, a.Status())
	require.NoError(t, a.Abort())

	buf := make([]*client.Event, 8)
	n, err := eq.Poll(ctx, false, client.EQWait, buf)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Same(t, a, buf[0])
	assert.True(t, errors.Is(a.Err(), daos.ErrCanceled), "%v", a.Err())
	assert.Equal(t, daos.ErrCanceled, daos.Code(a.Err()))
	assert.Equal(t, client.EventRunning, b.Status(), "aborting one event leaves the others")
	// Aborting an event that is not running is refused.
	assert.ErrorIs(t, a.Abort(), daos.ErrNoPerm)

	// An aborted event is reusable, and its new result replaces the old.
	require.NoError(t, a.Launch(ctx, func(context.Context) error { return nil }))
	close(release)
	done := pollAll(t, eq, 2)
	assert.ElementsMatch(t, []*client.Event{a, b}, done)
	assert.NoError(t, a.Err())
	assert.NoError(t, b.Err())

	// An operation that fails on its own keeps its error.
	c, err := eq.Launch(ctx, func(context.Context) error { return daos.Errorf(daos.ErrNonexist, "no such thing") })
	require.NoError(t, err)
	pollAll(t, eq, 1)
	assert.ErrorIs(t, c.Err(), daos.ErrNonexist)
	require.NoError(t, eq.Destroy(false))
}

func TestEQDestroyWhileBusy(t *testing.T) {
	ctx := context.Background()
	eq := client.NewEQ()
	var started, returned atomic.Int32
	release := make(chan struct{})
	const n = 50
	evs := make([]*client.Event, n)
	for i := range evs {
		var err error
		evs[i], err = eq.Launch(ctx, block(release, &started, &returned))
		require.NoError(t, err)
	}
	assert.Equal(t, n, eq.Query(client.EQQueryWaiting))
	assert.Zero(t, eq.Query(client.EQQueryCompleted))
	assert.ErrorIs(t, eq.Destroy(false), daos.ErrBusy)

	// Completed but not polled still counts as busy.
	fast, err := eq.Launch(ctx, func(context.Context) error { return nil })
	require.NoError(t, err)
	ok, err := fast.Test(ctx, client.EQWait)
	require.NoError(t, err)
	require.True(t, ok)
	other, err := eq.Launch(ctx, func(context.Context) error { return nil })
	require.NoError(t, err)
	require.Eventually(t, func() bool { return eq.Query(client.EQQueryCompleted) == 1 }, 10*time.Second, time.Millisecond)
	assert.Equal(t, n+1, eq.Query(client.EQQueryAll))
	assert.ErrorIs(t, eq.Destroy(false), daos.ErrBusy)

	// Forced: every running operation is cancelled and has returned by
	// the time Destroy does.
	require.NoError(t, eq.Destroy(true))
	assert.Equal(t, int32(n), returned.Load())
	for _, ev := range evs {
		assert.ErrorIs(t, ev.Err(), daos.ErrCanceled)
		assert.NotEqual(t, client.EventRunning, ev.Status())
	}
	assert.NoError(t, other.Err())

	_, err = eq.Poll(ctx, false, client.EQNoWait, make([]*client.Event, 1))
	assert.ErrorIs(t, err, daos.ErrNonexist)
	assert.ErrorIs(t, evs[0].Launch(ctx, func(context.Context) error { return nil }), daos.ErrNonexist)
	_, err = eq.NewEvent()
	assert.ErrorIs(t, err, daos.ErrNonexist)
	assert.ErrorIs(t, eq.Destroy(true), daos.ErrNonexist)
	close(release)
}

func TestEventLifecycle(t *testing.T) {
	ctx := context.Background()
	eq := client.NewEQ()
	ev, err := eq.NewEvent()
	require.NoError(t, err)
	assert.Equal(t, client.EventReady, ev.Status())
	release := make(chan struct{})
	var started, returned atomic.Int32
	require.NoError(t, ev.Launch(ctx, block(release, &started, &returned)))

	// Busy while running: no second launch, no fini; Test does not wait
	// with EQNoWait and gives up after a timeout.
	assert.ErrorIs(t, ev.Launch(ctx, func(context.Context) error { return nil }), daos.ErrBusy)
	assert.ErrorIs(t, ev.Fini(), daos.ErrBusy)
	ok, err := ev.Test(ctx, client.EQNoWait)
	require.NoError(t, err)
	assert.False(t, ok)
	start := time.Now()
	ok, err = ev.Test(ctx, 30*time.Millisecond)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	// A poll with a timeout and nothing completed returns 0 after it.
	start = time.Now()
	n, err := eq.Poll(ctx, false, 30*time.Millisecond, make([]*client.Event, 1))
	require.NoError(t, err)
	assert.Zero(t, n)
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)
	_, err = eq.Poll(ctx, false, client.EQNoWait, nil)
	assert.ErrorIs(t, err, daos.ErrInval)
	// A poll ends with its context.
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	_, err = eq.Poll(cctx, false, client.EQWait, make([]*client.Event, 1))
	cancel()
	assert.ErrorIs(t, err, daos.ErrCanceled)

	// Completed and not harvested: still busy for launch.
	close(release)
	require.Eventually(t, func() bool { return ev.Status() == client.EventCompleted }, 10*time.Second, time.Millisecond)
	assert.ErrorIs(t, ev.Launch(ctx, func(context.Context) error { return nil }), daos.ErrBusy)
	// Test harvests it: Poll will not see it.
	ok, err = ev.Test(ctx, client.EQNoWait)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, client.EventReady, ev.Status())
	assert.Zero(t, eq.Query(client.EQQueryAll))
	n, err = eq.Poll(ctx, false, client.EQNoWait, make([]*client.Event, 1))
	require.NoError(t, err)
	assert.Zero(t, n)

	// Reused; then finalised, it cannot be launched again.
	require.NoError(t, ev.Launch(ctx, func(context.Context) error { return daos.ErrIo }))
	ok, err = ev.Test(ctx, client.EQWait)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.ErrorIs(t, ev.Err(), daos.ErrIo)
	require.NoError(t, ev.Fini())
	assert.ErrorIs(t, ev.Launch(ctx, func(context.Context) error { return nil }), daos.ErrNoHdl)

	// A standalone event is observed with Test alone.
	solo, err := client.NewEvent(nil)
	require.NoError(t, err)
	require.NoError(t, solo.Launch(ctx, func(ctx context.Context) error { return nil }))
	ok, err = solo.Test(ctx, client.EQWait)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.NoError(t, solo.Err())
	require.NoError(t, eq.Destroy(false))
}

// TestEQNotify checks that a queue made with a notify function calls it
// once per completed event, after the event can be polled, and when the
// queue is destroyed.
func TestEQNotify(t *testing.T) {
	var calls atomic.Int32
	var eq *client.EQ
	pollable := make(chan int, 16)
	eq = client.NewEQNotify(func() {
		calls.Add(1)
		pollable <- eq.Query(client.EQQueryCompleted)
	})
	const n = 10
	for i := 0; i < n; i++ {
		_, err := eq.Launch(context.Background(), func(context.Context) error { return nil })
		require.NoError(t, err)
	}
	for i := 0; i < n; i++ {
		select {
		case c := <-pollable:
			require.GreaterOrEqual(t, c, 1, "notified before the event could be polled")
		case <-time.After(5 * time.Second):
			t.Fatal("no notification")
		}
	}
	pollAll(t, eq, n)
	require.EqualValues(t, n, calls.Load())
	require.NoError(t, eq.Destroy(false))
	require.EqualValues(t, n+1, calls.Load())
}

// TestEQHandoff checks that a queue made with a handoff function gives it
// every completed event once, with its result (an abort's included), that
// the event is ready to launch again when it is handed over, that Poll
// never sees it, and that a forced Destroy returns only after the events
// it aborted were handed over.
func TestEQHandoff(t *testing.T) {
	ctx := context.Background()
	type got struct {
		ev  *client.Event
		err error
	}
	handed := make(chan got, 64)
	eq := client.NewEQHandoff(func(ev *client.Event, err error) {
		assert.Equal(t, client.EventReady, ev.Status(), "handed over before it is ready")
		handed <- got{ev, err}
	})
	boom := errors.New("boom")
	evs := make([]*client.Event, 8)
	for i := range evs {
		ev, err := eq.NewEvent()
		require.NoError(t, err)
		ev.Tag = i
		evs[i] = ev
		fail := i%2 == 1
		require.NoError(t, ev.Launch(ctx, func(context.Context) error {
			if fail {
				return boom
			}
			return nil
		}))
	}
	// Each event twice: launched above, then relaunched once handed over.
	seen := map[int]int{}
	for range 2 * len(evs) {
		select {
		case g := <-handed:
			i := g.ev.Tag.(int)
			seen[i]++
			require.LessOrEqual(t, seen[i], 2, "event %d handed over too often", i)
			if seen[i] == 2 {
				assert.NoError(t, g.err)
				continue
			}
			if i%2 == 1 {
				assert.ErrorIs(t, g.err, boom)
			} else {
				assert.NoError(t, g.err)
			}
			// Ready again: launching it is allowed at once.
			require.NoError(t, g.ev.Launch(ctx, func(context.Context) error { return nil }))
		case <-time.After(5 * time.Second):
			t.Fatal("an event was never handed over")
		}
	}
	n, err := eq.Poll(ctx, true, client.EQNoWait, make([]*client.Event, 8))
	require.NoError(t, err)
	assert.Zero(t, n, "Poll saw handed-over events")
	assert.Zero(t, eq.Query(client.EQQueryAll))

	// A forced destroy aborts what runs and returns after handing it over.
	started := make(chan struct{})
	require.NoError(t, evs[0].Launch(ctx, func(ctx context.Context) error {
		close(started)
		<-ctx.Done()
		return ctx.Err()
	}))
	<-started
	require.NoError(t, eq.Destroy(true))
	select {
	case g := <-handed:
		assert.ErrorIs(t, g.err, daos.ErrCanceled)
	default:
		t.Fatal("Destroy returned before the aborted event was handed over")
	}
}

// Operations on an event queue never poll for their replies: their
// completion goes to whoever polls the queue.
func TestEventOperationsDoNotPollForReplies(t *testing.T) {
	eq := client.NewEQ()
	defer eq.Destroy(true)
	wanted := make(chan bool, 1)
	ev, err := eq.Launch(context.Background(), func(ctx context.Context) error {
		wanted <- fabric.ReplyPollWanted(ctx)
		return nil
	})
	require.NoError(t, err)
	require.False(t, <-wanted)
	n, err := eq.Poll(context.Background(), false, time.Second, make([]*client.Event, 1))
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.NoError(t, ev.Fini())
}
