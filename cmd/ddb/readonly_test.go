package main

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/vos"
)

// fileStamp is what a read command must leave as it is.
type fileStamp struct {
	sum   [sha256.Size]byte
	mtime time.Time
}

// stamps hashes every file of the pool directory and the NVMe file.
func (tp testPool) stamps(t *testing.T) map[string]fileStamp {
	t.Helper()
	out := map[string]fileStamp{}
	add := func(path string) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		fi, err := os.Stat(path)
		require.NoError(t, err)
		out[path] = fileStamp{sum: sha256.Sum256(data), mtime: fi.ModTime()}
	}
	require.NoError(t, filepath.WalkDir(tp.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			add(path)
		}
		return err
	}))
	add(tp.nvme)
	return out
}

// shmDir is a directory on /dev/shm (emulated PMem) where there is one.
func shmDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("/dev/shm", "ddb-test-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

// Journal layout (package wal): a record's payload follows its 48-byte
// header.
const recordPayloadOffset = 48

// TestReadCommandsChangeNothing runs every read command, on pools of both
// journal modes with values on NVMe, cleanly closed or with a torn journal
// tail (which an ordinary open would repair), and checks that no file of
// the pool changed: not a byte, not a modification time.
func TestReadCommandsChangeNothing(t *testing.T) {
	for _, mode := range []vos.LogMode{vos.LogPMem, vos.LogFile} {
		for _, torn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/torn=%v", mode, torn), func(t *testing.T) {
				dir := t.TempDir()
				if mode == vos.LogPMem {
					dir = shmDir(t)
				}
				tp := makeModePool(t, mode, dir)
				journal := filepath.Join(tp.dir, "vos.wal")
				if torn {
					// The last update's record, as a crash while it was
					// written leaves it.
					flipByte(t, journal, tp.lastRecord+recordPayloadOffset+2)
				}
				before := tp.stamps(t)
				out := filepath.Join(t.TempDir(), "value")
				for _, args := range [][]string{
					{"ls", tp.dir},
					{"ls", tp.dir, tp.path()},
					{"ls", tp.dir, tp.path("1.1")},
					{"ls", tp.dir, tp.path("1.1", "d")},
					{"ls", tp.dir, tp.path("1.1", "d", "big")},
					{"ls", tp.dir, tp.path("1.1", "d", "arr")},
					{"--json", "ls", tp.dir, tp.path("1.1", "d", "small")},
					{"dump", tp.dir, tp.path("1.1", "d", "big")},
					{"dump", tp.dir, tp.path("1.1", "d", "arr"), "--epoch", "2"},
					{"dump", tp.dir, tp.path("1.1", "d", "t"), "--version", "0"},
					{"dump", tp.dir, tp.path("1.1", "d", "big"), "-o", out},
					{"--json", "dump", tp.dir, tp.path("1.1", "d", "arr")},
					{"space", tp.dir},
					{"--json", "space", tp.dir},
					{"verify", tp.dir},
					{"--json", "verify", tp.dir},
				} {
					ok(t, args...)
				}
				// The binary dkey's update is the last: lost with its torn
				// record.
				_, _, code := ddb(t, "ls", tp.dir, tp.path("1.2"))
				if torn {
					require.Equal(t, 1, code, "the torn update is not replayed")
				} else {
					require.Equal(t, 0, code)
				}
				_, _, code = ddb(t, "dump", tp.dir, tp.path("1.1", "d", "nope"))
				require.Equal(t, 1, code)
				_, _, code = ddb(t, "punch", tp.dir, tp.path("1.1"))
				require.Equal(t, 1, code, "refused without --write-mode")
				require.Equal(t, before, tp.stamps(t), "a read command changed the pool")

				if torn {
					// Only now does the pool get repaired.
					p, err := vos.Open(ctx, tp.dir)
					require.NoError(t, err)
					require.NoError(t, p.Close())
					require.NotEqual(t, before[journal].sum, tp.stamps(t)[journal].sum, "the ordinary open invalidates the torn record")
				}
			})
		}
	}
}

// TestReadersShareAPool: ddb looks at a pool another reader has open, but
// not at one open for writing, and --write-mode waits for no reader.
func TestReadersShareAPool(t *testing.T) {
	tp := makePool(t)
	p, err := vos.OpenReadOnly(ctx, tp.dir)
	require.NoError(t, err)
	require.Contains(t, ok(t, "verify", tp.dir), "7 versions checked, 0 bad")
	_, errOut, code := ddb(t, "punch", tp.dir, tp.path("1.1"), "--write-mode")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "stop the engine that has it open")
	require.NoError(t, p.Close())

	w, err := vos.Open(ctx, tp.dir)
	require.NoError(t, err)
	defer w.Close()
	_, errOut, code = ddb(t, "verify", tp.dir)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "ddb: open VOS pool in "+tp.dir)
	require.Contains(t, errOut, "open for writing elsewhere")
	require.Contains(t, errOut, "stop the engine that has it open")
}
