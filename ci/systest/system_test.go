//go:build systest

package systest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/rpc"
)

// TestThreeServerSystem is the control plane's multi-process test: three
// daos_server processes on 127.0.0.2-4, each a management service
// replica with one engine, form a system; losing the leader's server
// elects a new leader that still answers and reports the lost rank; the
// restarted server rejoins with its old rank; system stop and start round
// trip; a crashed engine is restarted by its server and rejoins.
func TestThreeServerSystem(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	bin := t.TempDir()
	if err := Build(ctx, bin); err != nil {
		t.Fatal(err)
	}
	c, err := New(bin, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf(format+"\n%s", append(args, c.Logs())...)
	}
	step := func(d time.Duration) (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, d) }

	start := time.Now()
	for i := range c.Servers {
		if err := c.Start(i, true); err != nil {
			fail("%v", err)
		}
	}
	sctx, scancel := step(30 * time.Second)
	members, err := c.WaitMembers(sctx, AllIn(3, "joined"))
	scancel()
	if err != nil {
		fail("three ranks did not join: %v", err)
	}
	t.Logf("three servers up, all ranks joined, in %v", time.Since(start).Round(time.Millisecond))
	checkAgent(ctx, t, c)
	rankOf := map[string]uint32{}
	seen := map[uint32]bool{}
	for _, m := range members {
		rankOf[m.Addr] = m.Rank
		seen[m.Rank] = true
	}
	if len(rankOf) != 3 || !seen[0] || !seen[1] || !seen[2] {
		fail("members are not ranks 0-2 at three addresses: %+v", members)
	}

	// Lose the leader's server.
	leader, _, err := c.Leader(ctx)
	if err != nil {
		fail("leader query: %v", err)
	}
	li := -1
	for i, s := range c.Servers {
		if s.Addr == leader {
			li = i
		}
	}
	if li < 0 {
		fail("leader %q is not one of the servers", leader)
	}
	c.Kill(li)
	lost := rankOf[leader]
	sctx, scancel = step(30 * time.Second)
	_, err = c.WaitMembers(sctx, func(ms []Member) bool {
		m := rankOfMember(ms, lost)
		return len(ms) == 3 && m != nil && (m.State == "unresponsive" || m.State == "excluded" || m.State == "errored")
	})
	scancel()
	if err != nil {
		fail("the lost rank %d was not reported: %v", lost, err)
	}
	newLeader, down, err := c.Leader(ctx)
	if err != nil || newLeader == leader || newLeader == "" {
		fail("no new leader after losing %s: %q, %v", leader, newLeader, err)
	}
	if len(down) != 1 || down[0] != leader {
		t.Errorf("down replicas %v, want [%s]", down, leader)
	}

	// The restarted server rejoins with its old rank.
	if err := c.Start(li, false); err != nil {
		fail("%v", err)
	}
	sctx, scancel = step(30 * time.Second)
	members, err = c.WaitMembers(sctx, AllIn(3, "joined"))
	scancel()
	if err != nil {
		fail("the restarted server's rank did not rejoin: %v", err)
	}
	for _, m := range members {
		if rankOf[m.Addr] != m.Rank {
			fail("%s came back as rank %d, was %d", m.Addr, m.Rank, rankOf[m.Addr])
		}
	}

	// system stop, then start.
	if out, err := c.Dmg(ctx, "system", "stop"); err != nil {
		fail("system stop: %v\n%s", err, out)
	}
	sctx, scancel = step(30 * time.Second)
	_, err = c.WaitMembers(sctx, AllIn(3, "stopped"))
	scancel()
	if err != nil {
		fail("ranks did not stop: %v", err)
	}
	for i := range c.Servers {
		if pid, _, _, err := c.Engine(ctx, i); err != nil || pid != 0 {
			fail("server %d still runs an engine after system stop (pid %d, %v)", i, pid, err)
		}
	}
	if out, err := c.Dmg(ctx, "system", "start"); err != nil {
		fail("system start: %v\n%s", err, out)
	}
	sctx, scancel = step(30 * time.Second)
	members, err = c.WaitMembers(sctx, AllIn(3, "joined"))
	scancel()
	if err != nil {
		fail("ranks did not start: %v", err)
	}

	// An engine crash: its server restarts it and it rejoins as the same
	// rank with a new incarnation.
	victim := 1
	pid, _, rank, err := c.Engine(ctx, victim)
	if err != nil || pid == 0 {
		fail("engine of server %d: pid %d, %v", victim, pid, err)
	}
	before := ByAddr(members, c.Servers[victim].Addr)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		fail("kill engine %d: %v", pid, err)
	}
	sctx, scancel = step(30 * time.Second)
	_, err = c.WaitMembers(sctx, func(ms []Member) bool {
		m := ByAddr(ms, c.Servers[victim].Addr)
		return m != nil && m.State == "joined" && m.Incarnation != before.Incarnation && m.Rank == rank
	})
	scancel()
	if err != nil {
		fail("the crashed engine did not rejoin: %v", err)
	}
	if p, err := os.FindProcess(pid); err == nil && p.Signal(syscall.Signal(0)) == nil {
		fail("the killed engine %d is still alive", pid)
	}
}

