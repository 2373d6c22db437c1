// Command dfsbench measures DFS, the POSIX namespace of pkg/dfs, and
// dfuse on three daos_server processes (127.0.0.2-4, one engine of four
// targets each, RAM-directory SCM, file NVMe) against baselines measured
// in the same run on this machine:
//
//   - an mdtest-like metadata workload (create, stat, read, remove of
//     0-byte and 4 KiB files, all workers in one directory or each in its
//     own) through DFS in this process, through a dfuse mount with plain
//     system calls, and with the same system calls on a local directory
//     (tmpfs: /dev/shm by default) and on the FUSE floor, an in-memory
//     go-fuse filesystem in a process of its own (memfuse.go);
//   - an IOR-like bandwidth workload (1 MiB transfers, file per process
//     and one shared file) through DFS against a raw loopback TCP stream
//     of 1 MiB writes (the figure e2ebench and self_test compare with).
//
// Run by `ci/bench.sh dfs`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/daos-go/daos/ci/benchutil"
	"github.com/daos-go/daos/ci/systest"
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/dfs"
	"github.com/daos-go/daos/pkg/rpc/selftest"
)

const oneMiB = 1 << 20

type config struct {
	workers  int
	files    int // files per worker in each metadata variant
	mib      int // MiB per IOR-like test, split over the workers
	local    string
	noDfuse  bool
	cpuProf  string
	dfuseLog bool
	hold     bool
	noFloor  bool
	// localReps: the local baseline's phases last only tens of
	// milliseconds, so it runs this many times and its median counts.
	localReps int
}

