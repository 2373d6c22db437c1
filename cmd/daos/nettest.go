package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/ranklist"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rpc/selftest"
)

// netTestOpts are `daos health net-test`'s flags.
type netTestOpts struct {
	ranks, tags, sizes string
	inflight, reps     int
	bytes, verbose     bool
}

// maxPingBytes is the largest message sent as an RPC payload; larger
// sizes are bulk pulls, as a self-test's large messages go by bulk.
const maxPingBytes = 1 << 20

// netTestRow is one rank and size of `daos health net-test`.
type netTestRow struct {
	Rank uint32 `json:"rank"`
	selftest.Result
}

// netTestCommand is `daos health net-test`: RPC round trips (and, for
// sizes over 1 MiB, bulk pulls) from this client to each engine rank, as
// DAOS's runs CaRT's self-test, with latency percentiles and bandwidth.
func netTestCommand(g *globals) *cobra.Command {
	o := &netTestOpts{}
	cmd := &cobra.Command{
		Use:   "net-test",
		Short: "Measure RPC latency and bandwidth from this client to the engines",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sizes, err := selftest.ParseSizes(o.sizes)
			if err != nil {
				return daos.Errorf(daos.ErrInval, "--size %q: %v", o.sizes, err)
			}
			if o.inflight < 1 || o.inflight > 1024 {
				return daos.Errorf(daos.ErrInval, "--max-inflight %d: want 1 to 1024", o.inflight)
			}
			lim := selftest.EngineLimits
			for _, n := range sizes {
				if n > lim.MaxBulk {
					return daos.Errorf(daos.ErrInval, "--size %s: engines take at most %s", selftest.FormatSize(n), selftest.FormatSize(lim.MaxBulk))
				}
				// Bulk sizes: the engine refuses what its budget cannot
				// hold, and this client holds a buffer per call in flight.
				if n > maxPingBytes && n*int64(o.inflight) > lim.InFlightBytes {
					return daos.Errorf(daos.ErrInval, "--size %s with --max-inflight %d: engines take at most %s in flight",
						selftest.FormatSize(n), o.inflight, selftest.FormatSize(lim.InFlightBytes))
				}
			}
			if o.reps < 1 || o.reps > 1_000_000 {
				return daos.Errorf(daos.ErrInval, "--rep-count %d: want 1 to 1000000", o.reps)
			}
			want, err := ranklist.Parse(o.ranks)
			if err != nil {
				return daos.Errorf(daos.ErrInval, "--ranks %q: %v", o.ranks, err)
			}
			if err := checkTags(o.tags); err != nil {
				return err
			}
			var rows []netTestRow
			err = g.withAgent(cmd, func(ctx context.Context, s agentSession) error {
				ep := s.Endpoint()
				if ep == nil {
					return daos.Errorf(daos.ErrUninit, "net-test: the agent session has no fabric endpoint")
				}
				targets, err := netTestTargets(s, want)
				if err != nil {
					return err
				}
				for _, t := range targets {
					for _, n := range sizes {
						r, err := measureRank(ctx, ep, t.URI, n, o.inflight, o.reps)
						if err != nil {
							return fmt.Errorf("net-test of rank %d (%s), %s: %w", t.Rank, t.URI, selftest.FormatSize(n), err)
						}
						rows = append(rows, netTestRow{Rank: t.Rank, Result: r})
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			return cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}.Print(rows, func(w io.Writer) error {
				if o.verbose || g.verbose {
					return printNetTest(w, rows, o.bytes)
				}
				return printNetTest(w, worstRanks(rows), o.bytes)
			})
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.ranks, "ranks", "r", "", "engine ranks to test, e.g. 0-3,5 (default: all)")
	f.StringVarP(&o.tags, "tags", "t", "0", "endpoint tags to test (engines here serve one: 0)")
	f.StringVarP(&o.sizes, "size", "s", "0,4k,1m", "message sizes, comma-separated (over 1 MiB: bulk pulls)")
	f.IntVarP(&o.inflight, "max-inflight", "m", 16, "RPCs in flight per test")
	f.IntVarP(&o.reps, "rep-count", "c", 1000, "RPCs per rank and size")
	f.BoolVarP(&o.bytes, "bytes", "y", false, "show bandwidth in bytes (MB/s) instead of bits (Mbit/s)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "show every rank's results (default: the slowest rank of each test)")
	return cmd
}

// checkTags accepts the tags an engine here has: its one endpoint, 0.
func checkTags(s string) error {
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.ParseUint(f, 10, 32)
		if err != nil {
			return daos.Errorf(daos.ErrInval, "--tags %q: %q is not a tag number", s, f)
		}
		if n != 0 {
			return daos.Errorf(daos.ErrInval, "--tags %q: engines here serve one endpoint (tag 0), not %d per target", s, n)
		}
	}
	return nil
}

// netTestTargets is the ranks to test: those asked for (all when none
// were), each with its URI from the attach info.
func netTestTargets(s agentSession, want *ranklist.Set) ([]rankURI, error) {
	known := newSystemInfo(s.AttachInfo()).Ranks
	if want.Len() == 0 {
		if len(known) == 0 {
			return nil, daos.Errorf(daos.ErrNonexist, "net-test: the agent knows no engine ranks")
		}
		return known, nil
	}
	var out []rankURI
	for _, r := range want.Ranks() {
		found := false
		for _, k := range known {
			if k.Rank == r {
				out, found = append(out, k), true
				break
			}
		}
		if !found {
			return nil, daos.Errorf(daos.ErrNonexist, "net-test: rank %d is not in the system (ranks %s)", r, rankSet(known).RangedString())
		}
	}
	return out, nil
}

func rankSet(rs []rankURI) *ranklist.Set {
	ranks := make([]uint32, len(rs))
	for i, r := range rs {
		ranks[i] = r.Rank
	}
	return ranklist.Of(ranks...)
}

func measureRank(ctx context.Context, ep *rpc.Endpoint, uri string, size int64, inflight, reps int) (selftest.Result, error) {
	to, err := fabric.ParseURI(uri)
	if err != nil {
		return selftest.Result{}, err
	}
	if size > maxPingBytes {
		return selftest.Bulk(ctx, ep, to, rpc.ToServer, size, inflight, reps)
	}
	return selftest.Ping(ctx, ep, to, size, inflight, reps)
}

// worstRanks keeps, of each test and size, the row of the rank with the
// highest median latency: a health check is about the slowest path.
// The JSON reply always has every rank.
func worstRanks(rows []netTestRow) []netTestRow {
	type key struct {
		test string
		size int64
	}
	at := map[key]int{}
	var out []netTestRow
	for _, r := range rows {
		k := key{r.Test, r.Size}
		i, ok := at[k]
		switch {
		case !ok:
			at[k] = len(out)
			out = append(out, r)
		case r.P50US > out[i].P50US:
			out[i] = r
		}
	}
	return out
}

func printNetTest(w io.Writer, rows []netTestRow, bytes bool) error {
	unit, scale := "Mbit/s", 8.0
	if bytes {
		unit, scale = "MB/s", 1
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "rank\ttest\tsize\tinflight\tcalls\tp50 us\tp90 us\tp99 us\tmax us\t%s\t\n", unit)
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t\n", r.Rank, r.Test, selftest.FormatSize(r.Size),
			r.InFlight, r.Calls, r.P50US, r.P90US, r.P99US, r.MaxUS, r.MBps*scale)
	}
	return tw.Flush()
}
