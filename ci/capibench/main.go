// Command capibench measures what the C API costs over the Go client: a
// C program linked against libdaos (c/capibench.c: one event queue, 16
// events in flight) and pkg/client (this program re-run with -go-side:
// 16 goroutines) do the same object I/O on the same three-server cluster
// (127.0.0.2-4, one engine of four targets each), each side a fresh
// process per round, in alternating rounds because the machine is shared
// and noisy. Run by `ci/bench.sh capi`.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/daos-go/daos/ci/benchutil"
	"github.com/daos-go/daos/ci/systest"
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// inflight is the queue depth of both sides.
const inflight = 16

const oneMiB = 1 << 20

// phases, in the order both sides run them: the fetches read back what
// the updates wrote.
var phases = []string{"update4k", "fetch4k", "write1m", "read1m"}

func main() {
	ops := flag.Int("ops", 6000, "4 KiB operations per phase, side and round")
	mib := flag.Int("mib", 256, "MiB written and read per side and round in the 1 MiB phases")
	rounds := flag.Int("rounds", 7, "rounds; each runs every side once, the order rotating")
	goEvents := flag.Bool("go-events", false, "also run the Go client through its event queue, as the C program uses libdaos's")
	events := flag.Bool("events", false, "internal: with -go-side, drive the operations through an event queue")
	spin := flag.Bool("spin", false, "the C program polls without waiting (to attribute its cost; applications wait)")
	goSide := flag.String("go-side", "", "internal: run the Go client side against the agent at this socket and print its phases")
	lo := flag.Uint64("lo", 0, "internal: with -go-side, the first object's oid.lo")
	flag.Parse()
	run := func() error { return run(*ops, *mib, *rounds, *spin, *goEvents) }
	if *goSide != "" {
		run = func() error { return goClient(*goSide, *lo, *ops, *mib, *events) }
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "capibench:", err)
		os.Exit(1)
	}
}

// result is one side's figures in one round, by phase: the rate (ops/s
// for the 4 KiB phases, MB/s for the 1 MiB ones) and the client process's
// CPU time per operation, in µs.
type result map[string]figures

type figures struct{ rate, cpuUS float64 }

func rate(phase string, n int, secs float64) float64 {
	if strings.HasSuffix(phase, "1m") {
		return float64(n) * oneMiB / secs / 1e6
	}
	return float64(n) / secs
}

