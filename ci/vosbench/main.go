//go:build vosbench

// Command vosbench measures one VOS target (pkg/vos) against baselines run
// in the same process on the same machine: Pebble with a synced WAL on the
// same file system as VOS's journal for small values, and plain sequential
// file writes with fdatasync for 1 MiB values. It prints a table and ends
// with the headline lines `ratio NAME VALUE` / `time NAME VALUE`.
//
// It is built only with -tags vosbench (Pebble is a large dependency that
// nothing else needs); run it through `ci/bench.sh vos`.
package main

import (
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/vos"
)

var (
	scmDir    = flag.String("scm", "/dev/shm", "directory for the VOS journal and the Pebble store (emulated SCM)")
	dataDir   = flag.String("data", os.TempDir(), "directory for the NVMe file and the raw-write baseline")
	ops       = flag.Int("ops", 20000, "operations per small-value workload")
	bigOps    = flag.Int("big-ops", 200, "1 MiB writes per workload")
	restartN  = flag.Int("restart-values", 1000000, "values stored before the restart and memory measurement")
	repeats   = flag.Int("repeats", 3, "runs of each workload; the median is reported")
	smallSize = []int{8, 64, 4096}
)

var ctx = context.Background()

type row struct {
	workload, impl string
	opsPerSec      float64
	mbPerSec       float64
}

type results struct{ rows []row }

func (r *results) add(workload, impl string, n int, bytes int64, d time.Duration) {
	r.rows = append(r.rows, row{workload, impl, float64(n) / d.Seconds(), float64(bytes) / d.Seconds() / 1e6})
}

func (r *results) rate(workload, impl string) float64 {
	for _, x := range r.rows {
		if x.workload == workload && x.impl == impl {
			return x.opsPerSec
		}
	}
	return 0
}

func main() {
	flag.Parse()
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "vosbench: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	var res results
	keys := makeKeys(*ops)
	for _, size := range smallSize {
		vosRun := func(r *results) error { return smallVOS(r, size, keys) }
		pebbleRun := func(r *results) error { return smallPebble(r, size, keys) }
		if err := median(&res, *repeats, vosRun, pebbleRun); err != nil {
			return fmt.Errorf("%d B values: %w", size, err)
		}
	}
	if err := median(&res, *repeats, bigVOS, bigRaw); err != nil {
		return fmt.Errorf("1 MiB values: %w", err)
	}
	restart, perValue, err := restartAndMemory()
	if err != nil {
		return fmt.Errorf("restart: %w", err)
	}
	printTable(res)
	fmt.Printf("\nDRAM per stored 8-byte value: %.0f bytes (goal: under 200)\n", perValue)
	fmt.Printf("restart with %d values: %.2f s (goal: under 5)\n\n", *restartN, restart.Seconds())

	ratio := func(workload, ours, base string) float64 { return res.rate(workload, ours) / res.rate(workload, base) }
	// Small values: the worse of the 8 B and 64 B cases.
	upd := min(ratio("update 8 B", "vos", "pebble"), ratio("update 64 B", "vos", "pebble"))
	fet := min(ratio("fetch 8 B", "vos", "pebble"), ratio("fetch 64 B", "vos", "pebble"))
	fmt.Printf("ratio vos_update_vs_pebble %.3f\n", upd)
	fmt.Printf("ratio vos_fetch_vs_pebble %.3f\n", fet)
	fmt.Printf("ratio vos_1m_write_vs_file %.3f\n", ratio("write 1 MiB", "vos", "raw file"))
	fmt.Printf("time vos_restart_1m_values_s %.3f\n", restart.Seconds())
	return nil
}

// median runs ours and the baseline alternately, n times each, so that a
// machine that speeds up or slows down during the run affects both alike,
// and keeps per row the median rate.
func median(res *results, n int, fs ...func(*results) error) error {
	runs := make([][]results, len(fs))
	for i := 0; i < n; i++ {
		for k, f := range fs {
			var r results
			if err := f(&r); err != nil {
				return err
			}
			runs[k] = append(runs[k], r)
		}
	}
	for k := range fs {
		rs := runs[k]
		for j := range rs[0].rows {
			sort.Slice(rs, func(a, b int) bool { return rs[a].rows[j].opsPerSec < rs[b].rows[j].opsPerSec })
			res.rows = append(res.rows, rs[len(rs)/2].rows[j])
		}
	}
	return nil
}

func printTable(res results) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "workload\timpl\tops/s\tMB/s\t")
	for _, r := range res.rows {
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.1f\t\n", r.workload, r.impl, r.opsPerSec, r.mbPerSec)
	}
	tw.Flush()
}

func key(i int) []byte { return binary.BigEndian.AppendUint64([]byte("k"), uint64(i)) }

