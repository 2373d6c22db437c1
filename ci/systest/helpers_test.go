//go:build systest

package systest

import (
	"context"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
)

// startCluster builds the binaries and brings up n servers with engines of
// targets targets, all joined; the cluster closes when the test ends.
func startCluster(ctx context.Context, t *testing.T, n, targets int) *Cluster {
	t.Helper()
	return startClusterEdited(ctx, t, n, targets, nil)
}

// startClusterEdited is startCluster with edit (if not nil) run on the
// new cluster before its servers start, to change their configs.
func startClusterEdited(ctx context.Context, t *testing.T, n, targets int, edit func(*Cluster) error) *Cluster {
	t.Helper()
	bin := t.TempDir()
	if err := Build(ctx, bin); err != nil {
		t.Fatal(err)
	}
	c, err := NewTargets(bin, n, targets)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	if edit != nil {
		if err := edit(c); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.StartAll(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitJoined waits (up to 30 s) until n ranks are joined.
func waitJoined(ctx context.Context, t *testing.T, c *Cluster, n int) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := c.WaitMembers(sctx, AllIn(n, "joined")); err != nil {
		t.Fatalf("ranks did not join: %v\n%s", err, c.Logs())
	}
}

// createPool runs `dmg pool create ARGS`, retrying for a while: engines
// learn the group map within a second of joining, and a create before
// that is refused cleanly.
func createPool(ctx context.Context, t *testing.T, c *Cluster, args ...string) string {
	t.Helper()
	out, err := c.CreatePool(ctx, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, c.Logs())
	}
	return out
}

// clientOf is a client process's view of the cluster: attach info and a
// credential from the agent, an endpoint of its own.
type clientOf struct {
	cl     *client.Client
	engine fabric.URI
	cred   []byte
	ranks  int // ranks in the attach info
}

func newClient(ctx context.Context, t *testing.T, a *Agent) *clientOf {
	t.Helper()
	ac := drpc.NewClient(a.Socket, 0)
	defer ac.Close()
	body, _ := proto.Marshal(&mgmtpb.GetAttachInfoReq{Sys: "daos_server", AllRanks: true})
	raw, err := ac.Call(ctx, drpc.ModuleMgmt, drpc.MethodGetAttachInfo, body)
	if err != nil {
		t.Fatal(err)
	}
	ai := &mgmtpb.GetAttachInfoResp{}
	if err := proto.Unmarshal(raw, ai); err != nil || len(ai.RankUris) == 0 {
		t.Fatalf("attach info: %+v %v", ai, err)
	}
	body, _ = proto.Marshal(&agentpb.GetCredReq{})
	raw, err = ac.Call(ctx, drpc.ModuleSecAgent, drpc.MethodRequestCreds, body)
	if err != nil {
		t.Fatal(err)
	}
	cr := &agentpb.GetCredResp{}
	if err := proto.Unmarshal(raw, cr); err != nil || cr.Cred == nil {
		t.Fatalf("credential: %+v %v", cr, err)
	}
	cred, _ := proto.Marshal(cr.Cred)
	eng, err := fabric.ParseURI(ai.RankUris[0].Uri)
	if err != nil {
		t.Fatal(err)
	}
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: eng.Provider.String(), Interface: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ep.Close() })
	return &clientOf{cl: client.New(ep), engine: eng, cred: cred, ranks: len(ai.RankUris)}
}

func (c *clientOf) connect(ctx context.Context, pool string, flags uint64) (*client.Pool, error) {
	return c.cl.Connect(ctx, c.engine, pool, flags, c.cred, "")
}
