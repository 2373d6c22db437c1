package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/hostlist"
	"github.com/daos-go/daos/pkg/telemetry"
)

// metricSets is DAOS's JSON shape for telemetry metrics.
type metricSets struct {
	MetricSets []*telemetry.MetricSet `json:"metric_sets"`
}

func telemetryCommand(g *globals) *cobra.Command {
	tel := &cobra.Command{Use: "telemetry", Short: "Read the servers' telemetry"}
	metrics := &cobra.Command{Use: "metrics", Short: "List or query a server's Prometheus metrics"}
	metrics.AddCommand(metricsCommand(g, false), metricsCommand(g, true))
	tel.AddCommand(metrics)
	return tel
}

// metricsCommand is `telemetry metrics list` or, with query, `... query`.
func metricsCommand(g *globals, query bool) *cobra.Command {
	var (
		port  int
		host  string
		names string
	)
	use, short := "list", "List the metrics a server's telemetry endpoint offers"
	if query {
		use, short = "query", "Show the values of a server's metrics"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hosts := g.hostList
			if host != "" {
				if hosts != "" && hosts != host {
					return fmt.Errorf("telemetry metrics: host given twice (-l %s, --host %s): give it once", hosts, host)
				}
				hosts = host
			}
			url, err := metricsURL(hosts, port)
			if err != nil {
				return err
			}
			sets, err := telemetry.Scrape(cmd.Context(), &http.Client{Timeout: 30 * time.Second}, url)
			if err != nil {
				return err
			}
			if query {
				if sets, err = pick(sets, names); err != nil {
					return err
				}
			} else {
				for _, s := range sets {
					s.Metrics = nil
				}
			}
			p := cmdutil.Printer{JSON: &g.json, Out: cmd.OutOrStdout()}
			return p.Print(metricSets{MetricSets: sets}, func(w io.Writer) error {
				if query {
					return printValues(w, sets)
				}
				return printList(w, sets)
			})
		},
	}
	f := cmd.Flags()
	f.IntVarP(&port, "port", "p", config.DefaultTelemetryPort, "telemetry port")
	// DAOS spells it -l/--host; -l is the global host list here, which
	// takes the same single host.
	f.StringVar(&host, "host", "", "the server to ask (as -l)")
	if query {
		f.StringVarP(&names, "metrics", "m", "", "comma-separated metric names (default all)")
	}
	return cmd
}

// metricsURL is the endpoint of the one host in hosts at the telemetry
// port: a port written with the host is the control port other dmg
// commands take (-l host:10001), not the telemetry one.
func metricsURL(hosts string, port int) (string, error) {
	if hosts == "" {
		return "", errors.New("telemetry metrics: give the host with -l/--host")
	}
	if port <= 0 || port > 65535 {
		return "", fmt.Errorf("telemetry metrics: port %d: must be 1-65535", port)
	}
	addrs, err := hostlist.Addrs(hosts, port)
	if err != nil {
		return "", fmt.Errorf("telemetry metrics: %w", err)
	}
	if len(addrs) != 1 {
		return "", fmt.Errorf("telemetry metrics: give exactly one host, not %d", len(addrs))
	}
	host, _, err := net.SplitHostPort(addrs[0])
	if err != nil {
		return "", fmt.Errorf("telemetry metrics: %w", err)
	}
	return "http://" + net.JoinHostPort(host, strconv.Itoa(port)) + telemetry.MetricsPath, nil
}

// pick keeps the named sets, in the order asked; unknown names are an
// error.
func pick(sets []*telemetry.MetricSet, names string) ([]*telemetry.MetricSet, error) {
	if strings.TrimSpace(names) == "" {
		return sets, nil
	}
	byName := map[string]*telemetry.MetricSet{}
	for _, s := range sets {
		byName[s.Name] = s
	}
	var out []*telemetry.MetricSet
	var missing []string
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		if s, ok := byName[n]; ok {
			out = append(out, s)
		} else {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("telemetry metrics query: no such metrics: %s", strings.Join(missing, ", "))
	}
	return out, nil
}

func printList(w io.Writer, sets []*telemetry.MetricSet) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Metric Name\tType\tDescription")
	fmt.Fprintln(tw, "-----------\t----\t-----------")
	for _, s := range sets {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.Name, s.Type, s.Description)
	}
	return tw.Flush()
}

func printValues(w io.Writer, sets []*telemetry.MetricSet) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "Metric Name\tType\tLabels\tValue")
	fmt.Fprintln(tw, "-----------\t----\t------\t-----")
	for _, s := range sets {
		for _, m := range s.Metrics {
			val := strconv.FormatFloat(m.Value, 'g', -1, 64)
			if m.Count != nil {
				val = fmt.Sprintf("count %d, sum %s", *m.Count, strconv.FormatFloat(*m.Sum, 'g', -1, 64))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Type, labelText(m.Labels), val)
		}
	}
	return tw.Flush()
}

func labelText(l map[string]string) string {
	if len(l) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + l[k]
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
