// Command benchratio reads `go test -bench` output, prints a table of the
// median of each benchmark's runs, and prints one `ratio METRIC VALUE` line
// per pair of implementations it was asked to compare (ours over the
// baseline, both measured in the same run).
//
// A pair is METRIC=BENCH:OURS:BASE; it compares BENCH/impl=OURS with
// BENCH/impl=BASE on MB/s (higher is better), or on ns/op inverted when the
// benchmark reports no throughput.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

type sample struct{ nsPerOp, mbPerS float64 }

// results maps a benchmark name (without the -GOMAXPROCS suffix) to its runs.
type results map[string][]sample

var line = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) MB/s)?`)

func parse(r io.Reader) (results, []string, error) {
	res := results{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		ns, err := strconv.ParseFloat(m[2], 64)
		if err != nil {
			return nil, nil, fmt.Errorf("parse ns/op in %q: %w", sc.Text(), err)
		}
		var mb float64
		if m[3] != "" {
			if mb, err = strconv.ParseFloat(m[3], 64); err != nil {
				return nil, nil, fmt.Errorf("parse MB/s in %q: %w", sc.Text(), err)
			}
		}
		if _, ok := res[m[1]]; !ok {
			order = append(order, m[1])
		}
		res[m[1]] = append(res[m[1]], sample{ns, mb})
	}
	return res, order, sc.Err()
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (r results) medians(name string) (ns, mb float64, ok bool) {
	runs, ok := r[name]
	if !ok {
		return 0, 0, false
	}
	var nss, mbs []float64
	for _, s := range runs {
		nss = append(nss, s.nsPerOp)
		mbs = append(mbs, s.mbPerS)
	}
	return median(nss), median(mbs), true
}

type pair struct{ metric, bench, ours, base string }

func parsePair(s string) (pair, error) {
	metric, rest, ok := strings.Cut(s, "=")
	parts := strings.Split(rest, ":")
	if !ok || metric == "" || len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return pair{}, fmt.Errorf("pair %q: want METRIC=BENCH:OURS:BASE", s)
	}
	return pair{metric, parts[0], parts[1], parts[2]}, nil
}

// ratio is ours over base: throughput when both report it, else the
// inverse of time per op, so above 1 always means ours is faster.
func (r results) ratio(p pair) (float64, error) {
	oNs, oMB, ok1 := r.medians(p.bench + "/impl=" + p.ours)
	bNs, bMB, ok2 := r.medians(p.bench + "/impl=" + p.base)
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("metric %s: %s/impl=%s or /impl=%s did not run (skipped or failed?)", p.metric, p.bench, p.ours, p.base)
	}
	if oMB > 0 && bMB > 0 {
		return oMB / bMB, nil
	}
	if oNs <= 0 {
		return 0, fmt.Errorf("metric %s: zero time per op", p.metric)
	}
	return bNs / oNs, nil
}

func writeTable(w io.Writer, r results, order []string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "benchmark\truns\tns/op (median)\tMB/s (median)\t")
	for _, name := range order {
		ns, mb, _ := r.medians(name)
		mbText := "-"
		if mb > 0 {
			mbText = fmt.Sprintf("%.0f", mb)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t\n", name, len(r[name]), ns, mbText)
	}
	return tw.Flush()
}

type pairFlags []pair

func (p *pairFlags) String() string { return fmt.Sprint(*p) }
func (p *pairFlags) Set(s string) error {
	v, err := parsePair(s)
	if err != nil {
		return err
	}
	*p = append(*p, v)
	return nil
}

func run(args []string, in io.Reader, out, errOut io.Writer) int {
	fs := flag.NewFlagSet("benchratio", flag.ContinueOnError)
	fs.SetOutput(errOut)
	var pairs pairFlags
	fs.Var(&pairs, "pair", "METRIC=BENCH:OURS:BASE (repeatable)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	r, order, err := parse(in)
	if err == nil && len(r) == 0 {
		err = errors.New("no benchmark results in the input")
	}
	if err != nil {
		fmt.Fprintf(errOut, "benchratio: %v\n", err)
		return 1
	}
	if err := writeTable(out, r, order); err != nil {
		fmt.Fprintf(errOut, "benchratio: %v\n", err)
		return 1
	}
	fmt.Fprintln(out)
	code := 0
	for _, p := range pairs {
		v, err := r.ratio(p)
		if err != nil {
			fmt.Fprintf(errOut, "benchratio: %v\n", err)
			code = 1
			continue
		}
		fmt.Fprintf(out, "ratio %s %.3f\n", p.metric, v)
	}
	return code
}

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }
