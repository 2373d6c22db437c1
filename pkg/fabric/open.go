package fabric

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Open starts an endpoint for cfg.Provider with the first of drivers that
// serves it. When no driver serves the provider, or the one that does
// cannot offer it here, the error names the provider and lists what is
// available, and wraps ErrUnavailable.
func Open(ctx context.Context, cfg Config, drivers []Driver, h Handler) (Endpoint, error) {
	if h == nil {
		return nil, errors.New("open fabric endpoint: nil message handler")
	}
	p, err := ParseProvider(cfg.Provider)
	if err != nil {
		return nil, fmt.Errorf("open fabric endpoint: %w", err)
	}
	for _, d := range drivers {
		if !d.Serves(p) {
			continue
		}
		have, err := d.Providers()
		if err != nil {
			return nil, fmt.Errorf("open fabric endpoint: provider %q (driver %s): %w: %v; available: %s",
				cfg.Provider, d.Name(), ErrUnavailable, err, available(drivers))
		}
		if !contains(have, p.String()) {
			return nil, fmt.Errorf("open fabric endpoint: provider %q is not offered on this host by driver %s: %w; available: %s",
				cfg.Provider, d.Name(), ErrUnavailable, available(drivers))
		}
		ep, err := d.Open(ctx, cfg, h)
		if err != nil {
			return nil, fmt.Errorf("open fabric endpoint (%s on %q port %d): %w", p, cfg.Interface, cfg.Port, err)
		}
		return ep, nil
	}
	return nil, fmt.Errorf("open fabric endpoint: provider %q is not built in: %w; available: %s",
		cfg.Provider, ErrUnavailable, available(drivers))
}

// Available lists every provider the drivers offer here, sorted.
func Available(drivers []Driver) []string {
	var all []string
	for _, d := range drivers {
		ps, err := d.Providers()
		if err != nil {
			continue
		}
		for _, p := range ps {
			if !contains(all, p) {
				all = append(all, p)
			}
		}
	}
	sort.Strings(all)
	return all
}

func available(drivers []Driver) string {
	all := Available(drivers)
	if len(all) == 0 {
		return "none"
	}
	return strings.Join(all, ", ")
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
