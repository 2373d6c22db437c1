// Command e2ebench measures the data path end to end on this machine: a
// client process (this one) with an agent-signed credential connects to
// a pool on three daos_server processes (127.0.0.2-4, one engine of four
// targets each, RAM-directory SCM, file NVMe) and writes and reads
// through pkg/client, against raw loopback TCP measured in the same run
// (a stream copy and a request/response loop). Run by `ci/bench.sh e2e`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/trace"
	"slices"
	"sync"
	"time"

	"github.com/daos-go/daos/ci/benchutil"
	"github.com/daos-go/daos/ci/systest"
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/client/agentclient"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/rpc/selftest"
)

func main() {
	mib := flag.Int("mib", 256, "MiB written and read in the 1 MiB tests")
	ops := flag.Int("ops", 4000, "operations in the 4 KiB rate tests")
	lat := flag.Int("lat", 1000, "operations in the 4 KiB latency test")
	cpuProfile := flag.String("cpuprofile", "", "write the client's CPU profile to this file")
	traceFile := flag.String("trace", "", "write the client's execution trace of the 4 KiB latency test to this file (engines: DAOS_GO_ENGINE_TRACE)")
	metric := flag.String("metric", "", "word put in the ratio names (e2e_1m_write_WORD_vs_tcp), naming the fabric measured")
	serveRaw := flag.Bool("serve-raw", false, "only serve the raw TCP baseline, until standard input closes (the second process of the floor measurement)")
	flag.Parse()
	if *serveRaw {
		if err := rawServer(); err != nil {
			fmt.Fprintln(os.Stderr, "e2ebench:", err)
			os.Exit(1)
		}
		return
	}
	stopProfile := func() error { return nil }
	if *cpuProfile != "" {
		var err error
		if stopProfile, err = cmdutil.CPUProfileTo(*cpuProfile); err != nil {
			fmt.Fprintln(os.Stderr, "e2ebench:", err)
			os.Exit(1)
		}
	}
	err := run(*mib, *ops, *lat, *metric, *traceFile)
	if perr := stopProfile(); err == nil {
		err = perr
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2ebench:", err)
		os.Exit(1)
	}
}

const inflight = 16

