package vos

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// TestDamagedFilesAreReportedNotServed flips bytes in every file of a pool
// and reopens it: either the open fails, or a read fails with a
// checksum or I/O error, or the read returns exactly what was written.
// The one exception is the journal's newest record, which damage cannot be
// told apart from a write torn by a crash; only the key it wrote may then
// read as of the write before.
func TestDamagedFilesAreReportedNotServed(t *testing.T) {
	cfg := StoreConfig{Dir: shmDir(t), LogMode: LogPMem, LogBytes: 1 << 20, NVMePath: filepath.Join(t.TempDir(), "nvme"),
		Options: Options{SCMBytes: 32 << 20, NVMeBytes: 8 << 20}}
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	want := map[string]string{}
	put := func(epoch daos.Epoch, key, val string) {
		putSV(t, p, epoch, key, "v", val)
		want[key] = val
	}
	for i := 0; i < 20; i++ {
		size := []int{10, 300, 5000, 9000}[i%4]
		put(daos.Epoch(i+1), fmt.Sprintf("k%02d", i), string(bytes.Repeat([]byte{byte('a' + i)}, size)))
		if i == 9 {
			require.NoError(t, p.Checkpoint(ctx))
		}
	}
	const sentinel = "zz-last"
	put(100, sentinel, "the newest record")
	require.NoError(t, p.Close())

	files := []string{filepath.Join(cfg.Dir, journalName), filepath.Join(cfg.Dir, checkpointName),
		filepath.Join(cfg.Dir, headerName), cfg.NVMePath}
	originals := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		originals[f] = b
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	outcomes := map[string]int{}
	for trial := 0; trial < 300; trial++ {
		f := files[trial%len(files)]
		orig := originals[f]
		// Aim at the used part of big files, where damage matters.
		used := len(orig)
		if f == cfg.NVMePath {
			used = min(used, 128<<10)
		} else if f == files[0] {
			used = min(used, 64<<10)
		}
		off := rng.IntN(used)
		damaged := bytes.Clone(orig)
		damaged[off] ^= byte(1 + rng.IntN(255))
		require.NoError(t, os.WriteFile(f, damaged, 0o600))
		outcomes[checkDamaged(t, cfg.Dir, want, sentinel, fmt.Sprintf("%s byte %d", filepath.Base(f), off))]++
		require.NoError(t, os.WriteFile(f, orig, 0o600))
	}
	t.Logf("outcomes: %v", outcomes)
	require.NotZero(t, outcomes["open failed"], "no damage was ever detected at open")
	require.NotZero(t, outcomes["read failed"], "no damage was ever detected on read")
}

func checkDamaged(t *testing.T, dir string, want map[string]string, sentinel, where string) string {
	p, err := Open(ctx, dir)
	if err != nil {
		return "open failed"
	}
	defer p.Close()
	outcome := "served correctly"
	for key, val := range want {
		res, err := p.Fetch(ctx, cid, oid1, daos.EpochMax, []byte(key), []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 1 << 20}}, FetchOptions{})
		if err != nil {
			require.True(t, daos.Code(err) == daos.ErrCsum || daos.Code(err) == daos.ErrNvmeIo, "%s: key %s: %v", where, key, err)
			outcome = "read failed"
			continue
		}
		if key == sentinel && res[0].Data == nil {
			outcome = "newest record dropped as torn"
			continue
		}
		require.Equal(t, val, string(res[0].Data), "%s: key %s served wrong data", where, key)
	}
	return outcome
}
