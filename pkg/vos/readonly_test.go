package vos

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

// fileStamp is what must not change in a file a read-only open looks at.
type fileStamp struct {
	sum   [sha256.Size]byte
	size  int64
	mtime time.Time
}

// poolFiles stamps every file of the pool directory and the NVMe file.
func poolFiles(t *testing.T, cfg StoreConfig) map[string]fileStamp {
	t.Helper()
	out := map[string]fileStamp{}
	add := func(path string) {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		fi, err := os.Stat(path)
		require.NoError(t, err)
		out[path] = fileStamp{sum: sha256.Sum256(data), size: fi.Size(), mtime: fi.ModTime()}
	}
	require.NoError(t, filepath.WalkDir(cfg.Dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			add(path)
		}
		return err
	}))
	if cfg.NVMePath != "" {
		add(cfg.NVMePath)
	}
	return out
}

// readOnlyConfigs are the two journal modes, both with NVMe, with a small
// journal so that a long enough history checkpoints on its own.
func readOnlyConfigs(t *testing.T) map[string]StoreConfig {
	return map[string]StoreConfig{
		"pmem": {Dir: shmDir(t), LogMode: LogPMem, LogBytes: 256 << 10, NVMePath: filepath.Join(t.TempDir(), "nvme"),
			Options: Options{SCMBytes: 32 << 20, NVMeBytes: 8 << 20}},
		"file": {Dir: t.TempDir(), LogMode: LogFile, LogBytes: 256 << 10, NVMePath: filepath.Join(t.TempDir(), "nvme"),
			Options: Options{SCMBytes: 32 << 20, NVMeBytes: 8 << 20}},
		// NVMe on RAM, which read-write pools read through a mapping.
		"pmem+ramnvme": {Dir: shmDir(t), LogMode: LogPMem, LogBytes: 256 << 10, NVMePath: filepath.Join(shmDir(t), "nvme"),
			Options: Options{SCMBytes: 32 << 20, NVMeBytes: 8 << 20}},
	}
}

// randomHistory writes a random history to a new pool: updates of values
// in SCM and on NVMe, punches, transactions, snapshots, aggregation,
// discards and checkpoints, then one small update. It returns the pool,
// still open, and the journal offset of that last update's record.
func randomHistory(t *testing.T, cfg StoreConfig, rng *rand.Rand, steps int) (*Pool, int64) {
	t.Helper()
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	conts := []ContainerID{{1}, {2}}
	for _, c := range conts {
		require.NoError(t, p.CreateContainer(ctx, c))
	}
	oids := []daos.ObjectID{{Hi: 1, Lo: 1}, {Hi: 1, Lo: 2}, {Hi: 3, Lo: 9}}
	name := func(prefix string, n int) []byte { return []byte(fmt.Sprintf("%s%d", prefix, rng.IntN(n))) }
	epoch := daos.Epoch(1)
	open := map[ContainerID][]TxID{}
	for step := range steps {
		c, oid := conts[rng.IntN(len(conts))], oids[rng.IntN(len(oids))]
		epoch += daos.Epoch(rng.IntN(3))
		switch n := rng.IntN(100); {
		case n < 55:
			size := 1 + rng.IntN(64)
			if rng.IntN(4) == 0 {
				size = 4096 + rng.IntN(3*4096) // NVMe
			}
			val := make([]byte, size)
			for i := range val {
				val[i] = byte(rng.Uint32())
			}
			var tx TxID
			if rng.IntN(5) == 0 {
				tx = TxID(1 + step)
				open[c] = append(open[c], tx)
			}
			iod := daos.IOD{Name: name("s", 4), Type: daos.IODSingle, Size: uint64(size)}
			if rng.IntN(2) == 0 {
				iod = daos.IOD{Name: name("a", 3), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: uint64(rng.IntN(1 << 14)), Nr: uint64(size)}}}
			}
			require.NoError(t, p.Update(ctx, c, oid, epoch, name("d", 5), []daos.IOD{iod}, [][]byte{val}, UpdateOptions{Tx: tx}))
		case n < 65:
			require.NoError(t, p.PunchAkeys(ctx, c, oid, epoch, name("d", 5), [][]byte{name("s", 4)}, PunchOptions{}))
		case n < 70:
			require.NoError(t, p.PunchDkeys(ctx, c, oid, epoch, [][]byte{name("d", 5)}, PunchOptions{}))
		case n < 80 && len(open[c]) > 0:
			tx := open[c][0]
			open[c] = open[c][1:]
			if rng.IntN(3) == 0 {
				require.NoError(t, p.Abort(ctx, c, tx))
			} else {
				require.NoError(t, p.Commit(ctx, c, tx))
			}
		case n < 85:
			require.NoError(t, p.SetSnapshots(ctx, c, []daos.Epoch{epoch / 2}))
		case n < 90:
			_, err := p.Aggregate(ctx, c, epoch/2)
			require.NoError(t, err)
		case n < 93:
			require.NoError(t, p.Discard(ctx, c, epoch+1, epoch+3))
		case n < 95:
			require.NoError(t, p.Checkpoint(ctx))
		default:
			require.NoError(t, p.Update(ctx, c, oid, epoch, []byte("small"), []daos.IOD{sv("x", "y")}, [][]byte{[]byte("y")}, UpdateOptions{}))
		}
	}
	before, err := p.StoreInfo()
	require.NoError(t, err)
	require.NoError(t, p.Update(ctx, conts[0], oids[0], epoch+1, []byte("last"), []daos.IOD{sv("x", "last")}, [][]byte{[]byte("last")}, UpdateOptions{}))
	after, err := p.StoreInfo()
	require.NoError(t, err)
	if after.JournalUsed < before.JournalUsed {
		// The update checkpointed first: its record opens the journal.
		return p, journalDataOffset
	}
	return p, before.JournalUsed
}

