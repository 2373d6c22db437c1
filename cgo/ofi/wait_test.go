//go:build ofi && cgo

package ofi

import (
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An idle endpoint's progress loop parks in Go's network poller on the
// CQ's wait descriptor (tcp;ofi_rxm has one), and a message must wake it:
// with a wait timeout of an hour, only the descriptor can. Close must wake
// it too.
func TestIdleLoopWakesOnMessage(t *testing.T) {
	a, err := Open(loopback)
	if errors.Is(err, ErrNotBuilt) {
		t.Skip("libfabric not built in")
	}
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, a.Close()) })
	cfg := loopback
	cfg.WaitTimeout = time.Hour
	// Only a process with one P parks in the poller (parkInPoller).
	procs := runtime.GOMAXPROCS(1)
	b, err := Open(cfg)
	runtime.GOMAXPROCS(procs)
	require.NoError(t, err)
	bClosed := false
	t.Cleanup(func() {
		if !bClosed {
			b.Close()
		}
	})
	require.NotNil(t, b.waitFile, "tcp;ofi_rxm should offer a wait descriptor")
	buf, err := AllocBuffer(64)
	require.NoError(t, err)
	recv, err := b.Register(buf, AccessLocal)
	require.NoError(t, err)
	got := make(chan int, 4)
	require.NoError(t, b.PostRecv(9, 0, recv, 0, 64, func(m TaggedMessage, err error) bool {
		if err == nil {
			got <- m.Len
		}
		return err == nil
	}))
	bName, err := b.Name()
	require.NoError(t, err)
	aToB, err := a.InsertAddr(bName)
	require.NoError(t, err)
	ctx := testCtx(t)
	send := region(t, a, 64, AccessLocal)
	// parked waits until b's loop has gone back to the poller since it
	// had parked after times.
	parked := func(after int64) int64 {
		for ctx.Err() == nil {
			if n := b.parks.Load(); n > after {
				return n
			}
			time.Sleep(time.Millisecond)
		}
		t.Fatal("the idle progress loop never parked in the poller")
		return 0
	}
	parks := parked(0)
	for i := 1; i <= 3; i++ {
		require.NoError(t, a.SendTagged(ctx, aToB, 9, send, 0, i))
		select {
		case n := <-got:
			require.Equal(t, i, n)
		case <-ctx.Done():
			t.Fatalf("message %d never woke the idle endpoint", i)
		}
		parks = parked(parks)
	}
	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case err := <-closed:
		bClosed = true
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not wake the parked progress loop")
	}
	require.NoError(t, buf.Free())
}

func TestWaitTimeoutBounds(t *testing.T) {
	require.Equal(t, defaultWaitTimeout, waitTimeout(0))
	require.Equal(t, defaultWaitTimeout, waitTimeout(-time.Second))
	require.Equal(t, time.Millisecond, waitTimeout(time.Microsecond))
	require.Equal(t, time.Hour, waitTimeout(time.Hour))
}

func TestParkInPollerOnlyWithOneP(t *testing.T) {
	require.True(t, parkInPoller(1))
	require.False(t, parkInPoller(2))
}

func TestSpinOnlyWithCoresToSpare(t *testing.T) {
	require.Zero(t, spinFor(1))
	require.Equal(t, spinWindow, spinFor(2))
}

func TestAssistScalesWithSizeOnlyWithCoresToSpare(t *testing.T) {
	one := &Endpoint{spin: spinFor(1)}
	require.Equal(t, assistWindow, one.assistFor(1<<20))
	many := &Endpoint{spin: spinFor(4)}
	require.Equal(t, assistWindow, many.assistFor(64))
	require.Equal(t, time.Duration(1<<20)/2, many.assistFor(1<<20))
	require.Equal(t, maxAssist, many.assistFor(64<<20))
}
