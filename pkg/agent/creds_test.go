package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/drpc"
)

// credAgent is an agent whose requestCreds is called directly, as a peer
// with chosen ids; users known here are listed in users (uid -> name).
type credAgent struct {
	*Agent
	clock  *fakeClock
	signer *auth.Signer
}

func newCredAgent(t *testing.T, doc string, users map[uint32]string, opts ...func(*Deps)) *credAgent {
	t.Helper()
	cfg, err := config.LoadAgent(config.Source{Name: "daos_agent.yml",
		Data: []byte(doc + "\nruntime_dir: " + t.TempDir() + "\ntransport_config: {allow_insecure: true}\n")})
	require.NoError(t, err)
	signer, err := auth.GenerateSigner()
	require.NoError(t, err)
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	deps := Deps{Mgmt: ctlclient.NewWith(nil, insecure.NewCredentials()), Signer: signer, Hostname: "h", Now: clock.now,
		LookupUser: func(uid string) (*user.User, error) {
			for id, n := range users {
				if fmt.Sprint(id) == uid {
					return &user.User{Uid: uid, Username: n}, nil
				}
			}
			var id int
			fmt.Sscan(uid, &id)
			return nil, user.UnknownUserIdError(id)
		},
		LookupGroup: func(gid string) (*user.Group, error) {
			if gid == "100" {
				return &user.Group{Gid: gid, Name: "users"}, nil
			}
			return nil, user.UnknownGroupIdError(gid)
		},
	}
	for _, o := range opts {
		o(&deps)
	}
	a, err := New(cfg, deps)
	require.NoError(t, err)
	return &credAgent{Agent: a, clock: clock, signer: signer}
}

// creds asks for a credential as uid/gid and returns the verified token,
// or the reply's status when it is refused.
func (c *credAgent) creds(t *testing.T, uid, gid uint32) (*agentpb.Sys, int32) {
	t.Helper()
	ctx := drpc.ContextWithPeer(context.Background(), drpc.PeerCred{PID: 1, UID: uid, GID: gid})
	out, err := c.requestCreds(ctx, nil)
	require.NoError(t, err)
	resp := &agentpb.GetCredResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	if resp.Status != 0 {
		return nil, resp.Status
	}
	v := auth.NewVerifier(c.signer.PublicKey())
	v.Now = c.clock.now
	sys, err := v.Verify(resp.Cred)
	require.NoError(t, err, "a credential the agent hands out is accepted by servers")
	return sys, 0
}

const userMapDoc = `credential_config:
  client_user_map:
    5001:
      user: alice
      group: proj
      groups: [proj, extra@, extra]
    5002: {user: bob}
    default: {user: nobody, group: nogroup}
`

func TestClientUserMap(t *testing.T) {
	c := newCredAgent(t, userMapDoc, nil)

	sys, status := c.creds(t, 5001, 5001)
	require.Zero(t, status)
	require.Equal(t, "alice@", sys.User)
	require.Equal(t, "proj@", sys.Group)
	require.Equal(t, []string{"extra@"}, sys.Groups, "the primary group and repeats are left out")
	require.Empty(t, sys.Gids, "names only: the map cannot vouch for group ids")
	require.Equal(t, uint32(5001), sys.Uid)
	require.Equal(t, uint32(5001), sys.Gid)

	// No group in the entry: the peer's gid is named if it can be.
	sys, status = c.creds(t, 5002, 100)
	require.Zero(t, status)
	require.Equal(t, "bob@", sys.User)
	require.Equal(t, "users@", sys.Group)
	_, status = c.creds(t, 5002, 5002)
	require.Equal(t, int32(derNoPerm), status, "no group name at all")

	// Any other uid gets default, and keeps its own ids.
	sys, status = c.creds(t, 6000, 6001)
	require.Zero(t, status)
	require.Equal(t, "nobody@", sys.User)
	require.Equal(t, "nogroup@", sys.Group)
	require.Equal(t, uint32(6000), sys.Uid)
	require.Equal(t, uint32(6001), sys.Gid)

	// Without default, an unmapped unknown uid is refused.
	c = newCredAgent(t, "credential_config:\n  client_user_map:\n    5001: {user: alice, group: proj}\n", nil)
	_, status = c.creds(t, 6000, 6000)
	require.Equal(t, int32(derNoPerm), status)
}