func rankOfMember(ms []Member, r uint32) *Member {
	for i := range ms {
		if ms[i].Rank == r {
			return &ms[i]
		}
	}
	return nil
}

// TestThreeServerSystemTLS brings the same system up with TLS everywhere:
// raft, joins and forwarding between servers use server certificates,
// dmg an admin certificate; a dmg without a certificate is refused; dmg
// config generate proposes one config for the three servers.
func TestThreeServerSystemTLS(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	bin := t.TempDir()
	if err := Build(ctx, bin); err != nil {
		t.Fatal(err)
	}
	c, err := NewTLS(bin, 3)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range c.Servers {
		if err := c.Start(i, true); err != nil {
			t.Fatal(err)
		}
	}
	sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
	defer scancel()
	if _, err := c.WaitMembers(sctx, AllIn(3, "joined")); err != nil {
		t.Fatalf("three ranks did not join under TLS: %v\n%s", err, c.Logs())
	}
	// Through a follower too: ask every server in turn.
	for _, s := range c.Servers {
		out, err := c.Dmg(ctx, "-l", s.Addr, "system", "query")
		if err != nil || !strings.Contains(out, "Joined") {
			t.Fatalf("system query through %s: %v\n%s", s.Addr, err, out)
		}
	}
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "dmg"), "-i", "-l", c.HostList(), "system", "query").CombinedOutput()
	if err == nil {
		t.Fatalf("a dmg without TLS was answered:\n%s", out)
	}
	checkAgent(ctx, t, c)
	checkConfigGenerate(ctx, t, c)
}

