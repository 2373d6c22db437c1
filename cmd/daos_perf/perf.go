package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/daos"
)

// object is what a run needs of an object: client.Object has it.
type object interface {
	Update(ctx context.Context, dkey []byte, iods []daos.IOD, data [][]byte, flags daos.CondFlags) (daos.Epoch, error)
	Fetch(ctx context.Context, epoch daos.Epoch, dkey []byte, iods []daos.IOD, bufs [][]byte, flags daos.CondFlags) ([]uint64, error)
}

// workload is what daos_perf's flags describe: every object holds dkeys
// dkeys of akeys akeys of records records of size bytes (single values
// under one akey per record, or array records of one akey).
type workload struct {
	dkeys, akeys, records int
	size                  int
	array                 bool
	credits               int // operations in flight
}

func (w workload) perObject() int { return w.dkeys * w.akeys * w.records }

// step is one operation of -R: U (update), F (fetch), V (fetch and
// verify); print says to print its line.
type step struct {
	op    byte
	print bool
}

// parseSteps reads -R: steps separated by spaces, each a letter U, F or V
// optionally followed by ";p" to print it, as DAOS's daos_perf writes
// them ("U;p F;p").
func parseSteps(s string) ([]step, error) {
	var out []step
	for _, f := range strings.Fields(s) {
		parts := strings.Split(f, ";")
		if len(parts[0]) != 1 || !strings.Contains("UFV", parts[0]) {
			return nil, fmt.Errorf("-R: %q: operations are U (update), F (fetch) and V (verify)", f)
		}
		st := step{op: parts[0][0]}
		for _, p := range parts[1:] {
			if p != "p" {
				return nil, fmt.Errorf("-R: %q: the only option of an operation is p (print)", f)
			}
			st.print = true
		}
		out = append(out, st)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("-R: no operation given")
	}
	return out, nil
}

// result is one step's figures.
type result struct {
	Op         string  `json:"operation"`
	Ops        int     `json:"ops"`
	Bytes      int64   `json:"bytes"`
	Seconds    float64 `json:"seconds"`
	MBps       float64 `json:"bandwidth_mb_s"`
	IOPS       float64 `json:"iops"`
	LatP50US   float64 `json:"latency_p50_us"`
	LatP99US   float64 `json:"latency_p99_us"`
	LatMaxUS   float64 `json:"latency_max_us"`
	print      bool
	Mismatches int `json:"mismatches,omitempty"`
}

var opNames = map[byte]string{'U': "update", 'F': "fetch", 'V': "verify"}

// ioAt is the i-th operation of a step: which object, dkey, akey and
// record, and its IOD.
func (w workload) ioAt(i int) (obj int, dkey []byte, iods []daos.IOD) {
	per := w.perObject()
	obj, i = i/per, i%per
	d, rest := i/(w.akeys*w.records), i%(w.akeys*w.records)
	a, r := rest/w.records, rest%w.records
	dkey = []byte(fmt.Sprintf("dkey_%d", d))
	if w.array {
		return obj, dkey, []daos.IOD{{Name: []byte(fmt.Sprintf("akey_%d", a)), Type: daos.IODArray, Size: uint64(w.size),
			Recxs: []daos.Recx{{Idx: uint64(r), Nr: 1}}}}
	}
	return obj, dkey, []daos.IOD{{Name: []byte(fmt.Sprintf("akey_%d_%d", a, r)), Type: daos.IODSingle, Size: uint64(w.size)}}
}

// fill writes operation i's value into b: a pattern a verify can check.
func fill(b []byte, i int) {
	var seed [8]byte
	binary.LittleEndian.PutUint64(seed[:], uint64(i)*0x9e3779b97f4a7c15+1)
	for j := 0; j < len(b); j += 8 {
		copy(b[j:], seed[:])
		seed[0]++
	}
}

// run does the steps over objs and reports each.
func run(ctx context.Context, w workload, objs []object, steps []step, out io.Writer) ([]result, error) {
	var results []result
	for _, st := range steps {
		r, err := runStep(ctx, w, objs, st.op)
		if err != nil {
			return results, fmt.Errorf("%s: %w", opNames[st.op], err)
		}
		r.print = st.print
		results = append(results, r)
	}
	printResults(out, results)
	for _, r := range results {
		if r.Mismatches > 0 {
			return results, fmt.Errorf("verify: %d of %d values read back differ from what was written", r.Mismatches, r.Ops)
		}
	}
	return results, nil
}

func runStep(ctx context.Context, w workload, objs []object, op byte) (result, error) {
	n := len(objs) * w.perObject()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var mismatches atomic.Int64
	errs := make([]error, w.credits)
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := time.Now()
	for c := 0; c < w.credits; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, w.size)
			want := make([]byte, w.size)
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				oi, dkey, iods := w.ioAt(i)
				t0 := time.Now()
				var err error
				switch op {
				case 'U':
					fill(buf, i)
					_, err = objs[oi].Update(ctx, dkey, iods, [][]byte{buf}, 0)
				default:
					var sizes []uint64
					sizes, err = objs[oi].Fetch(ctx, daos.EpochMax, dkey, iods, [][]byte{buf}, 0)
					if err == nil && op == 'V' {
						fill(want, i)
						if len(sizes) != 1 || !bytes.Equal(buf, want) {
							mismatches.Add(1)
						}
					}
				}
				lat[i] = time.Since(t0)
				if err != nil {
					errs[c] = fmt.Errorf("operation %d (dkey %s, akey %s): %w", i, dkey, iods[0].Name, err)
					cancel()
					return
				}
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	for _, err := range errs {
		if err != nil {
			return result{}, err
		}
	}
	slices.Sort(lat)
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	r := result{Op: opNames[op], Ops: n, Bytes: int64(n) * int64(w.size), Seconds: secs,
		Mismatches: int(mismatches.Load())}
	if n > 0 {
		r.LatP50US, r.LatP99US, r.LatMaxUS = us(lat[n/2]), us(lat[min(n-1, n*99/100)]), us(lat[n-1])
	}
	if secs > 0 {
		r.MBps = float64(r.Bytes) / secs / 1e6
		r.IOPS = float64(n) / secs
	}
	return r, nil
}

// printResults prints the steps asked to be printed as a table.
func printResults(out io.Writer, results []result) {
	fmt.Fprintf(out, "%-8s %10s %12s %10s %12s %12s %10s %10s %10s\n",
		"op", "ops", "MB", "seconds", "MB/s", "IOPS", "p50 µs", "p99 µs", "max µs")
	for _, r := range results {
		if !r.print {
			continue
		}
		fmt.Fprintf(out, "%-8s %10d %12.1f %10.3f %12.1f %12.0f %10.0f %10.0f %10.0f\n",
			r.Op, r.Ops, float64(r.Bytes)/1e6, r.Seconds, r.MBps, r.IOPS, r.LatP50US, r.LatP99US, r.LatMaxUS)
	}
}
