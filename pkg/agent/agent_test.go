package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/ctlpb"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

// fakeQuerier answers HostSystemQuery from fixed results and counts calls.
type fakeQuerier struct {
	mu      sync.Mutex
	calls   int
	results []ctlclient.HostResult[*ctlpb.HostSystemQueryResp]
}

func (f *fakeQuerier) HostSystemQuery(context.Context) []ctlclient.HostResult[*ctlpb.HostSystemQueryResp] {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	return f.results
}

func (f *fakeQuerier) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func twoHosts() []ctlclient.HostResult[*ctlpb.HostSystemQueryResp] {
	return []ctlclient.HostResult[*ctlpb.HostSystemQueryResp]{
		{Host: "a:10001", Resp: &ctlpb.HostSystemQueryResp{System: "daos_server", Engines: []*ctlpb.EngineState{
			{Index: 1, FabricUri: "ofi+tcp://10.0.0.1:32416"},
			{Index: 0, FabricUri: "ofi+tcp://10.0.0.1:31416"},
		}}},
		{Host: "b:10001", Err: errors.New("unreachable")},
		{Host: "c:10001", Resp: &ctlpb.HostSystemQueryResp{System: "daos_server", Engines: []*ctlpb.EngineState{
			{Index: 0, FabricUri: "ofi+tcp://10.0.0.3:31416"},
			{Index: 1}, // not started
		}}},
	}
}

type harness struct {
	agent  *Agent
	q      *fakeQuerier
	clock  *fakeClock
	signer *auth.Signer
	client *drpc.Client
}

func start(t *testing.T, doc string, q *fakeQuerier) *harness {
	t.Helper()
	dir, err := os.MkdirTemp("", "agent") // short: socket paths are limited
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg, err := config.LoadAgent(config.Source{Name: "daos_agent.yml",
		Data: []byte(doc + "\nruntime_dir: " + dir + "\ntransport_config:\n  allow_insecure: true\n")})
	require.NoError(t, err)
	signer, err := auth.GenerateSigner()
	require.NoError(t, err)
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	a, err := New(cfg, Deps{Querier: q, Signer: signer, Now: clock.now, Hostname: "client1"})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, a.Listen(ctx))
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx) }()
	c := drpc.NewClient(ClientSocketPath(func(k string) string {
		if k == SocketDirEnv {
			return dir
		}
		return ""
	}), 0)
	t.Cleanup(func() {
		c.Close()
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("agent did not stop")
		}
	})
	return &harness{agent: a, q: q, clock: clock, signer: signer, client: c}
}

func (h *harness) attachInfo(t *testing.T, req *agentpb.GetAttachInfoReq) (*agentpb.GetAttachInfoResp, error) {
	t.Helper()
	body, err := proto.Marshal(req)
	require.NoError(t, err)
	out, err := h.client.Call(context.Background(), drpc.ModuleMgmt, drpc.MethodGetAttachInfo, body)
	if err != nil {
		return nil, err
	}
	resp := &agentpb.GetAttachInfoResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	return resp, nil
}

func TestClientSocketPath(t *testing.T) {
	require.Equal(t, "/var/run/daos_agent/daos_agent.sock", ClientSocketPath(func(string) string { return "" }))
	require.Equal(t, "/x/daos_agent.sock", ClientSocketPath(func(string) string { return "/x" }))
}

