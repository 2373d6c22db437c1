package selftest

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// Plan says what to measure.
type Plan struct {
	// MessageSizes are the ping payloads, each way.
	MessageSizes []int64
	// BulkSizes are the bulk transfer sizes.
	BulkSizes []int64
	// InFlight lists the numbers of calls kept outstanding.
	InFlight []int
	// Reps is the number of pings per size and round.
	Reps int
	// BulkBytes is the data moved per bulk test and round; each test makes
	// at least 4 transfers and at most Reps.
	BulkBytes int64
	// Rounds repeats everything, ours and baseline alternating, and each
	// figure is the median over rounds (this class of machine drifts).
	Rounds int
	// RawAddr, when set, is a RawServer to measure the baselines against.
	RawAddr string
	// Push adds bulk push tests (the server writes the caller's memory).
	Push bool
}

// Ratio is one headline comparison with the baseline of the same run.
type Ratio struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"value"`
	// Meaning says how to read Value.
	Meaning string `json:"meaning"`
}

// Report is what Execute measured.
type Report struct {
	Rounds  int      `json:"rounds"`
	Results []Result `json:"results"`
	Ratios  []Ratio  `json:"ratios"`
}

func bulkReps(p Plan, size int64) int {
	return max(4, int(min(p.BulkBytes/max(size, 1), int64(p.Reps))))
}

// Execute runs the plan against the echo service at to.
func Execute(ctx context.Context, ep *rpc.Endpoint, to fabric.URI, p Plan) (Report, error) {
	rounds := max(p.Rounds, 1)
	type key struct {
		test     string
		size     int64
		inflight int
	}
	var order []key
	runs := map[key][]Result{}
	add := func(r Result) {
		k := key{r.Test, r.Size, r.InFlight}
		if _, ok := runs[k]; !ok {
			order = append(order, k)
		}
		runs[k] = append(runs[k], r)
	}
	for round := 0; round < rounds; round++ {
		for _, size := range p.MessageSizes {
			if p.RawAddr != "" && size > 0 {
				r, err := RawPing(ctx, p.RawAddr, size, p.Reps)
				if err != nil {
					return Report{}, err
				}
				add(r)
			}
			for _, n := range p.InFlight {
				r, err := Ping(ctx, ep, to, size, n, p.Reps)
				if err != nil {
					return Report{}, err
				}
				add(r)
			}
		}
		for _, size := range p.BulkSizes {
			reps := bulkReps(p, size)
			if p.RawAddr != "" {
				r, err := RawStream(ctx, p.RawAddr, size, reps)
				if err != nil {
					return Report{}, err
				}
				add(r)
				// The same stream through as many buffers as calls in
				// flight, to tell the memory's share of their gap.
				for _, n := range p.InFlight {
					if n <= 1 || n > maxSpreadBuffers || size*int64(n) > MaxBulk {
						continue
					}
					r, err := RawStreamSpread(ctx, p.RawAddr, size, reps, n)
					if err != nil {
						return Report{}, err
					}
					add(r)
				}
			}
			dirs := []rpc.BulkDir{rpc.ToServer}
			if p.Push {
				dirs = append(dirs, rpc.FromServer)
			}
			for _, dir := range dirs {
				for _, n := range p.InFlight {
					r, err := Bulk(ctx, ep, to, dir, size, n, reps)
					if err != nil {
						return Report{}, err
					}
					add(r)
				}
			}
		}
	}
	rep := Report{Rounds: rounds}
	for _, k := range order {
		rep.Results = append(rep.Results, medianResult(runs[k]))
	}
	rep.Ratios = ratios(rep.Results, ratioInfix(to.Provider))
	return rep, nil
}

// medianResult takes each field's median over rounds.
func medianResult(rs []Result) Result {
	out := rs[0]
	med := func(f func(Result) float64) float64 {
		xs := make([]float64, len(rs))
		for i, r := range rs {
			xs[i] = f(r)
		}
		sort.Float64s(xs)
		if n := len(xs); n%2 == 0 {
			return (xs[n/2-1] + xs[n/2]) / 2
		}
		return xs[len(xs)/2]
	}
	out.MinUS = med(func(r Result) float64 { return r.MinUS })
	out.P50US = med(func(r Result) float64 { return r.P50US })
	out.P90US = med(func(r Result) float64 { return r.P90US })
	out.P99US = med(func(r Result) float64 { return r.P99US })
	out.MaxUS = med(func(r Result) float64 { return r.MaxUS })
	out.MBps = med(func(r Result) float64 { return r.MBps })
	return out
}

// ratioInfix names the provider in ratio metrics: "" for the pure-Go tcp
// provider (rpc_rtt_vs_tcp), "_ofi" for libfabric ones (rpc_rtt_ofi_vs_tcp).
func ratioInfix(p fabric.Provider) string {
	if p.OFI {
		return "_ofi"
	}
	return ""
}

// ratios compares the headline figures with their baselines, when both
// were measured: 64-byte round trips and 1 MiB transfers. The two
// required headline ratios come last. infix goes before "_vs_tcp".
func ratios(rs []Result, infix string) []Ratio {
	find := func(test string, size int64, inflight int) *Result {
		for i := range rs {
			if rs[i].Test == test && rs[i].Size == size && rs[i].InFlight == inflight {
				return &rs[i]
			}
		}
		return nil
	}
	var out, last []Ratio
	rawPing, ping := find("raw tcp ping", 64, 1), find("rpc ping", 64, 1)
	if rawPing != nil && ping != nil && rawPing.P50US > 0 && rawPing.P99US > 0 {
		out = append(out, Ratio{"rpc_rtt_p99" + infix + "_vs_tcp", ping.P99US / rawPing.P99US, "99th percentile 64-byte round trip over raw TCP's; lower is better"})
		last = append(last, Ratio{"rpc_rtt" + infix + "_vs_tcp", ping.P50US / rawPing.P50US, "median 64-byte round trip over raw TCP's; lower is better"})
	}
	stream := find("raw tcp stream", 1<<20, 1)
	if stream != nil && stream.MBps > 0 {
		if b := find("bulk pull", 1<<20, 16); b != nil {
			// Not a goal: the raw stream through 16 buffers, as ours
			// touches, says how much of the goal's gap is the memory's.
			if spread := find("raw tcp stream", 1<<20, 16); spread != nil && spread.MBps > 0 {
				out = append(out, Ratio{"bulk_bw_16" + infix + "_vs_tcp_16buf", b.MBps / spread.MBps, "1 MiB bulk bandwidth with 16 calls in flight over a raw TCP stream's through 16 buffers per side (diagnostic, not a goal); higher is better"})
			}
			out = append(out, Ratio{"bulk_bw_16" + infix + "_vs_tcp", b.MBps / stream.MBps, "1 MiB bulk bandwidth with 16 calls in flight over a raw TCP stream's; higher is better"})
		}
		if b := find("bulk pull", 1<<20, 1); b != nil {
			last = append(last, Ratio{"bulk_bw" + infix + "_vs_tcp", b.MBps / stream.MBps, "1 MiB bulk bandwidth, one call at a time, over a raw TCP stream's; higher is better"})
		}
	}
	return append(out, last...)
}

// WriteTable prints the results as a table, then one "ratio METRIC VALUE"
// line per ratio.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "test\tsize\tinflight\tcalls\tmin us\tp50 us\tp90 us\tp99 us\tmax us\tMB/s\t")
	for _, x := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.0f\t\n",
			x.Test, FormatSize(x.Size), x.InFlight, x.Calls, x.MinUS, x.P50US, x.P90US, x.P99US, x.MaxUS, x.MBps)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Ratios) > 0 {
		fmt.Fprintln(w)
	}
	for _, x := range r.Ratios {
		if _, err := fmt.Fprintf(w, "ratio %s %.3f\n", x.Metric, x.Value); err != nil {
			return err
		}
	}
	return nil
}

// ParseSizes reads a list such as "0,64,4k,1m" (k, m, g are powers of 1024).
func ParseSizes(s string) ([]int64, error) {
	var out []int64
	for _, f := range strings.Split(s, ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		if f == "" {
			continue
		}
		mult := int64(1)
		switch {
		case strings.HasSuffix(f, "k"):
			mult, f = 1<<10, strings.TrimSuffix(f, "k")
		case strings.HasSuffix(f, "m"):
			mult, f = 1<<20, strings.TrimSuffix(f, "m")
		case strings.HasSuffix(f, "g"):
			mult, f = 1<<30, strings.TrimSuffix(f, "g")
		}
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("size %q: want a number of bytes with an optional k, m or g", f)
		}
		out = append(out, n*mult)
	}
	return out, nil
}

// FormatSize prints a size the way ParseSizes reads it, with units.
func FormatSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