// Journal layout (the wal package's): records start after two 4 KiB
// header slots, and a record's payload after its 48-byte header.
const (
	journalDataOffset   = 8192
	recordPayloadOffset = 48
)

// inspectAll writes down everything the inspection API shows, values
// included.
func inspectAll(t *testing.T, p *Pool) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "space %+v\n", p.Space())
	info, err := p.StoreInfo()
	require.NoError(t, err)
	fmt.Fprintf(&b, "store %+v\n", info)
	for _, c := range p.ListContainersInfo() {
		fmt.Fprintf(&b, "cont %+v\n", c)
		max, err := p.MaxEpoch(c.ID)
		require.NoError(t, err)
		fmt.Fprintf(&b, " max epoch %d\n", max)
		objs, err := p.ListObjectInfo(c.ID)
		require.NoError(t, err)
		for _, o := range objs {
			fmt.Fprintf(&b, " obj %+v\n", o)
			dkeys, err := p.ListDkeyInfo(c.ID, o.OID)
			require.NoError(t, err)
			for _, d := range dkeys {
				fmt.Fprintf(&b, "  dkey %+v\n", d)
				akeys, err := p.ListAkeyInfo(c.ID, o.OID, d.Name)
				require.NoError(t, err)
				for _, a := range akeys {
					fmt.Fprintf(&b, "   akey %+v\n", a)
					vs, err := p.Versions(c.ID, o.OID, d.Name, a.Name)
					require.NoError(t, err)
					for _, v := range vs {
						data, err := p.ReadVersion(ctx, c.ID, o.OID, d.Name, a.Name, v.Epoch, v.Index)
						require.NoError(t, err)
						fmt.Fprintf(&b, "    %+v %x\n", v, sha256.Sum256(data))
					}
				}
			}
		}
	}
	checked, bad, err := p.VerifyAll(ctx, func(path string, err error) { fmt.Fprintf(&b, "bad %s: %v\n", path, err) })
	require.NoError(t, err)
	fmt.Fprintf(&b, "verify %d %d\n", checked, bad)
	return b.String()
}