func run(ops, mib, rounds int, spin, goEvents bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin, err := os.MkdirTemp("", "capibench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	t0 := time.Now()
	if err := systest.Build(ctx, bin); err != nil {
		return err
	}
	libdir := filepath.Join(bin, "lib64")
	inc, err := systest.BuildLibdaos(ctx, libdir)
	if err != nil {
		return err
	}
	// Compiled and linked as an application would be: our headers,
	// -ldaos, nothing of the Go side.
	cbench := filepath.Join(bin, "capibench")
	src := filepath.Join(filepath.Dir(filepath.Dir(inc)), "ci", "capibench", "c", "capibench.c")
	if out, err := exec.CommandContext(ctx, "gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
		"-I", inc, "-o", cbench, src, "-L", libdir, "-Wl,-rpath,"+libdir, "-ldaos").CombinedOutput(); err != nil {
		return fmt.Errorf("compile %s: %v\n%s", src, err, out)
	}

	fmt.Printf("built the binaries, libdaos and the C program in %.1f s\n", time.Since(t0).Seconds())
	t0 = time.Now()

	c, err := systest.NewTargets(bin, 3, 4)
	if err != nil {
		return err
	}
	defer c.Close()
	defer c.StopAll()
	if err := c.StartAll(ctx); err != nil {
		return err
	}
	// Every side of every round writes new objects (nothing is
	// overwritten or reclaimed), so the pool's NVMe must hold all of it.
	nsides := 2
	if goEvents {
		nsides = 3
	}
	written := int64(rounds*nsides) * (int64(mib)<<20 + int64(ops)*4096)
	if _, err := c.CreatePool(ctx, "-s", "1GiB", "-n", benchutil.NVMeSize(written, len(c.Servers)), "--nsvc", "3", "bench"); err != nil {
		return err
	}
	a, err := c.StartAgent(ctx)
	if err != nil {
		return err
	}
	defer a.Stop()
	env := append(os.Environ(), "DAOS_AGENT_DRPC_DIR="+filepath.Dir(a.Socket))
	mk := exec.CommandContext(ctx, filepath.Join(bin, "daos"), "container", "create", "bench", "capi")
	mk.Env = env
	if out, err := mk.CombinedOutput(); err != nil {
		return fmt.Errorf("container create: %v\n%s", err, out)
	}
	fmt.Printf("cluster, pool and container ready in %.1f s\n", time.Since(t0).Seconds())

	cflags := []string{"-p", "bench", "-c", "capi", "-n", strconv.Itoa(ops), "-m", strconv.Itoa(mib), "-q", strconv.Itoa(inflight)}
	if spin {
		cflags = append(cflags, "-s")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// The sides: the C program and the Go client, and with -go-events the
	// Go client driven as the C program drives libdaos (pkg/client's
	// event queue, one goroutine polling), which separates the cost of
	// the event machinery from that of crossing the C ABI.
	type sideRun struct {
		name string
		prog string
		args func(lo uint64) []string
		res  []result
	}
	goArgs := func(extra ...string) func(lo uint64) []string {
		return func(lo uint64) []string {
			return slices.Concat([]string{"-go-side", a.Socket, "-lo", strconv.FormatUint(lo, 10),
				"-ops", strconv.Itoa(ops), "-mib", strconv.Itoa(mib)}, extra)
		}
	}
	sides := []*sideRun{
		{name: "C", prog: cbench, args: func(lo uint64) []string {
			return slices.Concat(cflags, []string{"-o", strconv.FormatUint(lo, 10)})
		}},
		{name: "Go", prog: self, args: goArgs()},
	}
	if goEvents {
		sides = append(sides, &sideRun{name: "Go-events", prog: self, args: goArgs("-events")})
	}
	for r := 0; r < rounds; r++ {
		t0 = time.Now()
		// Rotate which side goes first, so that none always runs on the
		// emptier (or the warmer) system.
		for k := range sides {
			i := (k + r) % len(sides)
			sd := sides[i]
			// Every run writes fresh objects, so that no side overwrites
			// what another (or an earlier round) wrote.
			lo := uint64(100 + 2*(r*len(sides)+i))
			senv := env
			if sd.name == "C" {
				senv = append(slices.Clone(env), strings.Fields(os.Getenv("CAPIBENCH_C_ENV"))...)
			}
			res, err := side(ctx, sd.name, senv, lo, sd.prog, sd.args(lo)...)
			if err != nil {
				return fmt.Errorf("round %d: %w\n%s", r+1, err, c.Logs())
			}
			sd.res = append(sd.res, res)
		}
		fmt.Printf("round %d (%.1f s):", r+1, time.Since(t0).Seconds())
		for _, p := range phases {
			fmt.Printf("  %s", p)
			for _, sd := range sides {
				fmt.Printf(" %s %.0f", sd.name, sd.res[r][p].rate)
			}
		}
		fmt.Println()
	}

	median := func(rs []result, p string, cpu bool) float64 {
		var v []float64
		for _, r := range rs {
			if cpu {
				v = append(v, r[p].cpuUS)
			} else {
				v = append(v, r[p].rate)
			}
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	labels := map[string]string{
		"update4k": "4 KiB update, 16 in flight (ops/s)",
		"fetch4k":  "4 KiB fetch, 16 in flight (ops/s)",
		"write1m":  "1 MiB array write, 16 in flight (MB/s)",
		"read1m":   "1 MiB array read, 16 in flight (MB/s)",
	}
	fmt.Printf("\nmedian of %d rounds; rates, then the client process's CPU time per operation\n", rounds)
	fmt.Printf("%-46s %12s %12s %8s", "test", "C API", "Go client", "ratio")
	if goEvents {
		fmt.Printf(" %12s %8s", "Go events", "C/Go ev")
	}
	fmt.Println()
	ratio := map[string]float64{}
	for _, cpu := range []bool{false, true} {
		for _, p := range phases {
			cm, gm := median(sides[0].res, p, cpu), median(sides[1].res, p, cpu)
			label := labels[p]
			if cpu {
				label = labels[p][:strings.Index(labels[p], "(")] + "(CPU µs/op)"
			} else {
				ratio[p] = cm / gm
			}
			// Pad by runes, not bytes: "µ" is two bytes.
			fmt.Printf("%s%*s %12.1f %12.1f %8.3f", label, 46-utf8.RuneCountInString(label), "", cm, gm, cm/gm)
			if goEvents {
				em := median(sides[2].res, p, cpu)
				fmt.Printf(" %12.1f %8.3f", em, cm/em)
			}
			fmt.Println()
		}
	}
	fmt.Printf("\nratio capi_4k_iops_vs_go %.3f\n", ratio["update4k"])
	fmt.Printf("ratio capi_1m_bw_vs_go %.3f\n", ratio["write1m"])
	return nil
}

// side runs one side's process once (the C program, or this program
// with -go-side: both sides are fresh processes that attach through the
// agent, connect and open the container before they start their clocks)
// and parses its `PHASE COUNT SECONDS` lines. CAPIBENCH_PERF=DIR records
// each process with `perf record -g` into DIR: the Go core inside the C
// program is a c-shared library that cannot start pprof without being
// changed, and perf sees the C code, the Go core and the kernel alike.
// CAPIBENCH_SYSCALLS=DIR counts each process's writes, reads, futex calls,
// nanosleeps (the Go runtime's monitor) and context switches with `perf
// stat` into DIR instead.
// CAPIBENCH_C_ENV="K=V ..." adds variables to the C side's environment
// only (GOGC, GOMAXPROCS or GODEBUG for the Go core inside libdaos, say).
func side(ctx context.Context, what string, env []string, lo uint64, prog string, args ...string) (result, error) {
	name := prog
	if dir := os.Getenv("CAPIBENCH_PERF"); dir != "" {
		ev := "cpu-clock"
		if e := os.Getenv("CAPIBENCH_PERF_EVENT"); e != "" {
			ev = e // a tracepoint, say, to see who makes a system call
		}
		args = append([]string{"record", "-e", ev, "-g", "-q", "-o", filepath.Join(dir, fmt.Sprintf("%s-%d.perf.data", what, lo)), "--", prog}, args...)
		name = "perf"
	} else if dir := os.Getenv("CAPIBENCH_SYSCALLS"); dir != "" {
		// Counts of the system calls and switches that separate the
		// clients (writes, reads, futex wake-ups and sleeps, the
		// runtime monitor's naps).
		args = append([]string{"stat", "-x,", "-o", filepath.Join(dir, fmt.Sprintf("%s-%d.stat", what, lo)),
			"-e", "syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_read,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_nanosleep,context-switches",
			"--", prog}, args...)
		name = "perf"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s side: %v\n%s%s", what, err, out, stderr.String())
	}
	res := result{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var p string
		var n int
		var secs, cpu float64
		if _, err := fmt.Sscanf(sc.Text(), "%s %d %f %f", &p, &n, &secs, &cpu); err != nil {
			return nil, fmt.Errorf("%s side: unexpected line %q", what, sc.Text())
		}
		res[p] = figures{rate(p, n, secs), cpu / float64(n) * 1e6}
	}
	for _, p := range phases {
		if _, ok := res[p]; !ok {
			return nil, fmt.Errorf("%s side: no %s figure in\n%s", what, p, out)
		}
	}
	return res, nil
}

// goClient is the Go side's process: it attaches through the agent at
// sock, connects to pool "bench", opens container "capi" and does what
// the C program does with pkg/client: the same objects (two SX objects
// from lo and lo+1), keys, sizes, bytes and depth, printing the same
// lines.
func goClient(sock string, lo uint64, ops, mib int, events bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pool, sess, err := benchutil.Connect(ctx, sock, "bench")
	if err != nil {
		return err
	}
	defer sess.Close()
	defer pool.Disconnect(ctx)
	cont, err := pool.OpenContainer(ctx, "capi", client.RW)
	if err != nil {
		return err
	}
	defer cont.Close(ctx)
	open := func(lo uint64) (*client.Object, error) {
		id, err := placement.GenerateOID(daos.ObjectID{Lo: lo}, placement.OTMultiHashed, placement.Name2ID("SX"), 0, pool.View.Map().Shape(0))
		if err != nil {
			return nil, err
		}
		return cont.Object(id)
	}
	small, err := open(lo)
	if err != nil {
		return err
	}
	big, err := open(lo + 1)
	if err != nil {
		return err
	}
	bufs := make([][]byte, inflight)
	for i := range bufs {
		bufs[i] = make([]byte, oneMiB)
		for j := range bufs[i] {
			bufs[i][j] = byte(i + j)
		}
	}
	single := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 4096}}
	array := []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: oneMiB}}}}
	work := map[string]func(ctx context.Context, w, i int) error{
		"update4k": func(ctx context.Context, w, i int) error {
			_, err := small.Update(ctx, []byte(fmt.Sprint("k", i)), single, [][]byte{bufs[w][:4096]}, 0)
			return err
		},
		"fetch4k": func(ctx context.Context, w, i int) error {
			_, err := small.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("k", i)), single, [][]byte{bufs[w][:4096]}, 0)
			return err
		},
		"write1m": func(ctx context.Context, w, i int) error {
			_, err := big.Update(ctx, []byte(fmt.Sprint("chunk", i)), array, [][]byte{bufs[w]}, 0)
			return err
		},
		"read1m": func(ctx context.Context, w, i int) error {
			_, err := big.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("chunk", i)), array, [][]byte{bufs[w]}, 0)
			return err
		},
	}
	for _, p := range phases {
		n := ops
		if strings.HasSuffix(p, "1m") {
			n = mib
		}
		run := func(ctx context.Context, n int, op func(ctx context.Context, worker, i int) error) (float64, error) {
			return benchutil.Parallel(ctx, n, inflight, op)
		}
		if events {
			run = withEvents
		}
		cpu0 := cpuTime()
		secs, err := run(ctx, n, work[p])
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		fmt.Printf("%s %d %.6f %.6f\n", p, n, secs, cpuTime()-cpu0)
	}
	return nil
}

