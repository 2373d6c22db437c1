package telemetry

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// maxScrapeBytes bounds a scraped response.
const maxScrapeBytes = 64 << 20

// Metric is one sample of a family: its labels and value. Histograms and
// summaries give their count and sum, and buckets or quantiles.
type Metric struct {
	Labels    map[string]string  `json:"labels"`
	Value     float64            `json:"value"`
	Count     *uint64            `json:"sample_count,omitempty"`
	Sum       *float64           `json:"sample_sum,omitempty"`
	Buckets   map[string]uint64  `json:"buckets,omitempty"`
	Quantiles map[string]float64 `json:"quantiles,omitempty"`
}

// MetricSet is a metric family as dmg shows it.
type MetricSet struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Type        string    `json:"type"`
	Metrics     []*Metric `json:"metrics,omitempty"`
}

// Scrape reads the metrics at url (an http:// address of a /metrics
// endpoint), sorted by name.
func Scrape(ctx context.Context, client *http.Client, url string) ([]*MetricSet, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	req.Header.Set("Accept", string(expfmt.FmtText))
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("telemetry: get %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("telemetry: get %s: %s", url, resp.Status)
	}
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(io.LimitReader(resp.Body, maxScrapeBytes))
	if err != nil {
		return nil, fmt.Errorf("telemetry: parse %s: %w", url, err)
	}
	names := make([]string, 0, len(fams))
	for n := range fams {
		names = append(names, n)
	}
	sort.Strings(names)
	out := make([]*MetricSet, 0, len(names))
	for _, n := range names {
		out = append(out, convert(fams[n]))
	}
	return out, nil
}

func convert(f *dto.MetricFamily) *MetricSet {
	ms := &MetricSet{Name: f.GetName(), Description: f.GetHelp(), Type: typeName(f.GetType())}
	for _, m := range f.GetMetric() {
		out := &Metric{Labels: map[string]string{}}
		for _, l := range m.GetLabel() {
			out.Labels[l.GetName()] = l.GetValue()
		}
		switch {
		case m.Counter != nil:
			out.Value = m.GetCounter().GetValue()
		case m.Gauge != nil:
			out.Value = m.GetGauge().GetValue()
		case m.Untyped != nil:
			out.Value = m.GetUntyped().GetValue()
		case m.Histogram != nil:
			h := m.GetHistogram()
			c, s := h.GetSampleCount(), h.GetSampleSum()
			out.Count, out.Sum, out.Value = &c, &s, s
			out.Buckets = map[string]uint64{}
			for _, b := range h.GetBucket() {
				out.Buckets[fmt.Sprint(b.GetUpperBound())] = b.GetCumulativeCount()
			}
		case m.Summary != nil:
			sm := m.GetSummary()
			c, s := sm.GetSampleCount(), sm.GetSampleSum()
			out.Count, out.Sum, out.Value = &c, &s, s
			out.Quantiles = map[string]float64{}
			for _, q := range sm.GetQuantile() {
				out.Quantiles[fmt.Sprint(q.GetQuantile())] = q.GetValue()
			}
		}
		ms.Metrics = append(ms.Metrics, out)
	}
	return ms
}

func typeName(t dto.MetricType) string {
	switch t {
	case dto.MetricType_COUNTER:
		return "counter"
	case dto.MetricType_GAUGE:
		return "gauge"
	case dto.MetricType_HISTOGRAM:
		return "histogram"
	case dto.MetricType_SUMMARY:
		return "summary"
	default:
		return "untyped"
	}
}
