//go:build ofi && cgo

package ofi

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// An idle endpoint's progress loop parks in Go's network poller on the
// CQ's wait descriptor (tcp;ofi_rxm has one), and a message must wake it:
// with a wait timeout of an hour, only the descriptor can. Close must wake
// it too.
func TestIdleLoopWakesOnMessage(t *testing.T) {
	a, _, _, _ := openPair(t)
	cfg := loopback
	cfg.WaitTimeout = time.Hour
	b, err := Open(cfg)
	require.NoError(t, err)
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
	for i := 1; i <= 3; i++ {
		time.Sleep(20 * time.Millisecond) // b's loop goes back to waiting
		require.NoError(t, a.SendTagged(ctx, aToB, 9, send, 0, i))
		select {
		case n := <-got:
			require.Equal(t, i, n)
		case <-ctx.Done():
			t.Fatalf("message %d never woke the idle endpoint", i)
		}
	}
	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	select {
	case err := <-closed:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not wake the parked progress loop")
	}
	require.NoError(t, buf.Free())
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
