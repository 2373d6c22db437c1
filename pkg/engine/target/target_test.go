package target

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

func testTarget(t *testing.T, scm, nvme string) *Target {
	return New(Config{Index: 2, SCMDir: scm, NVMeDir: nvme, LogMode: vos.LogFile})
}

func TestShardLifecycle(t *testing.T) {
	ctx := context.Background()
	scm, nvme := t.TempDir(), t.TempDir()
	tg := testTarget(t, scm, nvme)
	p := UUID{0xab, 1}
	require.NoError(t, tg.CreateShard(ctx, p, 64<<20, 128<<20))
	require.NoError(t, tg.CreateShard(ctx, p, 64<<20, 128<<20), "a repeated create is not an error")
	assert.True(t, errors.Is(tg.CreateShard(ctx, p, 32<<20, 128<<20), daos.ErrExist))
	assert.FileExists(t, filepath.Join(nvme, p.String(), "2.nvme"))

	c := vos.ContainerID{7}
	_, ok, err := tg.HasContainer(p, c)
	require.NoError(t, err)
	assert.False(t, ok)
	vp, err := tg.Container(ctx, p, c)
	require.NoError(t, err)
	iod := daos.IOD{Name: []byte("a"), Type: daos.IODSingle, Size: 5}
	require.NoError(t, vp.Update(ctx, c, daos.ObjectID{Lo: 1}, 10, []byte("d"), []daos.IOD{iod}, [][]byte{[]byte("hello")}, vos.UpdateOptions{}))
	require.NoError(t, tg.Close())

	// Reopened from storage after a restart.
	again := testTarget(t, scm, nvme)
	require.NoError(t, again.Open(ctx))
	assert.Equal(t, []UUID{p}, again.Pools())
	vp, ok, err = again.HasContainer(p, c)
	require.NoError(t, err)
	require.True(t, ok)
	res, err := vp.Fetch(ctx, c, daos.ObjectID{Lo: 1}, daos.EpochMax, []byte("d"), []daos.IOD{iod}, vos.FetchOptions{})
	require.NoError(t, err)
	assert.Equal(t, "hello", string(res[0].Data))

	require.NoError(t, again.DestroyShard(ctx, p))
	require.NoError(t, again.DestroyShard(ctx, p), "a repeated destroy is not an error")
	_, err = again.Shard(p)
	assert.True(t, errors.Is(err, daos.ErrNonexist))
	_, err = os.Stat(filepath.Join(scm, "pools", p.String(), "2"))
	assert.True(t, os.IsNotExist(err))
	assert.NoFileExists(t, filepath.Join(nvme, p.String(), "2.nvme"))
}

func TestUUIDText(t *testing.T) {
	u := UUID{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 1, 2, 3, 4, 5, 6, 7, 8}
	back, err := ParseUUID(u.String())
	require.NoError(t, err)
	assert.Equal(t, u, back)
	for _, bad := range []string{"", "1234", "12345678-9abc-def0-0102-03040506070g", "123456789abcdef0010203040506070899"} {
		_, err := ParseUUID(bad)
		assert.Error(t, err, bad)
	}
}

func TestExecutorBoundsConcurrency(t *testing.T) {
	x := NewExecutor(3)
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 15; i++ { // 3 running and 12 waiting: none refused
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = x.Run(context.Background(), func(context.Context) error {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(time.Millisecond)
				running.Add(-1)
				return nil
			})
		}()
	}
	wg.Wait()
	assert.LessOrEqual(t, peak.Load(), int64(3))
	assert.Equal(t, uint64(15), x.Done.Load())

	// A full executor makes a caller with a deadline give up.
	block := make(chan struct{})
	full := NewExecutor(1)
	go full.Run(context.Background(), func(context.Context) error { <-block; return nil })
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := full.Run(ctx, func(context.Context) error { return nil })
	assert.True(t, errors.Is(err, daos.ErrTimedout), "%v", err)

	// Beyond 4 waiters per slot, a target answers DER_BUSY at once.
	var waiters sync.WaitGroup
	for i := 0; i < 4; i++ {
		waiters.Add(1)
		go func() {
			defer waiters.Done()
			_ = full.Run(context.Background(), func(context.Context) error { return nil })
		}()
	}
	for full.waiting.Load() < 4 {
		time.Sleep(time.Millisecond)
	}
	err = full.Run(context.Background(), func(context.Context) error { return nil })
	assert.True(t, errors.Is(err, daos.ErrBusy), "%v", err)
	close(block)
	waiters.Wait()
}