// makeKeys formats the small workloads' keys once, so that both stores
// are timed on the same prepared input rather than on the harness
// formatting a key for every call.
func makeKeys(n int) [][]byte {
	keys := make([][]byte, n)
	for i := range keys {
		keys[i] = key(i)
	}
	return keys
}

func newVOS(nvme bool) (*vos.Pool, func(), error) {
	scm, err := os.MkdirTemp(*scmDir, "vosbench-scm-")
	if err != nil {
		return nil, nil, err
	}
	data, err := os.MkdirTemp(*dataDir, "vosbench-data-")
	if err != nil {
		os.RemoveAll(scm)
		return nil, nil, err
	}
	cleanup := func() { os.RemoveAll(scm); os.RemoveAll(data) }
	cfg := vos.StoreConfig{Dir: scm, LogMode: vos.LogPMem, LogBytes: 256 << 20, Options: vos.Options{SCMBytes: 4 << 30}}
	if nvme {
		cfg.NVMePath = filepath.Join(data, "nvme")
		cfg.NVMeBytes = 1 << 30
	}
	p, err := vos.Create(ctx, cfg)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if err := p.CreateContainer(ctx, vos.ContainerID{1}); err != nil {
		p.Close()
		cleanup()
		return nil, nil, err
	}
	return p, func() { p.Close(); cleanup() }, nil
}

var (
	cont = vos.ContainerID{1}
	oid  = daos.ObjectID{Hi: 1, Lo: 1}
)

func svIOD(size int) []daos.IOD {
	return []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: uint64(size)}}
}

// smallVOS: update, fetch, enumerate, aggregate and punch n single values
// of size bytes, one dkey each, one target.
func smallVOS(r *results, size int, keys [][]byte) error {
	p, done, err := newVOS(true)
	if err != nil {
		return err
	}
	defer done()
	n := *ops
	val := make([]byte, size)
	iods := svIOD(size)
	epoch := daos.Epoch(1)
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := p.Update(ctx, cont, oid, epoch, keys[i], iods, [][]byte{val}, vos.UpdateOptions{}); err != nil {
			return err
		}
		epoch++
	}
	r.add(fmt.Sprintf("update %d B", size), "vos", n, int64(n*size), time.Since(start))

	// Fetches read into the caller's buffer, as DAOS fetches into the
	// caller's scatter-gather list (Pebble hands out a view of its own
	// memory instead).
	rng := rand.New(rand.NewPCG(1, 2))
	bufs, res := [][]byte{make([]byte, size)}, make([]vos.FetchResult, 1)
	start = time.Now()
	for i := 0; i < n; i++ {
		if err := p.FetchInto(ctx, cont, oid, daos.EpochMax, keys[rng.IntN(n)], iods, bufs, res, vos.FetchOptions{}); err != nil {
			return err
		}
		if len(res[0].Data) != size {
			return fmt.Errorf("fetch returned %d bytes, want %d", len(res[0].Data), size)
		}
	}
	r.add(fmt.Sprintf("fetch %d B", size), "vos", n, int64(n*size), time.Since(start))

	start = time.Now()
	seen, anchor := 0, &vos.Anchor{}
	for !anchor.EOF {
		keys, err := p.ListDkeys(cont, oid, daos.EpochMax, anchor, 1000, vos.ReadOptions{})
		if err != nil {
			return err
		}
		seen += len(keys)
	}
	if seen != n {
		return fmt.Errorf("enumerated %d dkeys, want %d", seen, n)
	}
	r.add(fmt.Sprintf("enumerate %d B", size), "vos", n, 0, time.Since(start))

	// Overwrite everything once, then aggregate the older versions away.
	for i := 0; i < n; i++ {
		if err := p.Update(ctx, cont, oid, epoch, keys[i], iods, [][]byte{val}, vos.UpdateOptions{}); err != nil {
			return err
		}
		epoch++
	}
	start = time.Now()
	st, err := p.Aggregate(ctx, cont, epoch)
	if err != nil {
		return err
	}
	if st.VersionsRemoved != uint64(n) {
		return fmt.Errorf("aggregation removed %d versions, want %d", st.VersionsRemoved, n)
	}
	r.add(fmt.Sprintf("aggregate %d B", size), "vos", n, 0, time.Since(start))

	start = time.Now()
	for i := 0; i < n; i++ {
		if err := p.PunchDkeys(ctx, cont, oid, epoch, [][]byte{keys[i]}, vos.PunchOptions{}); err != nil {
			return err
		}
		epoch++
	}
	r.add(fmt.Sprintf("punch %d B", size), "vos", n, 0, time.Since(start))
	return nil
}

