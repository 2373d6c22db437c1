package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

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

type harness struct {
	agent  *Agent
	mgmt   *fakeMgmt
	clock  *fakeClock
	log    *syncBuffer
	signer *auth.Signer
	client *drpc.Client
}

// start runs an agent with config doc that asks m (nil: a fresh fake
// with the default reply) and sees every client on NUMA node 1.
func start(t *testing.T, doc string, m *fakeMgmt, opts ...func(*Deps)) *harness {
	t.Helper()
	if m == nil {
		m = startMgmt(t, nil)
	}
	dir, err := os.MkdirTemp("", "agent") // short: socket paths are limited
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg, err := config.LoadAgent(config.Source{Name: "daos_agent.yml",
		Data: []byte(doc + "\nruntime_dir: " + dir + "\ntransport_config:\n  allow_insecure: true\n")})
	require.NoError(t, err)
	signer, err := auth.GenerateSigner()
	require.NoError(t, err)
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	log := &syncBuffer{}
	deps := Deps{Mgmt: m.client(), Signer: signer, Now: clock.now, Hostname: "client1",
		Logger:     slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})),
		NUMANodeOf: func(int32) (int, error) { return 1, nil }}
	for _, o := range opts {
		o(&deps)
	}
	a, err := New(cfg, deps)
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
	return &harness{agent: a, mgmt: m, clock: clock, log: log, signer: signer, client: c}
}

func (h *harness) attachInfo(t *testing.T, req *mgmtpb.GetAttachInfoReq) (*mgmtpb.GetAttachInfoResp, error) {
	t.Helper()
	body, err := proto.Marshal(req)
	require.NoError(t, err)
	out, err := h.client.Call(context.Background(), drpc.ModuleMgmt, drpc.MethodGetAttachInfo, body)
	if err != nil {
		return nil, err
	}
	resp := &mgmtpb.GetAttachInfoResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	return resp, nil
}

func TestClientSocketPath(t *testing.T) {
	require.Equal(t, "/var/run/daos_agent/daos_agent.sock", ClientSocketPath(func(string) string { return "" }))
	require.Equal(t, "/x/daos_agent.sock", ClientSocketPath(func(string) string { return "/x" }))
}

func TestRequestCreds(t *testing.T) {
	if _, err := lookupSelf(); err != nil {
		t.Skipf("this uid has no user entry: %v", err)
	}
	h := start(t, "", nil)
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
	a, err := New(cfg, Deps{Mgmt: ctlclient.NewWith(nil, insecure.NewCredentials()), Signer: signer, Hostname: "h"})
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
	h := start(t, "", nil)
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

	resp, err := h.attachInfo(t, &mgmtpb.GetAttachInfoReq{})
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
