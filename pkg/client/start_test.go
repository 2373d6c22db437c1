package client_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/rpc"
)

// TestEventStart: operations started on the calling goroutine through
// Event.Start complete their events wherever their replies are read; 500
// updates then 500 fetches on one queue, their requests held back for
// batches as libdaos holds them, and never flushed by the test.
func TestEventStart(t *testing.T) {
	c, _ := cluster(t)
	ctx := rpc.WithDeferredSend(context.Background())
	o, err := c.Object(oidOf(t, c, "SX", 78))
	require.NoError(t, err)
	eq := client.NewEQ()
	const n = 500
	evs := make([]*client.Event, n)
	index := map[*client.Event]int{}
	value := func(i int) []byte { return []byte(fmt.Sprintf("started value %d", i)) }
	for i := range evs {
		evs[i], err = eq.NewEvent()
		require.NoError(t, err)
		index[evs[i]] = i
		iods := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: uint64(len(value(i)))}}
		require.NoError(t, evs[i].Start(ctx, func(ctx context.Context, end func(error)) {
			o.StartUpdate(ctx, []byte(fmt.Sprint("k", i)), iods, [][]byte{value(i)}, 0, func(e daos.Epoch, err error) {
				if err == nil && e == 0 {
					err = fmt.Errorf("update %d: no epoch", i)
				}
				end(err)
			})
		}))
	}
	for _, ev := range pollAll(t, eq, n) {
		require.NoError(t, ev.Err(), "update %d", index[ev])
	}
	bufs := make([][]byte, n)
	sizes := make([]uint64, n)
	for i, ev := range evs {
		bufs[i] = make([]byte, 64)
		iods := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 64}}
		require.NoError(t, ev.Start(ctx, func(ctx context.Context, end func(error)) {
			o.StartFetch(ctx, daos.EpochMax, []byte(fmt.Sprint("k", i)), iods, [][]byte{bufs[i]}, 0, func(s []uint64, err error) {
				if err == nil {
					sizes[i] = s[0]
				}
				end(err)
			})
		}))
	}
	for _, ev := range pollAll(t, eq, n) {
		i := index[ev]
		require.NoError(t, ev.Err(), "fetch %d", i)
		require.Equal(t, string(value(i)), string(bufs[i][:sizes[i]]), "fetch %d", i)
	}
	require.NoError(t, eq.Destroy(false))
}

// TestEventStartRules: Start follows Launch's rules (busy, finalised),
// reports errors found before the request is out through the event, ends
// an event once however often its operation says so, and Abort cancels
// the operation's context.
func TestEventStartRules(t *testing.T) {
	ctx := context.Background()
	eq := client.NewEQ()
	ev, err := eq.NewEvent()
	require.NoError(t, err)
	var end func(error)
	var opCtx context.Context
	require.NoError(t, ev.Start(ctx, func(ctx context.Context, e func(error)) { opCtx, end = ctx, e }))
	assert.Equal(t, client.EventRunning, ev.Status())
	assert.ErrorIs(t, ev.Start(ctx, func(context.Context, func(error)) {}), daos.ErrBusy)
	require.NoError(t, ev.Abort())
	require.Error(t, opCtx.Err(), "abort cancels the operation")
	end(opCtx.Err())
	end(nil) // ignored: the event ended once
	pollAll(t, eq, 1)
	assert.Equal(t, daos.ErrCanceled, daos.Code(ev.Err()))

	// Ended before Start returns (an error found up front).
	require.NoError(t, ev.Start(ctx, func(_ context.Context, e func(error)) { e(daos.Errorf(daos.ErrInval, "bad")) }))
	pollAll(t, eq, 1)
	assert.ErrorIs(t, ev.Err(), daos.ErrInval)

	// Ended on another goroutine later.
	var ran atomic.Bool
	require.NoError(t, ev.Start(ctx, func(c context.Context, e func(error)) {
		opCtx = c
		time.AfterFunc(10*time.Millisecond, func() { ran.Store(true); e(nil) })
	}))
	pollAll(t, eq, 1)
	assert.True(t, ran.Load())
	assert.NoError(t, ev.Err())
	// The operation's context ends with it: nothing watching it is left
	// waiting.
	<-opCtx.Done()
	assert.Equal(t, client.EventReady, ev.Status(), "an end is not an abort")

	require.NoError(t, ev.Fini())
	assert.ErrorIs(t, ev.Start(ctx, func(context.Context, func(error)) {}), daos.ErrNoHdl)
	assert.ErrorIs(t, ev.Start(ctx, nil), daos.ErrInval)
	require.NoError(t, eq.Destroy(false))
}

// TestStartStaleMapRefreshes: a started update told that its map is
// stale refreshes the view and is sent again, as Update is; a view that
// cannot refresh reports the staleness.
func TestStartStaleMapRefreshes(t *testing.T) {
	st := staleCluster(t)
	ctx := context.Background()
	o, err := st.refreshing.Object(oidOf(t, st.refreshing, "S1", 6))
	require.NoError(t, err)
	iods := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: 1}}
	done := make(chan error, 1)
	o.StartUpdate(ctx, []byte("d"), iods, [][]byte{{1}}, 0, func(_ daos.Epoch, err error) { done <- err })
	require.NoError(t, <-done)
	assert.Equal(t, 1, *st.refreshed)
	assert.Equal(t, st.newer.Version(), st.view.Map().Version())
	buf := make([]byte, 1)
	sizes := make(chan []uint64, 1)
	o.StartFetch(ctx, daos.EpochMax, []byte("d"), iods, [][]byte{buf}, 0, func(s []uint64, err error) {
		assert.NoError(t, err)
		sizes <- s
	})
	assert.Equal(t, []uint64{1}, <-sizes)
	assert.Equal(t, []byte{1}, buf)

	stale := st.stale
	o, err = stale.Object(oidOf(t, stale, "S1", 6))
	require.NoError(t, err)
	o.StartUpdate(ctx, []byte("d"), iods, [][]byte{{1}}, 0, func(_ daos.Epoch, err error) { done <- err })
	assert.ErrorIs(t, <-done, daos.ErrStale)
	o.StartFetch(ctx, daos.EpochMax, []byte("d"), iods, [][]byte{buf}, 0, func(_ []uint64, err error) { done <- err })
	assert.ErrorIs(t, <-done, daos.ErrStale)

	// Refused before anything is sent.
	o.StartUpdate(ctx, nil, iods, [][]byte{{1}}, 0, func(_ daos.Epoch, err error) { done <- err })
	assert.Error(t, <-done)
}