// smallPebble runs the same key/value workload on Pebble, every write
// synced as VOS acknowledges only durable updates.
func smallPebble(r *results, size int, keys [][]byte) error {
	dir, err := os.MkdirTemp(*scmDir, "vosbench-pebble-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := pebble.Open(dir, &pebble.Options{Logger: quietLogger{}})
	if err != nil {
		return err
	}
	defer db.Close()
	n := *ops
	val := make([]byte, size)
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := db.Set(keys[i], val, pebble.Sync); err != nil {
			return err
		}
	}
	r.add(fmt.Sprintf("update %d B", size), "pebble", n, int64(n*size), time.Since(start))

	rng := rand.New(rand.NewPCG(1, 2))
	start = time.Now()
	for i := 0; i < n; i++ {
		v, closer, err := db.Get(keys[rng.IntN(n)])
		if err != nil {
			return err
		}
		if len(v) != size {
			return fmt.Errorf("get returned %d bytes, want %d", len(v), size)
		}
		closer.Close()
	}
	r.add(fmt.Sprintf("fetch %d B", size), "pebble", n, int64(n*size), time.Since(start))

	start = time.Now()
	it, err := db.NewIter(nil)
	if err != nil {
		return err
	}
	seen := 0
	for it.First(); it.Valid(); it.Next() {
		seen++
	}
	if err := it.Close(); err != nil {
		return err
	}
	if seen != n {
		return fmt.Errorf("iterated %d keys, want %d", seen, n)
	}
	r.add(fmt.Sprintf("enumerate %d B", size), "pebble", n, 0, time.Since(start))

	start = time.Now()
	for i := 0; i < n; i++ {
		if err := db.Delete(keys[i], pebble.Sync); err != nil {
			return err
		}
	}
	r.add(fmt.Sprintf("punch %d B", size), "pebble", n, 0, time.Since(start))
	return nil
}

// quietLogger keeps Pebble's informational lines out of the table.
type quietLogger struct{}

func (quietLogger) Infof(string, ...any)         {}
func (quietLogger) Errorf(f string, args ...any) { fmt.Fprintf(os.Stderr, "pebble: "+f+"\n", args...) }
func (quietLogger) Fatalf(f string, args ...any) {
	fmt.Fprintf(os.Stderr, "pebble: "+f+"\n", args...)
	os.Exit(1)
}

const mib = 1 << 20

// bigVOS writes 1 MiB array extents (1-byte records), one dkey each.
func bigVOS(r *results) error {
	p, done, err := newVOS(true)
	if err != nil {
		return err
	}
	defer done()
	buf := make([]byte, mib)
	for i := range buf {
		buf[i] = byte(i)
	}
	iods := []daos.IOD{{Name: []byte("a"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: mib}}}}
	n := *bigOps
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := p.Update(ctx, cont, oid, daos.Epoch(i+1), key(i), iods, [][]byte{buf}, vos.UpdateOptions{}); err != nil {
			return err
		}
	}
	r.add("write 1 MiB", "vos", n, int64(n)*mib, time.Since(start))
	return nil
}

// bigRaw writes the same bytes sequentially to a plain file in the NVMe
// file's directory, with fdatasync after each MiB (VOS's durability).
func bigRaw(r *results) error {
	f, err := os.CreateTemp(*dataDir, "vosbench-raw-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, mib)
	for i := range buf {
		buf[i] = byte(i)
	}
	n := *bigOps
	start := time.Now()
	for i := 0; i < n; i++ {
		if _, err := f.Write(buf); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
	r.add("write 1 MiB", "raw file", n, int64(n)*mib, time.Since(start))
	return nil
}

// restartAndMemory stores restartN 8-byte values, measures the heap they
// take, closes the pool and times Open.
func restartAndMemory() (time.Duration, float64, error) {
	debug.FreeOSMemory()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	p, done, err := newVOS(false)
	if err != nil {
		return 0, 0, err
	}
	defer done()
	val := make([]byte, 8)
	iods := svIOD(8)
	for i := 0; i < *restartN; i++ {
		binary.LittleEndian.PutUint64(val, uint64(i))
		if err := p.Update(ctx, cont, oid, daos.Epoch(i+1), key(i), iods, [][]byte{val}, vos.UpdateOptions{}); err != nil {
			return 0, 0, err
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	perValue := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(*restartN)
	dir := p.Dir()
	if err := p.Close(); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	q, err := vos.Open(ctx, dir)
	if err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	defer q.Close()
	res, err := q.Fetch(ctx, cont, oid, daos.EpochMax, key(*restartN-1), iods, vos.FetchOptions{})
	if err != nil {
		return 0, 0, err
	}
	if binary.LittleEndian.Uint64(res[0].Data) != uint64(*restartN-1) {
		return 0, 0, fmt.Errorf("after restart the last value reads %x", res[0].Data)
	}
	return took, perValue, nil
}
