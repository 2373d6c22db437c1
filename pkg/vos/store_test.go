package vos

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// shmDir is a temporary directory on /dev/shm (emulated PMem), removed at
// the end of the test; t.TempDir() stands in where /dev/shm is missing.
func shmDir(t testing.TB) string {
	t.Helper()
	d, err := os.MkdirTemp("/dev/shm", "vos-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func storeConfigs(t *testing.T) map[string]StoreConfig {
	return map[string]StoreConfig{
		"pmem+nvme": {Dir: shmDir(t), LogMode: LogPMem, LogBytes: 1 << 20, NVMePath: filepath.Join(t.TempDir(), "nvme"),
			Options: Options{SCMBytes: 32 << 20, NVMeBytes: 16 << 20}},
		"file": {Dir: t.TempDir(), LogMode: LogFile, LogBytes: 1 << 20, Options: Options{SCMBytes: 32 << 20}},
	}
}

func TestStoreReopenKeepsEverything(t *testing.T) {
	for name, cfg := range storeConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			require.NoError(t, p.CreateContainer(ctx, cid))
			big := bytes.Repeat([]byte("0123456789abcdef"), 1024) // 16 KiB: NVMe when the pool has it
			require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("big", string(big)), sv("small", "s")},
				[][]byte{big, []byte("s")}, UpdateOptions{}))
			putArr(t, p, 2, "x", 0, "array!")
			require.NoError(t, p.Update(ctx, cid, oid1, 3, []byte("d"), []daos.IOD{sv("t", "tx")}, [][]byte{[]byte("tx")}, UpdateOptions{Tx: 4}))
			require.NoError(t, p.PunchAkeys(ctx, cid, oid1, 5, []byte("d"), [][]byte{[]byte("small")}, PunchOptions{}))
			space := p.Space()
			if cfg.NVMePath != "" {
				require.Equal(t, uint64(16<<10), space.NVMeUsed)
			}
			require.NoError(t, p.Close())

			q, err := Open(ctx, cfg.Dir)
			require.NoError(t, err)
			require.Equal(t, space, q.Space())
			require.Equal(t, string(big), getSV(t, q, 9, "d", "big"))
			require.Equal(t, "s", getSV(t, q, 4, "d", "small"))
			require.Equal(t, "", getSV(t, q, 5, "d", "small"))
			require.Equal(t, "array!", getArr(t, q, 9, "x", 6))
			require.NoError(t, q.Commit(ctx, cid, 4), "prepared transactions survive a restart")
			require.Equal(t, "tx", getSV(t, q, 9, "d", "t"))

			// Checkpoint, write more, reopen: checkpoint plus journal tail.
			require.NoError(t, q.Checkpoint(ctx))
			putSV(t, q, 10, "d", "after", "ckpt")
			require.NoError(t, q.Close())
			r, err := Open(ctx, cfg.Dir)
			require.NoError(t, err)
			require.Equal(t, "ckpt", getSV(t, r, 10, "d", "after"))
			require.Equal(t, string(big), getSV(t, r, 10, "d", "big"))
			require.Equal(t, "tx", getSV(t, r, 10, "d", "t"))
			require.NoError(t, r.Close())
		})
	}
}

func TestStoreJournalWrapsThroughCheckpoints(t *testing.T) {
	cfg := StoreConfig{Dir: shmDir(t), LogMode: LogPMem, LogBytes: 64 << 10, Options: Options{SCMBytes: 32 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	val := string(bytes.Repeat([]byte("v"), 512))
	for i := 0; i < 1000; i++ { // about 0.5 MiB through a 64 KiB journal
		putSV(t, p, daos.Epoch(i+1), "d", "k"+string(rune('a'+i%26)), val)
	}
	require.NoError(t, p.Close())
	q, err := Open(ctx, cfg.Dir)
	require.NoError(t, err)
	require.Equal(t, val, getSV(t, q, 1000, "d", "kl"))
	require.NoError(t, q.Close())
}

func TestStoreNVMeSpaceIsReturned(t *testing.T) {
	cfg := StoreConfig{Dir: shmDir(t), LogMode: LogPMem, LogBytes: 1 << 20, NVMePath: filepath.Join(t.TempDir(), "nvme"),
		Options: Options{SCMBytes: 8 << 20, NVMeBytes: 64 << 10}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	defer p.Close()
	require.NoError(t, p.CreateContainer(ctx, cid))
	v := string(bytes.Repeat([]byte("x"), 16<<10))
	for e := daos.Epoch(1); e <= 4; e++ {
		putSV(t, p, e, "d", "a", v)
	}
	err = p.Update(ctx, cid, oid1, 5, []byte("d"), []daos.IOD{sv("a", v)}, [][]byte{[]byte(v)}, UpdateOptions{})
	require.ErrorIs(t, err, daos.ErrNospace)
	_, err = p.Aggregate(ctx, cid, 5) // keeps only epoch 4
	require.NoError(t, err)
	require.Equal(t, uint64(16<<10), p.Space().NVMeUsed)
	putSV(t, p, 5, "d", "a", v)
	require.NoError(t, p.Close())
	q, err := Open(ctx, cfg.Dir)
	require.NoError(t, err)
	require.Equal(t, uint64(32<<10), q.Space().NVMeUsed, "the allocator is rebuilt from the index")
	require.Equal(t, v, getSV(t, q, 5, "d", "a"))
	require.NoError(t, q.Close())
}

func TestStoreBadInput(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(ctx, dir)
	require.ErrorIs(t, err, daos.ErrNonexist)
	require.NoError(t, os.WriteFile(filepath.Join(dir, headerName), []byte("not json"), 0o600))
	_, err = Open(ctx, dir)
	require.ErrorIs(t, err, daos.ErrDfInval)
	_, err = Create(ctx, StoreConfig{Dir: t.TempDir(), LogMode: "tape", Options: Options{SCMBytes: 1 << 20}})
	require.ErrorIs(t, err, daos.ErrInval)
	cfg := StoreConfig{Dir: t.TempDir(), LogMode: LogFile, LogBytes: 1 << 20, Options: Options{SCMBytes: 1 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, p.Close())
	_, err = Create(ctx, cfg)
	require.ErrorIs(t, err, daos.ErrExist)
}