func TestAttachInfoAndCache(t *testing.T) {
	q := &fakeQuerier{results: twoHosts()}
	h := start(t, "cache_expiration: 2\nfabric_ifaces:\n- numa_node: 1\n  devices: [{iface: eth1}]\n- numa_node: 0\n  devices: [{iface: ib0, domain: mlx5_0}]\n", q)

	resp, err := h.attachInfo(t, &agentpb.GetAttachInfoReq{Sys: "daos_server"})
	require.NoError(t, err)
	require.Zero(t, resp.Status)
	require.Equal(t, "daos_server", resp.Sys)
	var uris []string
	for i, r := range resp.RankUris {
		require.Equal(t, uint32(i), r.Rank)
		uris = append(uris, r.Uri)
	}
	require.Equal(t, []string{"ofi+tcp://10.0.0.1:31416", "ofi+tcp://10.0.0.1:32416", "ofi+tcp://10.0.0.3:31416"}, uris)
	require.Equal(t, "ofi+tcp", resp.ClientNetHint.Provider)
	require.Equal(t, "ib0", resp.ClientNetHint.Interface, "lowest NUMA node's first device")
	require.Equal(t, "mlx5_0", resp.ClientNetHint.Domain)
	require.Equal(t, 1, q.count())

	// The client's own interface choice is kept.
	resp, err = h.attachInfo(t, &agentpb.GetAttachInfoReq{Interface: "eth9", Domain: "eth9"})
	require.NoError(t, err)
	require.Equal(t, "eth9", resp.ClientNetHint.Interface)
	require.Equal(t, 1, q.count(), "cached")

	h.clock.advance(119 * time.Second)
	_, err = h.attachInfo(t, &agentpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Equal(t, 1, q.count(), "still fresh before 2 minutes")

	h.clock.advance(time.Second)
	_, err = h.attachInfo(t, &agentpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Equal(t, 2, q.count(), "expired after 2 minutes")

	// Another system's name is refused with DER_INVAL.
	resp, err = h.attachInfo(t, &agentpb.GetAttachInfoReq{Sys: "other"})
	require.NoError(t, err)
	require.Equal(t, int32(derInval), resp.Status)
}

func TestAttachInfoNeverExpires(t *testing.T) {
	q := &fakeQuerier{results: twoHosts()}
	h := start(t, "", q)
	for range 3 {
		_, err := h.attachInfo(t, &agentpb.GetAttachInfoReq{})
		require.NoError(t, err)
		h.clock.advance(24 * time.Hour)
	}
	require.Equal(t, 1, q.count())
}

func TestAttachInfoServersDown(t *testing.T) {
	q := &fakeQuerier{results: []ctlclient.HostResult[*ctlpb.HostSystemQueryResp]{
		{Host: "a:10001", Err: errors.New("unreachable")},
		{Host: "b:10001", Resp: &ctlpb.HostSystemQueryResp{System: "other_sys"}},
	}}
	h := start(t, "", q)
	_, err := h.attachInfo(t, &agentpb.GetAttachInfoReq{})
	var se *drpc.StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, drpcpb.Status_FAILURE, se.Status)
	_, err = h.attachInfo(t, &agentpb.GetAttachInfoReq{})
	require.Error(t, err, "a failure is not cached")
	require.Equal(t, 2, q.count())

	_, err = fetchSystemInfo(context.Background(), q, "daos_server")
	require.ErrorContains(t, err, "a:10001: unreachable")
	require.ErrorContains(t, err, `b:10001: belongs to system "other_sys"`)
}

func TestRequestCreds(t *testing.T) {
	if _, err := lookupSelf(); err != nil {
		t.Skipf("this uid has no user entry: %v", err)
	}
	h := start(t, "", &fakeQuerier{results: twoHosts()})
	out, err := h.client.Call(context.Background(), drpc.ModuleSecAgent, drpc.MethodRequestCreds, nil)
	require.NoError(t, err)
	resp := &agentpb.GetCredResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	require.Zero(t, resp.Status)

	v := auth.NewVerifier(h.signer.PublicKey())
	v.Now = h.clock.now // the agent stamps with the harness's clock
	sys, err := v.Verify(resp.Cred)
	require.NoError(t, err)
	require.Equal(t, uint32(os.Getuid()), sys.Uid)
	require.Equal(t, uint32(os.Getgid()), sys.Gid)
	self, _ := lookupSelf()
	require.Equal(t, self+"@", sys.User)
	require.Equal(t, "client1", sys.Machinename)
	require.NotEmpty(t, sys.Group)

	// Changed uid in the token.
	forged := proto.Clone(sys).(*agentpb.Sys)
	forged.Uid = sys.Uid + 1
	bad := proto.Clone(resp.Cred).(*agentpb.Credential)
	bad.Token.Data, err = proto.Marshal(forged)
	require.NoError(t, err)
	_, err = v.Verify(bad)
	require.ErrorIs(t, err, auth.ErrInvalid)

	// Changed signature.
	bad = proto.Clone(resp.Cred).(*agentpb.Credential)
	bad.Verifier.Data[0] ^= 0x80
	_, err = v.Verify(bad)
	require.ErrorIs(t, err, auth.ErrInvalid)
}

func lookupSelf() (string, error) {
	u, err := userLookupID(strconv.Itoa(os.Getuid()))
	if err != nil {
		return "", err
	}
	return u, nil
}

func TestRequestCredsUnknownUser(t *testing.T) {
	dir := t.TempDir()
	cfg, err := config.LoadAgent(config.Source{Name: "x", Data: []byte("runtime_dir: " + dir + "\ntransport_config: {allow_insecure: true}\n")})
	require.NoError(t, err)
	signer, err := auth.GenerateSigner()
	require.NoError(t, err)
	a, err := New(cfg, Deps{Querier: &fakeQuerier{}, Signer: signer, Hostname: "h"})
	require.NoError(t, err)
	ctx := drpc.ContextWithPeer(context.Background(), drpc.PeerCred{UID: 4_000_000_000, GID: 4_000_000_000})
	out, err := a.requestCreds(ctx, nil)
	require.NoError(t, err)
	resp := &agentpb.GetCredResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	require.Equal(t, int32(derNoPerm), resp.Status)
	require.Nil(t, resp.Cred)

	out, err = a.requestCreds(context.Background(), nil) // no peer known
	require.NoError(t, err)
	require.NoError(t, proto.Unmarshal(out, resp))
	require.Equal(t, int32(derNoPerm), resp.Status)
}

func TestMalformedRequests(t *testing.T) {
	h := start(t, "", &fakeQuerier{results: twoHosts()})
	ctx := context.Background()
	garbage := []byte{0xff, 0xff, 0xff, 0x07}
	for _, m := range []struct {
		mod  drpc.Module
		meth drpc.Method
		want drpcpb.Status
	}{
		{drpc.ModuleMgmt, drpc.MethodGetAttachInfo, drpcpb.Status_FAILED_UNMARSHAL_PAYLOAD},
		{drpc.ModuleSecAgent, drpc.MethodRequestCreds, drpcpb.Status_FAILED_UNMARSHAL_PAYLOAD},
		{drpc.ModuleMgmt, drpc.MethodSetRank, drpcpb.Status_UNKNOWN_METHOD},
		{drpc.ModuleSrv, drpc.MethodNotifyReady, drpcpb.Status_UNKNOWN_MODULE},
	} {
		_, err := h.client.Call(ctx, m.mod, m.meth, garbage)
		var se *drpc.StatusError
		require.ErrorAs(t, err, &se, "%d/%d", m.mod, m.meth)
		require.Equal(t, m.want, se.Status, "%d/%d", m.mod, m.meth)
	}

	// Raw junk that is not even a dRPC frame: the server drops that
	// connection and keeps serving others.
	raw, err := net.Dial("unixpacket", h.agent.SocketPath())
	require.NoError(t, err)
	_, err = raw.Write([]byte("not a drpc header"))
	require.NoError(t, err)
	buf := make([]byte, 64)
	_ = raw.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, _ := raw.Read(buf)
	require.Zero(t, n, "no answer to junk")
	raw.Close()

	resp, err := h.attachInfo(t, &agentpb.GetAttachInfoReq{})
	require.NoError(t, err)
	require.Len(t, resp.RankUris, 3)
}

func TestNewNeedsDeps(t *testing.T) {
	_, err := New(&config.Agent{}, Deps{})
	require.Error(t, err)
}

func ExampleClientSocketPath() {
	fmt.Println(ClientSocketPath(func(string) string { return "" }))
	// Output: /var/run/daos_agent/daos_agent.sock
}