func run(mib, ops, latOps int, metric, traceFile string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	bin, err := os.MkdirTemp("", "e2ebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bin)
	if err := systest.Build(ctx, bin); err != nil {
		return err
	}
	c, err := systest.NewTargets(bin, 3, 4)
	if err != nil {
		return err
	}
	defer c.Close()
	// Stop the servers cleanly first, so that engines end their runs as
	// they would in production (and write the CPU profiles a developer
	// may have asked for with DAOS_GO_ENGINE_CPUPROFILE).
	defer c.StopAll()
	if err := c.StartAll(ctx); err != nil {
		return err
	}
	written := int64(mib)<<20 + int64(ops+latOps)*4096
	if _, err := c.CreatePool(ctx, "-s", "1GiB", "-n", benchutil.NVMeSize(written, len(c.Servers)), "--nsvc", "3", "bench"); err != nil {
		return err
	}
	a, err := c.StartAgent(ctx)
	if err != nil {
		return err
	}
	defer a.Stop()
	pool, sess, err := benchutil.Connect(ctx, a.Socket, "bench")
	if err != nil {
		return fmt.Errorf("connect: %w\n%s", err, c.Logs())
	}
	defer sess.Close()
	if _, err := pool.CreateContainer(ctx, "bench", "POSIX", nil); err != nil {
		return err
	}
	cont, err := pool.OpenContainer(ctx, "bench", client.RW)
	if err != nil {
		return err
	}
	oid := func(lo uint64, class string) (*client.Object, error) {
		id, err := placement.GenerateOID(daos.ObjectID{Lo: lo}, placement.OTMultiHashed, placement.Name2ID(class), 0, pool.View.Map().Shape(0))
		if err != nil {
			return nil, err
		}
		return cont.Object(id)
	}
	big, err := oid(1, "SX")
	if err != nil {
		return err
	}
	small, err := oid(2, "SX")
	if err != nil {
		return err
	}

	raw, err := selftest.ServeRaw("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer raw.Close()

	type row struct {
		name        string
		ours, base  float64
		unit        string
		higherIsBad bool
	}
	var rows []row

	// 1 MiB array writes and reads: one akey of 1-byte records per dkey
	// (as DAOS arrays are stored), 16 in flight.
	const oneMiB = 1 << 20
	arr := func(i int) ([]byte, []daos.IOD) {
		return []byte(fmt.Sprint("chunk", i)), []daos.IOD{{Name: []byte("0"), Type: daos.IODArray, Size: 1, Recxs: []daos.Recx{{Idx: 0, Nr: oneMiB}}}}
	}
	bufs := make([][]byte, inflight)
	for i := range bufs {
		bufs[i] = make([]byte, oneMiB)
		for j := range bufs[i] {
			bufs[i][j] = byte(i + j)
		}
	}
	wsecs, err := benchutil.Parallel(ctx, mib, inflight, func(ctx context.Context, w, i int) error {
		dk, iods := arr(i)
		_, err := big.Update(ctx, dk, iods, [][]byte{bufs[w]}, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("1 MiB writes: %w", err)
	}
	rsecs, err := benchutil.Parallel(ctx, mib, inflight, func(ctx context.Context, w, i int) error {
		dk, iods := arr(i)
		_, err := big.Fetch(ctx, daos.EpochMax, dk, iods, [][]byte{bufs[w]}, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("1 MiB reads: %w", err)
	}
	stream, err := selftest.RawStream(ctx, raw.Addr(), oneMiB, mib)
	if err != nil {
		return err
	}
	mbps := func(secs float64, n int) float64 { return float64(n) * oneMiB / secs / 1e6 }
	rows = append(rows, row{"1 MiB array write, 16 in flight (MB/s)", mbps(wsecs, mib), stream.MBps, "MB/s", false},
		row{"1 MiB array read, 16 in flight (MB/s)", mbps(rsecs, mib), stream.MBps, "MB/s", false})

	// 4 KiB single values: update and fetch rates with 16 in flight.
	val := func(w int) []byte { return bufs[w][:4096] }
	one := []daos.IOD{{Name: []byte("v"), Type: daos.IODSingle, Size: 4096}}
	usecs, err := benchutil.Parallel(ctx, ops, inflight, func(ctx context.Context, w, i int) error {
		_, err := small.Update(ctx, []byte(fmt.Sprint("k", i)), one, [][]byte{val(w)}, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("4 KiB updates: %w", err)
	}
	fsecs, err := benchutil.Parallel(ctx, ops, inflight, func(ctx context.Context, w, i int) error {
		_, err := small.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("k", i)), one, [][]byte{val(w)}, 0)
		return err
	})
	if err != nil {
		return fmt.Errorf("4 KiB fetches: %w", err)
	}
	rawRate, err := rawPingRate(ctx, raw.Addr(), 4096, ops)
	if err != nil {
		return err
	}
	rows = append(rows, row{"4 KiB update, 16 in flight (ops/s)", float64(ops) / usecs, rawRate, "ops/s", false},
		row{"4 KiB fetch, 16 in flight (ops/s)", float64(ops) / fsecs, rawRate, "ops/s", false})

	// One 4 KiB update at a time: median latency.
	stopTrace := func() {}
	if traceFile != "" {
		stop, err := cmdutil.TraceTo(traceFile)
		if err != nil {
			return err
		}
		// Stopped after the loop; on an error in it, by the defer, so
		// that the file is whole either way.
		stopTrace = sync.OnceFunc(func() { _ = stop() })
		defer stopTrace()
	}
	var lats []time.Duration
	for i := 0; i < latOps; i++ {
		t0 := time.Now()
		region := trace.StartRegion(ctx, "update") // a no-op unless tracing
		_, err := small.Update(ctx, []byte(fmt.Sprint("lat", i%100)), one, [][]byte{val(0)}, 0)
		region.End()
		if err != nil {
			return err
		}
		lats = append(lats, time.Since(t0))
	}
	stopTrace()
	slices.Sort(lats)
	ping, err := selftest.RawPing(ctx, raw.Addr(), 4096, latOps)
	if err != nil {
		return err
	}
	rows = append(rows, row{"4 KiB update latency, median (µs)", float64(lats[len(lats)/2].Microseconds()), ping.P50US, "µs", true})
	// Diagnostics: a failure here is reported, and costs the run nothing
	// else.
	floors, err := latencyFloors(ctx, sess, latOps)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2ebench: latency floors not measured:", err)
	}

	fmt.Printf("%-42s %14s %14s %8s\n", "test", "daos-go", "raw TCP", "ratio")
	for _, r := range rows {
		fmt.Printf("%-42s %14.1f %14.1f %8.3f\n", r.name, r.ours, r.base, r.ours/r.base)
	}
	// Not goals: what a round trip between two processes costs before any
	// storage work, against the same in-process baseline.
	if len(floors) > 0 {
		fmt.Printf("\nfloors of the latency test (medians, µs; ratio over the raw TCP round trip above)\n")
	}
	for _, f := range floors {
		fmt.Printf("%-56s %14.1f %8.3f\n", f.name, f.us, f.us/rows[4].base)
	}
	if metric != "" {
		metric += "_"
	}
	fmt.Printf("\nratio e2e_1m_write_%svs_tcp %.3f\n", metric, rows[0].ours/rows[0].base)
	fmt.Printf("ratio e2e_1m_read_%svs_tcp %.3f\n", metric, rows[1].ours/rows[1].base)
	fmt.Printf("ratio e2e_4k_iops_%svs_tcp %.3f\n", metric, min(rows[2].ours, rows[3].ours)/rows[2].base)
	fmt.Printf("ratio e2e_4k_lat_%svs_tcp %.3f\n", metric, rows[4].ours/rows[4].base)
	_ = cont.Close(ctx)
	_ = pool.Disconnect(ctx)
	return nil
}

// floor is a diagnostic round trip of the latency test.
type floor struct {
	name string
	us   float64
}

// latencyFloors measures, one call at a time with 4 KiB each way, what a
// single update cannot go below here: a raw TCP round trip to a second
// process (the in-process baseline's server shares this process's
// threads, an engine never does), and the self-test echo RPC to each
// engine, which crosses the same client, fabric and engine code as an
// update without touching storage.
func latencyFloors(ctx context.Context, sess *agentclient.Session, reps int) ([]floor, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "-serve-raw")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the raw TCP server process: %w", err)
	}
	defer func() { _ = in.Close(); _ = cmd.Wait() }()
	got := make(chan string, 1)
	go func() {
		var addr string
		_, _ = fmt.Fscanln(out, &addr)
		got <- addr
		_, _ = io.Copy(io.Discard, out)
	}()
	var addr string
	select {
	case addr = <-got:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		return nil, errors.New("raw TCP server process: no address after 30 s")
	}
	if addr == "" {
		return nil, errors.New("raw TCP server process: exited without an address")
	}
	two, err := selftest.RawPing(ctx, addr, 4096, reps)
	if err != nil {
		return nil, err
	}
	var echo []float64
	for _, r := range sess.Info.GetRankUris() {
		to, err := fabric.ParseURI(r.GetUri())
		if err != nil {
			return nil, err
		}
		res, err := selftest.Ping(ctx, sess.EP, to, 4096, 1, max(reps/len(sess.Info.GetRankUris()), 1))
		if err != nil {
			return nil, fmt.Errorf("echo to rank %d: %w", r.GetRank(), err)
		}
		echo = append(echo, res.P50US)
	}
	slices.Sort(echo)
	return []floor{
		{"raw TCP 4 KiB round trip, server in a second process", two.P50US},
		{"4 KiB echo RPC to an engine (median over engines)", echo[len(echo)/2]},
	}, nil
}

// rawServer is the second process of latencyFloors: the raw TCP
// baseline's server, its address printed, until standard input closes.
func rawServer() error {
	raw, err := selftest.ServeRaw("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer raw.Close()
	fmt.Println(raw.Addr())
	_, err = io.Copy(io.Discard, os.Stdin)
	return err
}

// rawPingRate is the request/response rate of 16 plain connections.
func rawPingRate(ctx context.Context, addr string, size int64, n int) (float64, error) {
	var wg sync.WaitGroup
	errs := make([]error, inflight)
	start := time.Now()
	for w := 0; w < inflight; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[w] = selftest.RawPing(ctx, addr, size, n/inflight)
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return 0, e
		}
	}
	return float64(n/inflight*inflight) / time.Since(start).Seconds(), nil
}