// TestOpenReadOnlyMatchesOpen: on random pools, cleanly closed and with a
// torn journal tail, a read-only open shows what Open shows and changes no
// file, where Open repairs the torn tail.
func TestOpenReadOnlyMatchesOpen(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	for name, cfg := range readOnlyConfigs(t) {
		for _, torn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/torn=%v", name, torn), func(t *testing.T) {
				cfg := cfg
				cfg.Dir = filepath.Join(cfg.Dir, fmt.Sprint(torn))
				cfg.NVMePath += fmt.Sprint(torn)
				rng := rand.New(rand.NewPCG(seed, uint64(len(name))))
				p, lastAt := randomHistory(t, cfg, rng, 400)
				require.NoError(t, p.Close())
				if torn {
					// Damage the last record, as a crash during its
					// write would leave it.
					damageByte(t, filepath.Join(cfg.Dir, journalName), lastAt+recordPayloadOffset+3)
				}
				before := poolFiles(t, cfg)

				ro, err := OpenReadOnly(ctx, cfg.Dir)
				require.NoError(t, err)
				dkeys, err := ro.ListDkeyInfo(cid, oid1)
				require.NoError(t, err)
				hasLast := slices.ContainsFunc(dkeys, func(d DkeyInfo) bool { return string(d.Name) == "last" })
				require.Equal(t, !torn, hasLast, "the last update is lost exactly when its record is torn")
				got := inspectAll(t, ro)
				require.NoError(t, ro.Close())
				require.Equal(t, before, poolFiles(t, cfg), "the read-only open changed a file")

				rw, err := Open(ctx, cfg.Dir)
				require.NoError(t, err)
				want := inspectAll(t, rw)
				require.NoError(t, rw.Close())
				require.Equal(t, want, got)
				if torn {
					after := poolFiles(t, cfg)
					journal := filepath.Join(cfg.Dir, journalName)
					require.NotEqual(t, before[journal].sum, after[journal].sum, "Open invalidates the torn record")
				}
			})
		}
	}
}

func TestReadOnlyRefusesMutations(t *testing.T) {
	for name, cfg := range readOnlyConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			require.NoError(t, p.CreateContainer(ctx, cid))
			require.NoError(t, p.Update(ctx, cid, oid1, 1, []byte("d"), []daos.IOD{sv("big", string(bigValue))}, [][]byte{bigValue}, UpdateOptions{}))
			require.NoError(t, p.Update(ctx, cid, oid1, 2, []byte("d"), []daos.IOD{sv("t", "tx")}, [][]byte{[]byte("tx")}, UpdateOptions{Tx: 7}))
			require.NoError(t, p.Close())
			before := poolFiles(t, cfg)

			ro, err := OpenReadOnly(ctx, cfg.Dir)
			require.NoError(t, err)
			defer ro.Close()
			space := ro.Space()
			small := []daos.IOD{sv("s", "v")}
			for what, err := range map[string]error{
				"create container": ro.CreateContainer(ctx, ContainerID{9}),
				"update in SCM":    ro.Update(ctx, cid, oid1, 3, []byte("d"), small, [][]byte{[]byte("v")}, UpdateOptions{}),
				"update on NVMe":   ro.Update(ctx, cid, oid1, 3, []byte("d"), []daos.IOD{sv("big", string(bigValue))}, [][]byte{bigValue}, UpdateOptions{}),
				"punch object":     ro.PunchObject(ctx, cid, oid1, 4, PunchOptions{}),
				"punch dkeys":      ro.PunchDkeys(ctx, cid, oid1, 4, [][]byte{[]byte("d")}, PunchOptions{}),
				"punch akeys":      ro.PunchAkeys(ctx, cid, oid1, 4, []byte("d"), [][]byte{[]byte("big")}, PunchOptions{}),
				"commit":           ro.Commit(ctx, cid, 7),
				"abort":            ro.Abort(ctx, cid, 7),
				"set snapshots":    ro.SetSnapshots(ctx, cid, []daos.Epoch{1}),
				"aggregate":        second(ro.Aggregate(ctx, cid, 5)),
				"discard":          ro.Discard(ctx, cid, 1, 2),
				"checkpoint":       ro.Checkpoint(ctx),
				"destroy":          ro.DestroyContainer(ctx, cid),
			} {
				require.ErrorIs(t, err, daos.ErrNoPerm, what)
				require.ErrorContains(t, err, "is open read-only", what)
			}
			require.Equal(t, space, ro.Space(), "nothing was reserved or charged")
			require.Equal(t, string(bigValue), getSV(t, ro, 9, "d", "big"), "reads go on")
			txs, err := ro.Transactions(cid)
			require.NoError(t, err)
			require.Equal(t, []TxID{7}, txs)
			require.NoError(t, ro.Close())
			require.Equal(t, before, poolFiles(t, cfg))
		})
	}
}

