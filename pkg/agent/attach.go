package agent

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/hardware"
)

// SystemQuerier is the part of the control-plane client the agent uses to
// learn the system's engines. *ctlclient.Client satisfies it.
type SystemQuerier interface {
	HostSystemQuery(ctx context.Context) []ctlclient.HostResult[*ctlpb.HostSystemQueryResp]
}

// NetScanner finds this node's fabric interfaces when daos_agent.yml has
// no fabric_ifaces. hardware.NetworkScanner satisfies it.
type NetScanner interface {
	Scan(ctx context.Context, provider string) (*hardware.NetworkScan, error)
}

// RankURI is one engine's fabric address.
type RankURI struct {
	Rank uint32
	URI  string
}

// SystemInfo is what the agent learns from the servers.
type SystemInfo struct {
	System   string
	Provider string
	Ranks    []RankURI
}

// fetchSystemInfo asks the access points for their engines.
//
// The management service's GetAttachInfo does not exist yet, so this uses
// each host's HostSystemQuery instead. That reply carries no rank numbers:
// ranks are numbered here in (host, engine index) order, which is only
// right until the management service assigns ranks. Replace this with
// GetAttachInfo once the service exists.
func fetchSystemInfo(ctx context.Context, q SystemQuerier, system string) (*SystemInfo, error) {
	results := q.HostSystemQuery(ctx)
	info := &SystemInfo{System: system}
	var errs []error
	answered := false
	for _, r := range results {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", r.Host, r.Err))
			continue
		}
		if r.Resp == nil {
			errs = append(errs, fmt.Errorf("%s: empty reply", r.Host))
			continue
		}
		if r.Resp.System != "" && r.Resp.System != system {
			errs = append(errs, fmt.Errorf("%s: belongs to system %q, not %q", r.Host, r.Resp.System, system))
			continue
		}
		answered = true
		engines := append([]*ctlpb.EngineState(nil), r.Resp.Engines...)
		sort.Slice(engines, func(i, j int) bool { return engines[i].Index < engines[j].Index })
		for _, e := range engines {
			if e.FabricUri == "" {
				continue // not started: no address yet
			}
			if info.Provider == "" {
				info.Provider = providerOf(e.FabricUri)
			}
			info.Ranks = append(info.Ranks, RankURI{Rank: uint32(len(info.Ranks)), URI: e.FabricUri})
		}
	}
	if !answered {
		if len(errs) == 0 {
			return nil, errors.New("query system: no access points")
		}
		return nil, fmt.Errorf("query system: no access point answered: %w", errors.Join(errs...))
	}
	if len(info.Ranks) == 0 {
		return nil, fmt.Errorf("query system %q: no engine has a fabric address yet", system)
	}
	return info, nil
}

// providerOf is the provider part of a fabric URI ("ofi+tcp://a:1").
func providerOf(uri string) string {
	p, _, ok := strings.Cut(uri, "://")
	if !ok {
		return ""
	}
	return p
}

// attachCache keeps the last SystemInfo for ttl (0: for ever). Concurrent
// callers on a miss share one fetch.
type attachCache struct {
	fetch func(ctx context.Context) (*SystemInfo, error)
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	info    *SystemInfo
	fetched time.Time
}

func (c *attachCache) get(ctx context.Context) (*SystemInfo, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.info != nil && (c.ttl == 0 || c.now().Sub(c.fetched) < c.ttl) {
		return c.info, nil
	}
	info, err := c.fetch(ctx)
	if err != nil {
		return nil, err
	}
	c.info, c.fetched = info, c.now()
	return info, nil
}