// startAgent starts a daos_agent for c, failing the test when it is not up
// within 20 s; the caller stops it.
func startAgent(ctx context.Context, t *testing.T, c *Cluster) *Agent {
	t.Helper()
	actx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	a, err := c.StartAgent(actx)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkAgent runs a daos_agent against the system: attach info lists the
// three ranks, and a credential the agent issues to this process is
// accepted by a server's VALIDATE_CREDS (as an engine would ask), while a
// tampered one is refused.
func checkAgent(ctx context.Context, t *testing.T, c *Cluster) {
	t.Helper()
	a := startAgent(ctx, t, c)
	defer a.Stop()
	actx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cl := drpc.NewClient(a.Socket, 0)
	defer cl.Close()
	body, _ := proto.Marshal(&mgmtpb.GetAttachInfoReq{Sys: "daos_server", AllRanks: true})
	out, err := cl.Call(actx, drpc.ModuleMgmt, drpc.MethodGetAttachInfo, body)
	if err != nil {
		t.Fatalf("attach info: %v\n%s", err, a.Log)
	}
	ai := &mgmtpb.GetAttachInfoResp{}
	if err := proto.Unmarshal(out, ai); err != nil || ai.Status != 0 || len(ai.RankUris) != 3 {
		t.Fatalf("attach info: %+v, %v\n%s", ai, err, a.Log)
	}

	body, _ = proto.Marshal(&agentpb.GetCredReq{})
	out, err = cl.Call(actx, drpc.ModuleSecAgent, drpc.MethodRequestCreds, body)
	if err != nil {
		t.Fatalf("request credentials: %v", err)
	}
	cr := &agentpb.GetCredResp{}
	if err := proto.Unmarshal(out, cr); err != nil || cr.Status != 0 || cr.Cred == nil {
		t.Fatalf("credential: %+v, %v", cr, err)
	}
	validate := func(cred *agentpb.Credential) *agentpb.ValidateCredResp {
		srv := drpc.NewClient(c.ServerSocket(0), 0)
		defer srv.Close()
		body, _ := proto.Marshal(&agentpb.ValidateCredReq{Cred: cred})
		out, err := srv.Call(actx, drpc.ModuleSec, drpc.MethodValidateCreds, body)
		if err != nil {
			t.Fatalf("validate credential: %v", err)
		}
		resp := &agentpb.ValidateCredResp{}
		if err := proto.Unmarshal(out, resp); err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := validate(cr.Cred); r.Status != 0 || r.Token == nil {
		t.Fatalf("the server refused the agent's credential: status %d\n%s", r.Status, c.Logs())
	}
	bad := proto.Clone(cr.Cred).(*agentpb.Credential)
	bad.Verifier.Data[0] ^= 1
	if r := validate(bad); r.Status != int32(daos.ErrNoPerm.DerCode()) {
		t.Fatalf("a tampered credential got status %d", r.Status)
	}
}

// TestPoolsOnThreeServers creates a pool over the three engines with a
// service of three replicas (raft over the fabric between engines),
// queries it, keeps it usable while the server of one replica is down,
// and destroys it.
func TestPoolsOnThreeServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startCluster(ctx, t, 3, 1)
	out := createPool(ctx, t, c, "-j", "-s", "256MiB", "-n", "1GiB", "--nsvc", "3", "tank")
	var created struct {
		Response struct {
			UUID     string   `json:"uuid"`
			SvcReps  []uint32 `json:"svc_reps"`
			TgtRanks []uint32 `json:"tgt_ranks"`
		} `json:"response"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || len(created.Response.SvcReps) != 3 || len(created.Response.TgtRanks) != 3 {
		t.Fatalf("pool create reply: %v\n%s", err, out)
	}
	query := func() (string, error) { return c.Dmg(ctx, "pool", "query", "tank") }
	if out, err := query(); err != nil || !strings.Contains(out, "ntarget=3") || !strings.Contains(out, "Total size: 805 MB") {
		t.Fatalf("pool query: %v\n%s", err, out)
	}

	// Lose one replica's server: the two others still serve the pool.
	c.Kill(2)
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := c.Dmg(ctx, "pool", "list")
		if err == nil && strings.Contains(out, "tank") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool list without server 2: %v\n%s", err, out)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The service itself answers without server 2: a query counts the
	// space of the ranks that answer and names the others dead (or
	// disabled, once the system has excluded rank 2's targets).
	if out, err := query(); err != nil || !(strings.Contains(out, "Dead ranks: ") || strings.Contains(out, "Disabled ranks: ")) {
		t.Fatalf("pool query without server 2: %v\n%s", err, out)
	}
	if err := c.Start(2, false); err != nil {
		t.Fatal(err)
	}
	sctx2, scancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer scancel2()
	if _, err := c.WaitMembers(sctx2, AllIn(3, "joined")); err != nil {
		t.Fatalf("server 2 did not rejoin: %v\n%s", err, c.Logs())
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		out, err := query()
		if err == nil && strings.Contains(out, "ntarget=3") && !strings.Contains(out, "Dead ranks") && !strings.Contains(out, "Disabled ranks") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pool query after the restart: %v\n%s\n%s", err, out, c.Logs())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if out, err := c.Dmg(ctx, "pool", "destroy", "tank"); err != nil {
		t.Fatalf("pool destroy: %v\n%s", err, out)
	}
	if out, err := c.Dmg(ctx, "pool", "list"); err != nil || strings.Contains(out, "tank") {
		t.Fatalf("pool list after destroy: %v\n%s", err, out)
	}
	for i, s := range c.Servers {
		if left, _ := filepath.Glob(filepath.Join(s.Dir, "scm", "pools", "*")); len(left) > 0 {
			t.Errorf("server %d still has %v", i, left)
		}
	}
}

// TestClientOnThreeServers is the data path end to end across processes:
// a client with a credential from daos_agent connects to a pool created
// by dmg, creates and opens a container, writes and reads objects whose
// dkeys spread over the three engines, and the pool refuses to be
// destroyed while connected unless forced.
func TestClientOnThreeServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	c := startCluster(ctx, t, 3, 1)
	createPool(ctx, t, c, "-s", "256MiB", "-n", "1GiB", "--nsvc", "3", "tank")

	// A client process's view: attach info and a credential from the agent.
	actx, acancel := context.WithTimeout(ctx, 20*time.Second)
	defer acancel()
	a, err := c.StartAgent(actx)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	ac := drpc.NewClient(a.Socket, 0)
	defer ac.Close()
	body, _ := proto.Marshal(&mgmtpb.GetAttachInfoReq{Sys: "daos_server", AllRanks: true})
	raw, err := ac.Call(actx, drpc.ModuleMgmt, drpc.MethodGetAttachInfo, body)
	if err != nil {
		t.Fatal(err)
	}
	ai := &mgmtpb.GetAttachInfoResp{}
	if err := proto.Unmarshal(raw, ai); err != nil || len(ai.RankUris) != 3 {
		t.Fatalf("attach info: %+v %v", ai, err)
	}
	body, _ = proto.Marshal(&agentpb.GetCredReq{})
	raw, err = ac.Call(actx, drpc.ModuleSecAgent, drpc.MethodRequestCreds, body)
	if err != nil {
		t.Fatal(err)
	}
	cr := &agentpb.GetCredResp{}
	if err := proto.Unmarshal(raw, cr); err != nil || cr.Cred == nil {
		t.Fatalf("credential: %+v %v", cr, err)
	}
	cred, _ := proto.Marshal(cr.Cred)

	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	engine, err := fabric.ParseURI(ai.RankUris[0].Uri)
	if err != nil {
		t.Fatal(err)
	}
	cl := client.New(ep)
	pool, err := cl.Connect(ctx, engine, "tank", client.RW, cred, "")
	if err != nil {
		t.Fatalf("connect: %v\n%s", err, c.Logs())
	}
	if _, err := cl.Connect(ctx, engine, "nosuchpool", client.RW, cred, ""); !errors.Is(err, daos.ErrNonexist) {
		t.Errorf("connect to an unknown pool: %v", err)
	}
	bad := proto.Clone(cr.Cred).(*agentpb.Credential)
	bad.Verifier.Data[0] ^= 1
	badCred, _ := proto.Marshal(bad)
	if _, err := cl.Connect(ctx, engine, "tank", client.RW, badCred, ""); !errors.Is(err, daos.ErrNoPerm) {
		t.Errorf("connect with a tampered credential: %v", err)
	}
	// Engines' own opcodes are refused to a client (it holds no system
	// key), and change nothing: the query below still sees every target.
	for _, ru := range ai.RankUris {
		u, err := fabric.ParseURI(ru.Uri)
		if err != nil {
			t.Fatal(err)
		}
		for _, op := range []rpc.Opcode{poolhost.OpTgtDestroy, poolhost.OpSvcStop} {
			if err := ep.Call(ctx, u, op, &poolhost.PoolReq{Pool: poolhost.UUID(pool.UUID)}, nil); !errors.Is(err, daos.ErrNoPerm) {
				t.Errorf("opcode %#x from a client to rank %d: %v", op, ru.Rank, err)
			}
		}
	}
	info, err := pool.Query(ctx)
	if err != nil || info.TotalTargets != 3 || info.Handles != 1 {
		t.Fatalf("pool query: %+v %v", info, err)
	}
	if _, err := pool.CreateContainer(ctx, "c1", "POSIX", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.CreateContainer(ctx, "c1", "POSIX", nil); !errors.Is(err, daos.ErrExist) {
		t.Errorf("duplicate container label: %v", err)
	}
	cont, err := pool.OpenContainer(ctx, "c1", client.RW)
	if err != nil {
		t.Fatal(err)
	}
	first, err := cont.AllocOIDs(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	oid, err := placement.GenerateOID(daos.ObjectID{Lo: first}, placement.OTMultiHashed, placement.Name2ID("SX"), 0, pool.View.Map().Shape(0))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := cont.Object(oid)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 60; i++ {
		val := []byte(fmt.Sprintf("value %d %s", i, strings.Repeat("x", i*97)))
		if _, err := obj.Update(ctx, []byte(fmt.Sprint("k", i)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: uint64(len(val))}}, [][]byte{val}, 0); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	for i := 0; i < 60; i++ {
		want := []byte(fmt.Sprintf("value %d %s", i, strings.Repeat("x", i*97)))
		got := make([]byte, len(want))
		if _, err := obj.Fetch(ctx, daos.EpochMax, []byte(fmt.Sprint("k", i)), []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: uint64(len(want))}}, [][]byte{got}, 0); err != nil || string(got) != string(want) {
			t.Fatalf("fetch %d: %v", i, err)
		}
	}
	anchor := &client.Anchor{}
	keys, err := obj.ListDkeys(ctx, daos.EpochMax, anchor, 1000)
	if err != nil || len(keys) != 60 {
		t.Fatalf("list dkeys: %d keys, %v", len(keys), err)
	}
	l, _ := obj.Layout()
	ranks := map[uint32]bool{}
	for _, s := range l.Shards {
		ranks[s.Rank] = true
	}
	if len(ranks) != 3 {
		t.Errorf("the SX object's shards use ranks %v, not all three", ranks)
	}

	// Connected: destroy is refused unless forced.
	if out, err := c.Dmg(ctx, "pool", "destroy", "tank"); err == nil {
		t.Fatalf("pool destroy while connected succeeded:\n%s", out)
	}
	if err := cont.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := pool.Disconnect(ctx); err != nil {
		t.Fatal(err)
	}
	if out, err := c.Dmg(ctx, "pool", "destroy", "--recursive", "tank"); err != nil {
		t.Fatalf("pool destroy: %v\n%s", err, out)
	}
}