// TestClientUserMapOnlyForUnknownUsers: a uid with a user entry keeps its
// own name, whatever the map says; a failing lookup is not taken for a
// missing user.
func TestClientUserMapOnlyForUnknownUsers(t *testing.T) {
	c := newCredAgent(t, userMapDoc, map[uint32]string{5001: "realalice"})
	_, status := c.creds(t, 5001, 100)
	// The fake user has no group list to read: refused, but not as alice.
	require.Equal(t, int32(derNoPerm), status)

	c = newCredAgent(t, userMapDoc, nil, func(d *Deps) {
		d.LookupUser = func(string) (*user.User, error) { return nil, errors.New("nss: ldap unreachable") }
	})
	_, status = c.creds(t, 6000, 100)
	require.Equal(t, int32(derNoPerm), status, "default is for missing users, not for a broken lookup")

	self, err := lookupSelf()
	if err != nil {
		t.Skipf("this uid has no user entry: %v", err)
	}
	uid, gid := uint32(os.Getuid()), uint32(os.Getgid())
	c = newCredAgent(t, fmt.Sprintf("credential_config:\n  client_user_map:\n    %d: {user: mallory, group: wheel}\n    default: {user: mallory}\n", uid),
		nil, func(d *Deps) { d.LookupUser, d.LookupGroup = user.LookupId, user.LookupGroupId })
	sys, status := c.creds(t, uid, gid)
	require.Zero(t, status)
	require.Equal(t, self+"@", sys.User)
	require.NotEqual(t, "wheel@", sys.Group)
}

func TestCredentialCache(t *testing.T) {
	c := newCredAgent(t, userMapDoc+"  cache_expiration: 1m\n", nil)
	first, _ := c.creds(t, 5001, 5001)
	c.clock.advance(59 * time.Second)
	sys, _ := c.creds(t, 5001, 5001)
	require.Equal(t, first.Stamp, sys.Stamp, "cached for cache_expiration")
	other, _ := c.creds(t, 5002, 100)
	require.Equal(t, "bob@", other.User, "identities are kept apart")
	require.NotEqual(t, first.Stamp, other.Stamp)
	sys, _ = c.creds(t, 5001, 6000)
	require.Equal(t, "alice@", sys.User)
	require.Equal(t, uint32(6000), sys.Gid, "another gid is another identity")

	c.clock.advance(time.Second)
	sys, _ = c.creds(t, 5001, 5001)
	require.Equal(t, c.clock.now().Unix(), int64(sys.Stamp), "signed anew after cache_expiration")
}

// TestCredentialCacheCapped: a cache_expiration past half the servers'
// age limit is capped, so a cached credential is always still accepted.
func TestCredentialCacheCapped(t *testing.T) {
	require.Equal(t, auth.DefaultMaxCredentialAge/2, MaxCredentialCache)
	doc := userMapDoc + "  cache_expiration: 1h\n"
	c := newCredAgent(t, doc, nil)
	first, _ := c.creds(t, 5001, 5001)
	c.clock.advance(MaxCredentialCache - time.Second)
	sys, _ := c.creds(t, 5001, 5001) // verified at the agent's clock
	require.Equal(t, first.Stamp, sys.Stamp)
	c.clock.advance(time.Second)
	sys, _ = c.creds(t, 5001, 5001)
	require.Equal(t, c.clock.now().Unix(), int64(sys.Stamp))

	cfg, err := config.LoadAgent(config.Source{Name: "x", Data: []byte(doc)})
	require.NoError(t, err)
	require.Contains(t, strings.Join(Notices(cfg), "\n"), "cache_expiration 1h is capped at 2m30s")
}

func TestNoCredentialCache(t *testing.T) {
	c := newCredAgent(t, userMapDoc, nil)
	c.creds(t, 5001, 5001)
	c.clock.advance(time.Second)
	sys, _ := c.creds(t, 5001, 5001)
	require.Equal(t, c.clock.now().Unix(), int64(sys.Stamp), "no cache_expiration: no cache")
}

func TestNotices(t *testing.T) {
	load := func(doc string) []string {
		cfg, err := config.LoadAgent(config.Source{Name: "x", Data: []byte(doc)})
		require.NoError(t, err)
		return Notices(cfg)
	}
	require.Empty(t, load(""))
	require.Empty(t, load("exclude_fabric_ifaces: [lo]\ncredential_config: {cache_expiration: 2m}\n"))
	n := load("disable_auto_evict: true\n")
	require.Len(t, n, 1)
	require.Contains(t, n[0], "take effect once pools exist")
	require.Len(t, load("enable_evict_on_start: true\n"), 1)
	n = load("telemetry_port: 9192\ntelemetry_enabled: true\n")
	require.Len(t, n, 1)
	require.Contains(t, n[0], "telemetry_port 9192")
	require.Contains(t, n[0], "no metrics endpoint is served")
	n = load("include_fabric_ifaces: [ib0]\nfabric_ifaces: [{numa_node: 0, devices: [{iface: eth0}]}]\n")
	require.Len(t, n, 1)
	require.Contains(t, n[0], "not used")
}