// cpuTime is the process's CPU time so far, in seconds, as the C
// program measures its own (getrusage).
func cpuTime() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// withEvents runs operations 0..n-1 as the C program does: inflight
// events on one event queue, each launched again as soon as a poll
// returns it; the operation's worker index is its event's.
func withEvents(ctx context.Context, n int, op func(ctx context.Context, worker, i int) error) (float64, error) {
	eq := client.NewEQ()
	defer eq.Destroy(true)
	evs := make([]*client.Event, inflight)
	slot := map[*client.Event]int{}
	for w := range evs {
		ev, err := client.NewEvent(eq)
		if err != nil {
			return 0, err
		}
		evs[w], slot[ev] = ev, w
	}
	start := time.Now()
	next, running := 0, 0
	launch := func(w int) error {
		i := next
		next++
		running++
		return evs[w].Launch(ctx, func(ctx context.Context) error { return op(ctx, w, i) })
	}
	for w := 0; w < inflight && next < n; w++ {
		if err := launch(w); err != nil {
			return 0, err
		}
	}
	done := make([]*client.Event, inflight)
	for running > 0 {
		got, err := eq.Poll(ctx, true, client.EQWait, done)
		if err != nil {
			return 0, err
		}
		for _, ev := range done[:got] {
			running--
			if err := ev.Err(); err != nil {
				return 0, err
			}
			if next < n {
				if err := launch(slot[ev]); err != nil {
					return 0, err
				}
			}
		}
	}
	return time.Since(start).Seconds(), nil
}