func main() {
	var cfg config
	flag.IntVar(&cfg.workers, "workers", 16, "goroutines in flight (metadata and bandwidth tests)")
	flag.IntVar(&cfg.files, "files", 100, "files per worker in each metadata variant")
	flag.IntVar(&cfg.mib, "mib", 256, "MiB written and read in each bandwidth test")
	flag.StringVar(&cfg.local, "local", "/dev/shm", "directory of the local-filesystem baseline")
	flag.IntVar(&cfg.localReps, "local-reps", 5, "repetitions of the local baseline per variant (median taken)")
	flag.BoolVar(&cfg.noDfuse, "no-dfuse", false, "skip the dfuse side")
	flag.BoolVar(&cfg.dfuseLog, "dfuse-log", false, "print dfuse's output at the end")
	flag.StringVar(&cfg.cpuProf, "cpuprofile", "", "write this process's CPU profile (the DFS client) to this file")
	flag.BoolVar(&cfg.hold, "hold", false, "after the mounts, print where they are and wait for SIGINT instead of measuring (for profiling by hand)")
	flag.BoolVar(&cfg.noFloor, "no-floor", false, "skip the FUSE floor (an in-memory go-fuse filesystem) side")
	serveMem := flag.String("serve-memfuse", "", "internal: serve the FUSE floor filesystem on this directory")
	flag.Parse()
	if *serveMem != "" {
		if err := serveMemFUSE(*serveMem); err != nil {
			fmt.Fprintln(os.Stderr, "dfsbench:", err)
			os.Exit(1)
		}
		return
	}
	if cfg.workers <= 0 || cfg.files <= 0 || cfg.localReps <= 0 || cfg.mib < cfg.workers {
		fmt.Fprintln(os.Stderr, "dfsbench: -workers and -files must be positive and -mib at least -workers")
		os.Exit(2)
	}
	// A signal cancels the run so that the deferred cleanups (dfuse
	// unmount, servers, directories) still happen.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, cfg)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "dfsbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()
	bin, err := os.MkdirTemp("", "dfsbench-bin")
	if err != nil {
		return fmt.Errorf("make binary directory: %w", err)
	}
	defer os.RemoveAll(bin)
	if err := systest.Build(ctx, bin); err != nil {
		return err
	}
	c, err := systest.NewTargets(bin, 3, 4)
	if err != nil {
		return fmt.Errorf("configure cluster: %w", err)
	}
	defer c.Close()
	defer c.StopAll()
	if err := c.StartAll(ctx); err != nil {
		return err
	}
	// The bandwidth tests' two files and the 4 KiB files of two variants
	// on both sides (removed, but not reclaimed within the run).
	written := int64(2*cfg.mib)<<20 + int64(2*2*cfg.workers*cfg.files)*4096
	if _, err := c.CreatePool(ctx, "-s", "1GiB", "-n", benchutil.NVMeSize(written, len(c.Servers)), "--nsvc", "3", "bench"); err != nil {
		return err
	}
	a, err := c.StartAgent(ctx)
	if err != nil {
		return fmt.Errorf("start agent: %w", err)
	}
	defer a.Stop()
	pool, sess, err := benchutil.Connect(ctx, a.Socket, "bench")
	if err != nil {
		return fmt.Errorf("connect: %w\n%s", err, c.Logs())
	}
	defer sess.Close()
	defer pool.Disconnect(context.Background())

	// rd_fac 0: the default object classes would otherwise be replicated
	// ones, which DFS cannot do I/O on yet (Mount says ENOTSUP).
	cont, err := newPOSIX(ctx, pool, "dfs")
	if err != nil {
		return err
	}
	defer cont.Close(context.Background())
	fsys, err := dfs.Mount(ctx, cont, dfs.RDWR)
	if err != nil {
		return fmt.Errorf("mount DFS: %w", err)
	}
	defer fsys.Umount()

	local, err := os.MkdirTemp(cfg.local, "dfsbench-local")
	if err != nil {
		return fmt.Errorf("make local baseline directory: %w", err)
	}
	defer os.RemoveAll(local)

	// dfuse on a container of its own, so that its workload never meets
	// the in-process one.
	var fuse *dfuseProc
	skip := dfuseUnusable(cfg.noDfuse)
	if skip == "" {
		fc, err := newPOSIX(ctx, pool, "fuse")
		if err != nil {
			return err
		}
		_ = fc.Close(ctx) // formatted; dfuse opens it itself
		fuse, err = startDfuse(ctx, bin, filepath.Dir(a.Socket), "bench", "fuse")
		if err != nil {
			return err
		}
		defer func() {
			if err := fuse.stop(); err != nil {
				fmt.Fprintln(os.Stderr, "dfsbench:", err)
			}
			if cfg.dfuseLog {
				fmt.Fprintf(os.Stderr, "dfuse output:\n%s", fuse.log)
			}
		}()
	}

	// The FUSE floor needs what dfuse needs (root, /dev/fuse,
	// fusermount3), but not dfuse itself.
	var floor *memFUSE
	floorSkip := dfuseUnusable(false)
	if cfg.noFloor {
		floorSkip = "-no-floor given"
	}
	if floorSkip == "" {
		floor, err = startMemFUSE(ctx, os.TempDir())
		if err != nil {
			return err
		}
		defer func() {
			if err := floor.stop(); err != nil {
				fmt.Fprintln(os.Stderr, "dfsbench:", err)
			}
		}()
	}

	if cfg.cpuProf != "" {
		f, err := os.Create(cfg.cpuProf)
		if err != nil {
			return fmt.Errorf("create CPU profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("start CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}

	if cfg.hold {
		mnt, floorMnt := "(no dfuse)", "(no FUSE floor)"
		if fuse != nil {
			mnt = fuse.mnt
		}
		if floor != nil {
			floorMnt = floor.dir
		}
		fmt.Printf("holding: dfuse mount %s, FUSE floor mount %s, agent socket %s, pool bench, containers dfs and fuse; SIGINT ends\n",
			mnt, floorMnt, a.Socket)
		<-ctx.Done()
		return nil
	}

	sides := []mdFS{&osFS{root: local}, &dfsFS{fs: fsys}, skipSide{}, skipSide{}}
	if fuse != nil {
		sides[2] = &osFS{root: fuse.mnt}
	}
	if floor != nil {
		sides[3] = &osFS{root: floor.dir}
	}
	md, err := metadata(ctx, cfg, sides)
	if err != nil {
		return err
	}
	bw, err := bandwidth(ctx, cfg, fsys)
	if err != nil {
		return err
	}

	fmt.Printf("metadata (mdtest-like): %d workers, %d files each per variant; ops/s; local = %s (%s), median of %d repetitions\n",
		cfg.workers, cfg.files, cfg.local, fsType(cfg.local), cfg.localReps)
	fmt.Printf("%-16s %-7s %11s %11s %11s %11s %10s %12s %12s\n", "variant", "phase", "local", "DFS", "dfuse", "FUSE floor", "DFS/local", "dfuse/local", "floor/local")
	for _, r := range md {
		cell := func(s int) (string, string) {
			if r.rate[s] == 0 {
				return "-", "-"
			}
			return fmt.Sprintf("%.0f", r.rate[s]), fmt.Sprintf("%.3f", r.rate[s]/r.rate[0])
		}
		fu, fr := cell(2)
		mu, mr := cell(3)
		fmt.Printf("%-16s %-7s %11.0f %11.0f %11s %11s %10.3f %12s %12s\n", r.variant, r.phase, r.rate[0], r.rate[1], fu, mu, r.rate[1]/r.rate[0], fr, mr)
	}
	fmt.Println()
	fmt.Printf("bandwidth (IOR-like): %d workers, 1 MiB transfers, %d MiB per test; MB/s (10^6 B/s)\n", cfg.workers, cfg.mib)
	fmt.Printf("%-34s %11s %11s %8s\n", "test", "DFS", "raw TCP", "ratio")
	for _, r := range bw.rows {
		fmt.Printf("%-34s %11.1f %11.1f %8.3f\n", r.name, r.mbps, bw.tcp, r.mbps/bw.tcp)
	}
	fmt.Println()
	// The headline create figure is the geometric mean over the four
	// create variants, so that neither file size nor layout alone
	// decides it.
	fmt.Println("create ratios below: geometric mean over the four create variants (0 B and 4 KiB, one dir and many)")
	if fuse == nil {
		fmt.Printf("dfuse skipped: %s\n", skip)
	}
	if floor == nil {
		fmt.Printf("FUSE floor skipped: %s\n", floorSkip)
	} else {
		// Not a goal: the bound the kernel's FUSE round trips and go-fuse
		// put on a filesystem mounted as dfuse is, dfuse included.
		fmt.Printf("FUSE floor (in-memory go-fuse filesystem) creates over tmpfs: %.3f\n", createRatio(md, 3))
	}
	fmt.Printf("ratio dfs_create_vs_tmpfs %.3f\n", createRatio(md, 1))
	if fuse != nil {
		fmt.Printf("ratio dfuse_create_vs_tmpfs %.3f\n", createRatio(md, 2))
	}
	fmt.Printf("ratio dfs_1m_write_vs_tcp %.3f\n", bw.rows[0].mbps/bw.tcp)
	return nil
}

// newPOSIX creates a POSIX container with rd_fac 0, formats its DFS
// namespace and returns it open read-write.
func newPOSIX(ctx context.Context, pool *client.Pool, label string) (*client.Container, error) {
	if _, err := pool.CreateContainer(ctx, label, "POSIX", map[string]string{"rd_fac": "0"}); err != nil {
		return nil, fmt.Errorf("create container %s: %w", label, err)
	}
	cont, err := pool.OpenContainer(ctx, label, client.RW)
	if err != nil {
		return nil, fmt.Errorf("open container %s: %w", label, err)
	}
	if err := dfs.Format(ctx, cont, dfs.Attr{}); err != nil {
		_ = cont.Close(ctx)
		return nil, fmt.Errorf("format container %s: %w", label, err)
	}
	return cont, nil
}

// fsType names the file system of dir, so the table says what the local
// baseline really was.
func fsType(dir string) string {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return "unknown"
	}
	switch st.Type {
	case 0x01021994:
		return "tmpfs"
	case 0xEF53:
		return "ext4"
	case 0x794c7630:
		return "overlayfs"
	case 0x58465342:
		return "xfs"
	}
	return fmt.Sprintf("fs type %#x", st.Type)
}

// ---- metadata ----

// mdFS is one side of the metadata test.
type mdFS interface {
	// mkdir makes directory path (slash-separated, under the side's
	// root) and returns it.
	mkdir(ctx context.Context, path string) (mdDir, error)
	// rmdir removes an empty directory made by mkdir.
	rmdir(ctx context.Context, path string) error
}

// mdDir is a directory the workers create files in.
type mdDir interface {
	create(ctx context.Context, name string, data []byte) error
	stat(ctx context.Context, name string) error
	read(ctx context.Context, name string, buf []byte) error
	remove(ctx context.Context, name string) error
	close() error
}

// skipSide stands for a side that is not measured in this run.
type skipSide struct{}

func (skipSide) mkdir(context.Context, string) (mdDir, error) { return nil, errors.ErrUnsupported }
func (skipSide) rmdir(context.Context, string) error          { return errors.ErrUnsupported }

// osFS does plain system calls below root: a local directory, the dfuse
// mount or the FUSE floor's.
type osFS struct{ root string }

type osDir string

func (f *osFS) mkdir(_ context.Context, path string) (mdDir, error) {
	p := filepath.Join(f.root, path)
	if err := os.Mkdir(p, 0o755); err != nil {
		return nil, err
	}
	return osDir(p), nil
}

func (f *osFS) rmdir(_ context.Context, path string) error {
	return os.Remove(filepath.Join(f.root, path))
}

func (d osDir) create(_ context.Context, name string, data []byte) error {
	fh, err := os.OpenFile(filepath.Join(string(d), name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if len(data) > 0 {
		if _, err := fh.Write(data); err != nil {
			fh.Close()
			return err
		}
	}
	return fh.Close()
}

func (d osDir) stat(_ context.Context, name string) error {
	_, err := os.Lstat(filepath.Join(string(d), name))
	return err
}

func (d osDir) read(_ context.Context, name string, buf []byte) error {
	fh, err := os.Open(filepath.Join(string(d), name))
	if err != nil {
		return err
	}
	defer fh.Close()
	if len(buf) > 0 {
		if _, err := io.ReadFull(fh, buf); err != nil {
			return err
		}
	}
	return nil
}

func (d osDir) remove(_ context.Context, name string) error {
	return os.Remove(filepath.Join(string(d), name))
}

func (d osDir) close() error { return nil }

// dfsFS calls pkg/dfs in this process.
type dfsFS struct{ fs *dfs.FS }

type dfsDir struct {
	fs  *dfs.FS
	obj *dfs.Obj
}

func (f *dfsFS) mkdir(ctx context.Context, path string) (mdDir, error) {
	parent, name := filepath.Split("/" + path)
	var p *dfs.Obj
	if parent != "/" {
		var err error
		if p, err = f.fs.Lookup(ctx, strings.TrimSuffix(parent, "/"), dfs.RDWR); err != nil {
			return nil, err
		}
		defer p.Release()
	}
	if err := f.fs.Mkdir(ctx, p, name, 0o755, 0); err != nil {
		return nil, err
	}
	o, err := f.fs.Lookup(ctx, "/"+path, dfs.RDWR)
	if err != nil {
		return nil, err
	}
	return &dfsDir{fs: f.fs, obj: o}, nil
}

func (f *dfsFS) rmdir(ctx context.Context, path string) error {
	parent, name := filepath.Split("/" + path)
	var p *dfs.Obj
	if parent != "/" {
		var err error
		if p, err = f.fs.Lookup(ctx, strings.TrimSuffix(parent, "/"), dfs.RDWR); err != nil {
			return err
		}
		defer p.Release()
	}
	_, err := f.fs.Remove(ctx, p, name, false)
	return err
}

func (d *dfsDir) create(ctx context.Context, name string, data []byte) error {
	o, err := d.fs.Open(ctx, d.obj, name, syscall.S_IFREG|0o644, syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL, 0, 0, "")
	if err != nil {
		return err
	}
	if len(data) > 0 {
		if err := d.fs.Write(ctx, o, [][]byte{data}, 0); err != nil {
			o.Release()
			return err
		}
	}
	return o.Release()
}

func (d *dfsDir) stat(ctx context.Context, name string) error {
	_, err := d.fs.Stat(ctx, d.obj, name)
	return err
}

func (d *dfsDir) read(ctx context.Context, name string, buf []byte) error {
	o, err := d.fs.Open(ctx, d.obj, name, syscall.S_IFREG, syscall.O_RDONLY, 0, 0, "")
	if err != nil {
		return err
	}
	defer o.Release()
	if len(buf) > 0 {
		n, err := d.fs.Read(ctx, o, [][]byte{buf}, 0)
		if err != nil {
			return err
		}
		if n != uint64(len(buf)) {
			return fmt.Errorf("read %s: %d bytes, want %d", name, n, len(buf))
		}
	}
	return nil
}

func (d *dfsDir) remove(ctx context.Context, name string) error {
	_, err := d.fs.Remove(ctx, d.obj, name, false)
	return err
}

func (d *dfsDir) close() error { return d.obj.Release() }

// mdRow is one phase of one variant: ops/s per side.
type mdRow struct {
	variant, phase string
	size           int
	rate           [4]float64 // local, DFS, dfuse, FUSE floor; 0 when skipped
}

var phases = []string{"create", "stat", "read", "remove"}

// metadata runs every variant on every side, the sides one after the
// other within a variant so that drift over the run hits them alike.
func metadata(ctx context.Context, cfg config, sides []mdFS) ([]mdRow, error) {
	var rows []mdRow
	for _, size := range []int{0, 4096} {
		for _, many := range []bool{false, true} {
			variant := fmt.Sprintf("%d B, one dir", size)
			if size == 4096 {
				variant = "4 KiB, one dir"
			}
			if many {
				variant = strings.Replace(variant, "one dir", "many dirs", 1)
			}
			vr := make([]mdRow, len(phases))
			for p := range phases {
				vr[p] = mdRow{variant: variant, phase: phases[p], size: size}
			}
			for s, side := range sides {
				if _, skip := side.(skipSide); skip {
					continue
				}
				reps := 1
				if s == 0 {
					reps = cfg.localReps
				}
				all := make([][]float64, len(phases))
				for range reps {
					rates, err := mdVariant(ctx, cfg, side, size, many)
					if err != nil {
						return nil, fmt.Errorf("metadata %s on side %d: %w", variant, s, err)
					}
					for p := range phases {
						all[p] = append(all[p], rates[p])
					}
				}
				for p := range phases {
					slices.Sort(all[p])
					vr[p].rate[s] = all[p][len(all[p])/2]
				}
			}
			rows = append(rows, vr...)
		}
	}
	return rows, nil
}

// mdVariant makes the variant's directories, times each phase over all
// workers (worker w handles its own files, in a directory of its own when
// many) and removes the directories again; it returns ops/s per phase.
func mdVariant(ctx context.Context, cfg config, side mdFS, size int, many bool) ([]float64, error) {
	top := fmt.Sprintf("md-%d-%v", size, many)
	if _, err := side.mkdir(ctx, top); err != nil {
		return nil, fmt.Errorf("mkdir %s: %w", top, err)
	}
	dirs := make([]mdDir, cfg.workers)
	var names []string
	if many {
		for w := range dirs {
			n := fmt.Sprintf("%s/d%d", top, w)
			d, err := side.mkdir(ctx, n)
			if err != nil {
				return nil, fmt.Errorf("mkdir %s: %w", n, err)
			}
			dirs[w], names = d, append(names, n)
		}
	} else {
		n := top + "/shared"
		d, err := side.mkdir(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("mkdir %s: %w", n, err)
		}
		for w := range dirs {
			dirs[w] = d
		}
		names = append(names, n)
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i)
	}
	bufs := make([][]byte, cfg.workers)
	for w := range bufs {
		bufs[w] = make([]byte, size)
	}
	rates := make([]float64, len(phases))
	for p, phase := range phases {
		secs, err := perWorker(ctx, cfg.workers, func(ctx context.Context, w int) error {
			d := dirs[w]
			for i := 0; i < cfg.files; i++ {
				name := fmt.Sprintf("f.%d.%d", w, i)
				var err error
				switch phase {
				case "create":
					err = d.create(ctx, name, data)
				case "stat":
					err = d.stat(ctx, name)
				case "read":
					err = d.read(ctx, name, bufs[w])
				case "remove":
					err = d.remove(ctx, name)
				}
				if err != nil {
					return fmt.Errorf("%s %s: %w", phase, name, err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		rates[p] = float64(cfg.workers*cfg.files) / secs
	}
	// Untimed cleanup: the directories are empty after the remove phase.
	if !many {
		dirs = dirs[:1]
	}
	for _, d := range dirs {
		_ = d.close()
	}
	for _, n := range append(names, top) {
		if err := side.rmdir(ctx, n); err != nil {
			return nil, fmt.Errorf("rmdir %s: %w", n, err)
		}
	}
	return rates, nil
}

// perWorker runs fn on n goroutines at once and returns the wall-clock
// seconds until the last one finished; the first error is returned.
func perWorker(ctx context.Context, n int, fn func(ctx context.Context, w int) error) (float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < n; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if errs[w] = fn(ctx, w); errs[w] != nil {
				cancel() // the others stop at their next DFS call
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	return secs, errors.Join(errs...)
}

// createRatio is the geometric mean over the create rows of side s's
// rate over the local one.
func createRatio(rows []mdRow, s int) float64 {
	sum, n := 0.0, 0
	for _, r := range rows {
		if r.phase == "create" {
			sum += math.Log(r.rate[s] / r.rate[0])
			n++
		}
	}
	return math.Exp(sum / float64(n))
}

// ---- bandwidth ----

type bwRow struct {
	name string
	mbps float64
}

type bwResult struct {
	rows []bwRow // first: file-per-process write, the headline
	tcp  float64
}

// bandwidth writes and reads cfg.mib MiB in 1 MiB transfers through DFS
// with a file per worker and with one shared file (worker w owning the
// w-th contiguous block, as IOR lays out segments), then measures the
// raw TCP stream.
func bandwidth(ctx context.Context, cfg config, fsys *dfs.FS) (*bwResult, error) {
	per := cfg.mib / cfg.workers
	total := per * cfg.workers
	if err := fsys.Mkdir(ctx, nil, "ior", 0o755, 0); err != nil {
		return nil, fmt.Errorf("mkdir /ior: %w", err)
	}
	dir, err := fsys.Lookup(ctx, "/ior", dfs.RDWR)
	if err != nil {
		return nil, fmt.Errorf("lookup /ior: %w", err)
	}
	defer dir.Release()
	bufs := make([][]byte, cfg.workers)
	for w := range bufs {
		bufs[w] = make([]byte, oneMiB)
		for j := range bufs[w] {
			bufs[w][j] = byte(w + j)
		}
	}
	open := func(ctx context.Context, name string, flags int) (*dfs.Obj, error) {
		o, err := fsys.Open(ctx, dir, name, syscall.S_IFREG|0o644, flags, 0, 0, "")
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", name, err)
		}
		return o, nil
	}
	xfer := func(ctx context.Context, o *dfs.Obj, buf []byte, off uint64, write bool) error {
		if write {
			return fsys.Write(ctx, o, [][]byte{buf}, off)
		}
		n, err := fsys.Read(ctx, o, [][]byte{buf}, off)
		if err == nil && n != oneMiB {
			err = fmt.Errorf("short read at %d: %d bytes", off, n)
		}
		return err
	}
	mbps := func(secs float64) float64 { return float64(total) * oneMiB / secs / 1e6 }
	res := &bwResult{}

	// File per process: create (and open) is inside the timing, as IOR
	// times its open phase with the transfers when -C is not given.
	for _, write := range []bool{true, false} {
		secs, err := perWorker(ctx, cfg.workers, func(ctx context.Context, w int) error {
			flags := syscall.O_RDONLY
			if write {
				flags = syscall.O_RDWR | syscall.O_CREAT | syscall.O_EXCL
			}
			o, err := open(ctx, fmt.Sprintf("fpp.%d", w), flags)
			if err != nil {
				return err
			}
			defer o.Release()
			for i := 0; i < per; i++ {
				if err := xfer(ctx, o, bufs[w], uint64(i)*oneMiB, write); err != nil {
					return fmt.Errorf("file per process %d: %w", w, err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		name := "1 MiB file per process, read"
		if write {
			name = "1 MiB file per process, write"
		}
		res.rows = append(res.rows, bwRow{name, mbps(secs)})
	}

	shared, err := open(ctx, "shared", syscall.O_RDWR|syscall.O_CREAT|syscall.O_EXCL)
	if err != nil {
		return nil, err
	}
	defer shared.Release()
	for _, write := range []bool{true, false} {
		secs, err := perWorker(ctx, cfg.workers, func(ctx context.Context, w int) error {
			for i := 0; i < per; i++ {
				if err := xfer(ctx, shared, bufs[w], uint64(w*per+i)*oneMiB, write); err != nil {
					return fmt.Errorf("shared file, worker %d: %w", w, err)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		name := "1 MiB shared file, read"
		if write {
			name = "1 MiB shared file, write"
		}
		res.rows = append(res.rows, bwRow{name, mbps(secs)})
	}

	raw, err := selftest.ServeRaw("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	stream, err := selftest.RawStream(ctx, raw.Addr(), oneMiB, total)
	if err != nil {
		return nil, fmt.Errorf("raw TCP stream: %w", err)
	}
	res.tcp = stream.MBps
	return res, nil
}

// ---- dfuse ----

// dfuseUnusable says why dfuse cannot run here ("" when it can).
func dfuseUnusable(off bool) string {
	switch {
	case off:
		return "-no-dfuse given"
	case os.Geteuid() != 0:
		return fmt.Sprintf("FUSE mounts here need root, and this runs as uid %d", os.Geteuid())
	}
	if _, err := os.Stat("/dev/fuse"); err != nil {
		return fmt.Sprintf("/dev/fuse is not available (%v)", err)
	}
	if _, err := exec.LookPath("fusermount3"); err != nil {
		return "fusermount3 is not installed (Debian package fuse3)"
	}
	return ""
}

// dfuseProc is the running dfuse.
type dfuseProc struct {
	mnt    string
	cmd    *exec.Cmd
	log    *systest.Buffer
	exited chan struct{}
}

// startDfuse builds dfuse into bin, mounts pool/cont on a new directory
// and waits until the mount is live.
func startDfuse(ctx context.Context, bin, agentDir, pool, cont string) (*dfuseProc, error) {
	exe := filepath.Join(bin, "dfuse")
	if out, err := exec.CommandContext(ctx, "go", "build", "-tags", os.Getenv(systest.BuildTagsEnv), "-o", exe, "github.com/daos-go/daos/cmd/dfuse").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build dfuse: %w\n%s", err, out)
	}
	// Not under bin: removing bin while something were still mounted
	// would descend into the container.
	mnt, err := os.MkdirTemp("", "dfsbench-mnt")
	if err != nil {
		return nil, fmt.Errorf("make mount point: %w", err)
	}
	p := &dfuseProc{mnt: mnt, log: &systest.Buffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(exe, "-m", mnt, "--pool", pool, "--cont", cont, "--foreground")
	p.cmd.Env = append(os.Environ(), "DAOS_AGENT_DRPC_DIR="+agentDir)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		os.Remove(mnt)
		return nil, fmt.Errorf("start dfuse: %w", err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	deadline := time.After(time.Minute)
	for !systest.Mounted(mnt) {
		select {
		case <-p.exited:
			_ = p.stop()
			return nil, fmt.Errorf("dfuse exited before mounting: %v\n%s", p.cmd.ProcessState, p.log)
		case <-deadline:
			_ = p.stop()
			return nil, fmt.Errorf("dfuse did not mount %s within a minute\n%s", mnt, p.log)
		case <-ctx.Done():
			_ = p.stop()
			return nil, fmt.Errorf("waiting for dfuse to mount: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return p, nil
}

// stop unmounts (dfuse then exits by itself), falls back to a lazy
// unmount and SIGKILL, and removes the mount point once nothing is
// mounted on it.
func (p *dfuseProc) stop() error {
	if systest.Mounted(p.mnt) {
		_ = exec.Command("fusermount3", "-u", p.mnt).Run()
	}
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = exec.Command("fusermount3", "-uz", p.mnt).Run()
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	if systest.Mounted(p.mnt) {
		_ = exec.Command("fusermount3", "-uz", p.mnt).Run()
	}
	if systest.Mounted(p.mnt) {
		return fmt.Errorf("%s is still mounted; left in place", p.mnt)
	}
	if err := os.Remove(p.mnt); err != nil {
		return fmt.Errorf("remove mount point: %w", err)
	}
	return nil
}
