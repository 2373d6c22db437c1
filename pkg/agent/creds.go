package agent

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/drpc"
)

// MaxCredentialCache bounds credential_config.cache_expiration. Servers
// refuse credentials stamped more than auth.DefaultMaxCredentialAge ago,
// and a cached credential keeps the stamp it was signed with; handing one
// out for at most half that age leaves the client the other half to use
// it (and room for clock skew) before servers refuse it.
const MaxCredentialCache = auth.DefaultMaxCredentialAge / 2

// maxCachedCreds bounds the credential cache; past it, expired entries
// are dropped, then all of them. Only distinct local identities fill it.
const maxCachedCreds = 4096

// credCache keeps signed credentials by identity (uid, gid, names and
// groups) for ttl, which saves a signature (RSA with the agent's
// certificate key) per process start. The identity is still looked up on
// every request, so a changed group membership is never served from the
// cache: it makes a new key.
type credCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]cachedCred
}

type cachedCred struct {
	cred    *agentpb.Credential
	expires time.Time
}

// credCacheTTL is how long credentials are kept: cache_expiration,
// capped at MaxCredentialCache; capped reports that the cap applied.
func credCacheTTL(cfg *config.Agent) (ttl time.Duration, capped bool, err error) {
	ttl, err = cfg.Credentials.CredentialCacheExpiration()
	if err != nil {
		return 0, false, fmt.Errorf("credential_config.cache_expiration: %w", err)
	}
	if ttl > MaxCredentialCache {
		return MaxCredentialCache, true, nil
	}
	return ttl, false, nil
}

// identityKey names what a credential asserts, everything but its stamp:
// two requests with the same key may share a credential.
func identityKey(sys *agentpb.Sys) string {
	id := proto.Clone(sys).(*agentpb.Sys)
	id.Stamp = 0
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(id)
	return string(b)
}

// get returns a cached credential for sys's identity, or signs one with
// sign and keeps it.
func (c *credCache) get(sys *agentpb.Sys, sign func() (*agentpb.Credential, error)) (*agentpb.Credential, error) {
	if c == nil || c.ttl <= 0 {
		return sign()
	}
	key := identityKey(sys)
	now := c.now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.expires) {
		return e.cred, nil
	}
	cred, err := sign()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = make(map[string]cachedCred)
	}
	if len(c.entries) >= maxCachedCreds {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		if len(c.entries) >= maxCachedCreds {
			clear(c.entries)
		}
	}
	c.entries[key] = cachedCred{cred: cred, expires: now.Add(c.ttl)}
	return cred, nil
}

// mappedIdentity fills a credential from a client_user_map entry, for a
// uid with no passwd entry here. The ids stay the peer's own (from the
// socket): the map only names them. Supplementary gids are unknown, so
// only the mapped group names are given.
func (a *Agent) mappedIdentity(p drpc.PeerCred, m config.MappedUser) (*agentpb.Sys, error) {
	group := m.Group
	if group == "" {
		g, err := a.deps.LookupGroup(fmt.Sprint(p.GID))
		if err != nil {
			return nil, fmt.Errorf("uid %d is mapped to %q by client_user_map, whose entry names no group, and gid %d: %w",
				p.UID, m.User, p.GID, err)
		}
		group = g.Name
	}
	sys := &agentpb.Sys{
		Stamp:       uint64(a.deps.Now().Unix()),
		Machinename: a.deps.Hostname,
		User:        principal(m.User),
		Group:       principal(group),
		Uid:         p.UID,
		Gid:         p.GID,
	}
	seen := map[string]bool{sys.Group: true}
	for _, g := range m.Groups {
		if n := principal(g); !seen[n] {
			seen[n] = true
			sys.Groups = append(sys.Groups, n)
		}
	}
	return sys, nil
}

// principal spells a user or group name as DAOS's credentials do, with
// one trailing '@'.
func principal(name string) string {
	return strings.TrimRight(name, "@") + "@"
}

// Notices are remarks about keys of cfg that this build accepts but
// cannot act on yet; daos_agent logs them at start.
func Notices(cfg *config.Agent) []string {
	var out []string
	if cfg.DisableAutoEvict || cfg.EvictOnStart {
		out = append(out, "disable_auto_evict and enable_evict_on_start concern pool handles, which clients of this build cannot open yet; they take effect once pools exist")
	}
	if cfg.TelemetryPort > 0 {
		out = append(out, fmt.Sprintf("telemetry_port %d: client telemetry comes with libdaos, which this build does not have yet; no metrics endpoint is served", cfg.TelemetryPort))
	}
	if len(cfg.FabricIfaces) > 0 && (len(cfg.ExcludeFabricIfaces) > 0 || len(cfg.IncludeFabricIfaces) > 0) {
		out = append(out, "exclude_fabric_ifaces/include_fabric_ifaces filter scanned interfaces; with fabric_ifaces set the agent does not scan, so they are not used")
	}
	if ttl, capped, err := credCacheTTL(cfg); err == nil && capped {
		out = append(out, fmt.Sprintf("credential_config.cache_expiration %s is capped at %v: servers refuse credentials older than %v",
			cfg.Credentials.CacheExpiration, ttl, auth.DefaultMaxCredentialAge))
	}
	return out
}