func second[T any](_ T, err error) error { return err }

// TestReadOnlyLocks: readers share a pool; a reader and a writer exclude
// each other, in this process as in another.
func TestReadOnlyLocks(t *testing.T) {
	for name, cfg := range readOnlyConfigs(t) {
		t.Run(name, func(t *testing.T) {
			p, err := Create(ctx, cfg)
			require.NoError(t, err)
			require.NoError(t, p.CreateContainer(ctx, cid))
			start := time.Now()
			_, err = OpenReadOnly(ctx, cfg.Dir)
			require.ErrorIs(t, err, syscall.EWOULDBLOCK)
			require.ErrorContains(t, err, "open VOS pool in "+cfg.Dir)
			require.ErrorContains(t, err, "open for writing elsewhere")
			require.Less(t, time.Since(start), time.Second, "a live writer is refused at once")
			require.NoError(t, p.Close())

			r1, err := OpenReadOnly(ctx, cfg.Dir)
			require.NoError(t, err)
			r2, err := OpenReadOnly(ctx, cfg.Dir)
			require.NoError(t, err, "readers share the pool")
			require.Equal(t, r1.Containers(), r2.Containers())
			_, err = Open(ctx, cfg.Dir)
			require.ErrorIs(t, err, syscall.EWOULDBLOCK, "no writer while a reader looks")
			require.NoError(t, r1.Close())
			require.NoError(t, r2.Close())
			p, err = Open(ctx, cfg.Dir)
			require.NoError(t, err)
			require.NoError(t, p.Close())
		})
	}
}

// TestReadOnlyLeavesCheckpointState: a checkpoint whose journal reset did
// not happen, and a checkpoint temporary left by a crash, are what Open
// tidies up; a read-only open recovers the same index and leaves both.
func TestReadOnlyLeavesCheckpointState(t *testing.T) {
	cfg := readOnlyConfigs(t)["file"]
	p, err := Create(ctx, cfg)
	require.NoError(t, err)
	require.NoError(t, p.CreateContainer(ctx, cid))
	putSV(t, p, 1, "d", "a", "v1")
	putSV(t, p, 2, "d", "a", "v2")
	// A checkpoint written, and the crash before the journal reset.
	ckpt := filepath.Join(cfg.Dir, checkpointName)
	journal := filepath.Join(cfg.Dir, journalName)
	saved, err := os.ReadFile(journal)
	require.NoError(t, err)
	require.NoError(t, p.Checkpoint(ctx))
	require.NoError(t, p.Close())
	require.NoError(t, os.WriteFile(journal, saved, 0o600))
	require.NoError(t, os.WriteFile(ckpt+".tmp-123", []byte("left by a crash"), 0o600))
	before := poolFiles(t, cfg)

	ro, err := OpenReadOnly(ctx, cfg.Dir)
	require.NoError(t, err)
	require.Equal(t, "v2", getSV(t, ro, 9, "d", "a"))
	got := inspectAll(t, ro)
	require.NoError(t, ro.Close())
	require.Equal(t, before, poolFiles(t, cfg))

	rw, err := Open(ctx, cfg.Dir)
	require.NoError(t, err)
	want := inspectAll(t, rw)
	require.NoError(t, rw.Close())
	// Only the journal's use differs: Open empties the journal the
	// checkpoint covers, the read-only open counts its records as found.
	cut := func(s string) string { return s[strings.Index(s, "\ncont"):] }
	require.Equal(t, cut(want), cut(got))
	_, err = os.Stat(ckpt + ".tmp-123")
	require.ErrorIs(t, err, fs.ErrNotExist, "Open removes the temporary")
}
