package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/control/sharedpb"
	"github.com/daos-go/daos/pkg/daos"
)

// fakeMS is a management service that records each request and answers
// with what the test set. err, when set, refuses every call.
type fakeMS struct {
	mgmtpb.UnimplementedMgmtSvcServer

	addr string

	mu    sync.Mutex
	reqs  map[string]proto.Message
	calls int

	err       error
	propErr   error
	query     *mgmtpb.SystemQueryResp
	stop      *mgmtpb.SystemStopResp
	start     *mgmtpb.SystemStartResp
	exclude   *mgmtpb.SystemExcludeResp
	leader    *mgmtpb.LeaderQueryResp
	cleanup   *mgmtpb.SystemCleanupResp
	props     map[string]string
	attrs     map[string]string
	setStatus int32
	pools     *mgmtpb.ListPoolsResp
}

func (f *fakeMS) record(method string, req proto.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs[method] = proto.Clone(req)
	f.calls++
	return f.err
}

// req returns the last request of method (nil if none).
func (f *fakeMS) req(method string) proto.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs[method]
}

func (f *fakeMS) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = map[string]proto.Message{}
	f.calls = 0
}

func (f *fakeMS) numCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func (f *fakeMS) SystemQuery(_ context.Context, r *mgmtpb.SystemQueryReq) (*mgmtpb.SystemQueryResp, error) {
	if err := f.record("SystemQuery", r); err != nil {
		return nil, err
	}
	return f.query, nil
}

func (f *fakeMS) SystemStop(_ context.Context, r *mgmtpb.SystemStopReq) (*mgmtpb.SystemStopResp, error) {
	if err := f.record("SystemStop", r); err != nil {
		return nil, err
	}
	return f.stop, nil
}

func (f *fakeMS) SystemStart(_ context.Context, r *mgmtpb.SystemStartReq) (*mgmtpb.SystemStartResp, error) {
	if err := f.record("SystemStart", r); err != nil {
		return nil, err
	}
	return f.start, nil
}

func (f *fakeMS) SystemExclude(_ context.Context, r *mgmtpb.SystemExcludeReq) (*mgmtpb.SystemExcludeResp, error) {
	if err := f.record("SystemExclude", r); err != nil {
		return nil, err
	}
	return f.exclude, nil
}

func (f *fakeMS) LeaderQuery(_ context.Context, r *mgmtpb.LeaderQueryReq) (*mgmtpb.LeaderQueryResp, error) {
	if err := f.record("LeaderQuery", r); err != nil {
		return nil, err
	}
	return f.leader, nil
}

func (f *fakeMS) SystemCleanup(_ context.Context, r *mgmtpb.SystemCleanupReq) (*mgmtpb.SystemCleanupResp, error) {
	if err := f.record("SystemCleanup", r); err != nil {
		return nil, err
	}
	return f.cleanup, nil
}

func (f *fakeMS) SystemGetProp(_ context.Context, r *mgmtpb.SystemGetPropReq) (*mgmtpb.SystemGetPropResp, error) {
	if err := f.record("SystemGetProp", r); err != nil {
		return nil, err
	}
	if f.propErr != nil {
		return nil, f.propErr
	}
	out := map[string]string{}
	for k, v := range f.props {
		if len(r.Keys) == 0 || contains(r.Keys, k) {
			out[k] = v
		}
	}
	return &mgmtpb.SystemGetPropResp{Properties: out}, nil
}

func (f *fakeMS) SystemSetProp(_ context.Context, r *mgmtpb.SystemSetPropReq) (*mgmtpb.DaosResp, error) {
	if err := f.record("SystemSetProp", r); err != nil {
		return nil, err
	}
	return &mgmtpb.DaosResp{Status: f.setStatus}, nil
}

func (f *fakeMS) SystemGetAttr(_ context.Context, r *mgmtpb.SystemGetAttrReq) (*mgmtpb.SystemGetAttrResp, error) {
	if err := f.record("SystemGetAttr", r); err != nil {
		return nil, err
	}
	return &mgmtpb.SystemGetAttrResp{Attributes: f.attrs}, nil
}

func (f *fakeMS) SystemSetAttr(_ context.Context, r *mgmtpb.SystemSetAttrReq) (*mgmtpb.DaosResp, error) {
	if err := f.record("SystemSetAttr", r); err != nil {
		return nil, err
	}
	return &mgmtpb.DaosResp{Status: f.setStatus}, nil
}

func (f *fakeMS) ListPools(_ context.Context, r *mgmtpb.ListPoolsReq) (*mgmtpb.ListPoolsResp, error) {
	if err := f.record("ListPools", r); err != nil {
		return nil, err
	}
	return f.pools, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// msEnv is a fake management service and a dmg config that points at it
// (system name "testsys", no TLS).
type msEnv struct {
	ms  *fakeMS
	cfg string
}

func newMSEnv(t *testing.T) *msEnv {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	ms := &fakeMS{reqs: map[string]proto.Message{}, addr: lis.Addr().String()}
	mgmtpb.RegisterMgmtSvcServer(srv, ms)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)

	cfg := filepath.Join(t.TempDir(), "daos_control.yml")
	yml := "name: testsys\nhostlist: ['" + lis.Addr().String() + "']\ntransport_config:\n  allow_insecure: true\n"
	require.NoError(t, os.WriteFile(cfg, []byte(yml), 0o600))
	return &msEnv{ms: ms, cfg: cfg}
}

// dmg runs dmg against the fake; it returns stdout, stderr and the exit
// status.
func (e *msEnv) dmg(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	rc := cmdutil.Execute(newRoot(), append([]string{"-o", e.cfg}, args...), &out, &errOut)
	return out.String(), errOut.String(), rc
}

type envelope struct {
	Response json.RawMessage `json:"response"`
	Error    *string         `json:"error"`
	Status   int             `json:"status"`
}

func decodeEnv(t *testing.T, out string, resp any) envelope {
	t.Helper()
	var env envelope
	require.NoError(t, json.Unmarshal([]byte(out), &env), out)
	if resp != nil && env.Error == nil {
		require.NoError(t, json.Unmarshal(env.Response, resp), out)
	}
	return env
}

// requireRefusal checks that a DER refusal reaches the JSON envelope.
func requireRefusal(t *testing.T, e *msEnv, args ...string) {
	t.Helper()
	e.ms.err = grpcerr.Errorf(daos.ErrNonexist, "no such thing")
	defer func() { e.ms.err = nil }()
	out, errOut, rc := e.dmg(t, append([]string{"-j"}, args...)...)
	require.Equal(t, 1, rc, out)
	env := decodeEnv(t, out, nil)
	require.Equal(t, -1005, env.Status, out)
	require.NotNil(t, env.Error)
	require.Contains(t, *env.Error, "no such thing")
	require.Equal(t, "null", string(env.Response))
	require.Contains(t, errOut, "no such thing")

	// Without -j the error goes to stderr.
	out, errOut, rc = e.dmg(t, args...)
	require.Equal(t, 1, rc, out)
	require.Contains(t, errOut, "dmg: ")
	require.Contains(t, errOut, "no such thing")
}

func members() *mgmtpb.SystemQueryResp {
	m := func(rank uint32, state string) *mgmtpb.SystemMember {
		return &mgmtpb.SystemMember{Rank: rank, State: state, Addr: "10.0.0.1:10001", Uuid: "uuid-" + string(rune('a'+rank)),
			FaultDomain: "/host1", FabricUri: "ofi+tcp://10.0.0.1:31416", FabricContexts: 4, Incarnation: 9,
			LastUpdate: "2026-11-25T00:00:00Z"}
	}
	stopped := m(3, "stopped")
	stopped.Info = "engine stopped by admin"
	return &mgmtpb.SystemQueryResp{
		Members:   []*mgmtpb.SystemMember{m(2, "joined"), m(0, "joined"), m(1, "joined"), stopped},
		Providers: []string{"ofi+tcp"},
	}
}

func TestSystemQuery(t *testing.T) {
	e := newMSEnv(t)
	e.ms.query = members()
	e.ms.props = map[string]string{"self_heal": "exclude;pool_exclude;pool_rebuild"}

	out, errOut, rc := e.dmg(t, "system", "query")
	require.Equal(t, 0, rc, out+errOut)
	require.Regexp(t, `Rank\s+State`, out)
	require.Regexp(t, `\[0-2\]\s+Joined`, out)
	require.Regexp(t, `\[3\]\s+Stopped`, out)
	req := e.ms.req("SystemQuery").(*mgmtpb.SystemQueryReq)
	require.Equal(t, "testsys", req.Sys)
	require.Equal(t, "", req.Ranks)
	require.Equal(t, "", req.Hosts)
	require.Equal(t, uint32(0x7ff), req.StateMask)

	out, _, rc = e.dmg(t, "system", "query", "-v", "-r", "[3,0-2]")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `Rank\s+UUID\s+Control Address\s+Fault Domain\s+State\s+Reason`, out)
	require.Regexp(t, `3\s+uuid-d\s+10.0.0.1:10001\s+/host1\s+Stopped\s+engine stopped by admin`, out)
	require.Equal(t, "0-3", e.ms.req("SystemQuery").(*mgmtpb.SystemQueryReq).Ranks)

	_, _, rc = e.dmg(t, "system", "query", "--rank-hosts", "node[1-2],node3")
	require.Equal(t, 0, rc)
	require.Equal(t, "node[1-3]", e.ms.req("SystemQuery").(*mgmtpb.SystemQueryReq).Hosts)

	_, _, rc = e.dmg(t, "system", "query", "--not-ok")
	require.Equal(t, 0, rc)
	require.Equal(t, uint32(0x7ff&^0x8), e.ms.req("SystemQuery").(*mgmtpb.SystemQueryReq).StateMask)

	_, _, rc = e.dmg(t, "system", "query", "--with-states", "Stopped,errored")
	require.Equal(t, 0, rc)
	require.Equal(t, uint32(0x20|0x80), e.ms.req("SystemQuery").(*mgmtpb.SystemQueryReq).StateMask)

	// JSON: DAOS's member fields, lower-case states, ordered by rank.
	out, _, rc = e.dmg(t, "-j", "system", "query")
	require.Equal(t, 0, rc, out)
	var raw map[string]any
	env := decodeEnv(t, out, &raw)
	require.Equal(t, 0, env.Status)
	require.Nil(t, env.Error)
	require.Equal(t, "exclude;pool_exclude;pool_rebuild", raw["sys_self_heal_policy"])
	require.Equal(t, []any{"ofi+tcp"}, raw["providers"])
	ms := raw["members"].([]any)
	require.Len(t, ms, 4)
	first := ms[0].(map[string]any)
	for _, k := range []string{"addr", "state", "fault_domain", "rank", "incarnation", "uuid", "fabric_uri",
		"secondary_fabric_uris", "fabric_contexts", "secondary_fabric_contexts", "info", "last_update"} {
		require.Contains(t, first, k)
	}
	require.EqualValues(t, 0, first["rank"])
	require.Equal(t, "joined", first["state"])
	require.Equal(t, "stopped", ms[3].(map[string]any)["state"])
	require.Equal(t, "self_heal", e.ms.req("SystemGetProp").(*mgmtpb.SystemGetPropReq).Keys[0])

	// The self-heal policy is optional.
	e.ms.propErr = grpcerr.Errorf(daos.ErrNosys, "no props")
	out, _, rc = e.dmg(t, "-j", "system", "query")
	require.Equal(t, 0, rc, out)
	decodeEnv(t, out, &raw)
	require.Equal(t, "", raw["sys_self_heal_policy"])
	e.ms.propErr = nil

	// Ranks the service does not know are reported and fail the command.
	e.ms.query = &mgmtpb.SystemQueryResp{Members: members().Members[:1], Absentranks: "7-8", Absenthosts: "node9"}
	out, errOut, rc = e.dmg(t, "system", "query", "-r", "2,7-8")
	require.Equal(t, 1, rc)
	require.Regexp(t, `\[2\]\s+Joined`, out)
	require.Contains(t, errOut, "Unknown rank(s): 7-8")
	require.Contains(t, errOut, "Unknown host(s): node9")
	out, _, rc = e.dmg(t, "-j", "system", "query", "-r", "2,7-8")
	require.Equal(t, 1, rc)
	env = decodeEnv(t, out, nil)
	require.Contains(t, *env.Error, "Unknown rank(s): 7-8")

	e.ms.query = &mgmtpb.SystemQueryResp{}
	out, _, rc = e.dmg(t, "system", "query")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Query matches no ranks in system")

	requireRefusal(t, e, "system", "query")
}

func TestSystemQueryBadFlags(t *testing.T) {
	e := newMSEnv(t)
	e.ms.query = members()
	e.ms.reset()
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"-r", "0-x"}, []string{"-r/--ranks", "0-x"}},
		{[]string{"--rank-hosts", "node[1-"}, []string{"--rank-hosts"}},
		{[]string{"--with-states", "joined,bogus"}, []string{"--with-states", "bogus"}},
		{[]string{"--not-ok", "--with-states", "joined"}, []string{"--not-ok", "--with-states"}},
		{[]string{"-r", "1", "--rank-hosts", "node1"}, []string{"--ranks", "--rank-hosts"}},
	} {
		out, errOut, rc := e.dmg(t, append([]string{"system", "query"}, c.args...)...)
		require.Equal(t, 1, rc, c.args)
		require.Empty(t, out)
		for _, w := range c.want {
			require.Contains(t, errOut, w, c.args)
		}
		out, _, rc = e.dmg(t, append([]string{"-j", "system", "query"}, c.args...)...)
		require.Equal(t, 1, rc)
		env := decodeEnv(t, out, nil)
		require.Equal(t, -1025, env.Status)
		require.Contains(t, *env.Error, c.want[0])
	}
	require.Zero(t, e.ms.numCalls(), "bad flags must not reach the server")
}

func rr(rank uint32, action, msg string, errored bool) *sharedpb.RankResult {
	state := "stopped"
	if errored {
		state = "errored"
	}
	return &sharedpb.RankResult{Rank: rank, Action: action, Msg: msg, Errored: errored, State: state, Addr: "10.0.0.1:10001"}
}

func TestSystemStop(t *testing.T) {
	e := newMSEnv(t)
	e.ms.stop = &mgmtpb.SystemStopResp{Results: []*sharedpb.RankResult{
		rr(1, "stop", "", false), rr(0, "stop", "", false), rr(2, "stop", "", false)}}

	out, errOut, rc := e.dmg(t, "system", "stop", "-r", "0-2", "--force", "--ignore-admin-excluded")
	require.Equal(t, 0, rc, out+errOut)
	require.Regexp(t, `Rank\s+Operation\s+Result`, out)
	require.Regexp(t, `\[0-2\]\s+stop\s+OK`, out)
	req := e.ms.req("SystemStop").(*mgmtpb.SystemStopReq)
	require.True(t, proto.Equal(&mgmtpb.SystemStopReq{Sys: "testsys", Prep: true, Kill: true, Force: true,
		Ranks: "0-2", IgnoreAdminExcluded: true}, req), "%v", req)

	_, _, rc = e.dmg(t, "system", "stop", "--rank-hosts", "node[1-2]")
	require.Equal(t, 0, rc)
	req = e.ms.req("SystemStop").(*mgmtpb.SystemStopReq)
	require.Equal(t, "node[1-2]", req.Hosts)
	require.False(t, req.Force)
	require.False(t, req.IgnoreAdminExcluded)

	out, _, rc = e.dmg(t, "-j", "system", "stop")
	require.Equal(t, 0, rc, out)
	var raw map[string]any
	decodeEnv(t, out, &raw)
	require.Contains(t, raw, "absent_ranks")
	require.Contains(t, raw, "absent_hosts")
	res := raw["results"].([]any)
	require.Len(t, res, 3)
	r0 := res[0].(map[string]any)
	require.EqualValues(t, 0, r0["rank"])
	require.Equal(t, "stop", r0["action"])
	require.Equal(t, false, r0["errored"])
	require.Equal(t, "stopped", r0["state"])
	require.Equal(t, "10.0.0.1:10001", r0["addr"])
	require.Contains(t, r0, "msg")

	// A rank that failed: shown with its message, exit status 1.
	e.ms.stop.Results = append(e.ms.stop.Results, rr(3, "stop", "engine did not stop", true))
	out, errOut, rc = e.dmg(t, "system", "stop")
	require.Equal(t, 1, rc)
	require.Regexp(t, `\[0-2\]\s+stop\s+OK`, out)
	require.Regexp(t, `\[3\]\s+stop\s+engine did not stop`, out)
	require.Contains(t, errOut, "engine did not stop")
	out, _, rc = e.dmg(t, "-j", "system", "stop")
	require.Equal(t, 1, rc)
	env := decodeEnv(t, out, nil)
	require.Equal(t, -1025, env.Status)
	require.Contains(t, *env.Error, "[3] stop: engine did not stop")

	// Unknown ranks.
	e.ms.stop = &mgmtpb.SystemStopResp{Results: []*sharedpb.RankResult{rr(0, "stop", "", false)}, Absentranks: "9"}
	_, errOut, rc = e.dmg(t, "system", "stop", "-r", "0,9")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "Unknown rank(s): 9")

	e.ms.reset()
	_, errOut, rc = e.dmg(t, "system", "stop", "--full", "-r", "1")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "--full")
	_, errOut, rc = e.dmg(t, "system", "stop", "-r", "a")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "-r/--ranks")
	require.Zero(t, e.ms.numCalls())

	out, _, rc = e.dmg(t, "system", "stop", "--help")
	require.Equal(t, 0, rc)
	require.NotContains(t, out, "--full")

	requireRefusal(t, e, "system", "stop")
}

func TestSystemStart(t *testing.T) {
	e := newMSEnv(t)
	e.ms.start = &mgmtpb.SystemStartResp{Results: []*sharedpb.RankResult{
		rr(0, "start", "", false), rr(1, "start", "", false), rr(3, "start", "", false)}}
	out, errOut, rc := e.dmg(t, "system", "start", "-r", "0-1,3", "--ignore-admin-excluded")
	require.Equal(t, 0, rc, out+errOut)
	require.Regexp(t, `\[0-1,3\]\s+start\s+OK`, out)
	req := e.ms.req("SystemStart").(*mgmtpb.SystemStartReq)
	require.True(t, proto.Equal(&mgmtpb.SystemStartReq{Sys: "testsys", Ranks: "0-1,3", IgnoreAdminExcluded: true}, req), "%v", req)

	_, _, rc = e.dmg(t, "system", "start", "--rank-hosts", "node1")
	require.Equal(t, 0, rc)
	require.Equal(t, "node1", e.ms.req("SystemStart").(*mgmtpb.SystemStartReq).Hosts)

	out, _, rc = e.dmg(t, "-j", "system", "start")
	require.Equal(t, 0, rc)
	var res rankResults
	decodeEnv(t, out, &res)
	require.Len(t, res.Results, 3)
	require.Equal(t, "start", res.Results[2].Action)

	requireRefusal(t, e, "system", "start")
}

func TestSystemExclude(t *testing.T) {
	e := newMSEnv(t)
	e.ms.exclude = &mgmtpb.SystemExcludeResp{Results: []*sharedpb.RankResult{
		{Rank: 1, Action: "exclude", State: "adminexcluded"}, {Rank: 2, Action: "exclude", State: "adminexcluded"}}}

	_, errOut, rc := e.dmg(t, "system", "exclude")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "--ranks")
	require.Zero(t, e.ms.numCalls())

	out, errOut, rc := e.dmg(t, "system", "exclude", "-r", "1-2")
	require.Equal(t, 0, rc, out+errOut)
	require.Regexp(t, `\[1-2\]\s+exclude\s+OK`, out)
	require.True(t, proto.Equal(&mgmtpb.SystemExcludeReq{Sys: "testsys", Ranks: "1-2"}, e.ms.req("SystemExclude")))

	out, _, rc = e.dmg(t, "-j", "system", "exclude", "-r", "1-2")
	require.Equal(t, 0, rc)
	var res rankResults
	decodeEnv(t, out, &res)
	require.Equal(t, "adminexcluded", res.Results[0].State)

	e.ms.exclude = &mgmtpb.SystemExcludeResp{Results: []*sharedpb.RankResult{{Rank: 1, Action: "clear-exclude", State: "excluded"}}}
	out, _, rc = e.dmg(t, "system", "clear-exclude", "--rank-hosts", "node1")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `\[1\]\s+clear-exclude\s+OK`, out)
	require.True(t, proto.Equal(&mgmtpb.SystemExcludeReq{Sys: "testsys", Hosts: "node1", Clear: true}, e.ms.req("SystemExclude")))

	_, errOut, rc = e.dmg(t, "system", "clear-exclude")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "--rank-hosts")

	requireRefusal(t, e, "system", "exclude", "-r", "1")
}

func TestLeaderQuery(t *testing.T) {
	e := newMSEnv(t)
	e.ms.leader = &mgmtpb.LeaderQueryResp{CurrentLeader: "10.0.0.1:10001",
		Replicas: []string{"10.0.0.1:10001", "10.0.0.2:10001", "10.0.0.3:10001"}, DownReplicas: []string{"10.0.0.3:10001"}}
	out, _, rc := e.dmg(t, "system", "leader-query")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "Current Leader: 10.0.0.1:10001\n")
	require.Contains(t, out, "Replica Set: 10.0.0.1:10001, 10.0.0.2:10001, 10.0.0.3:10001\n")
	require.NotContains(t, out, "Down Replicas")
	require.Equal(t, "testsys", e.ms.req("LeaderQuery").(*mgmtpb.LeaderQueryReq).Sys)

	out, _, rc = e.dmg(t, "system", "leader-query", "-N")
	require.Equal(t, 0, rc)
	require.Contains(t, out, "Down Replicas: 10.0.0.3:10001\n")

	out, _, rc = e.dmg(t, "-j", "system", "leader-query")
	require.Equal(t, 0, rc)
	var raw map[string]any
	decodeEnv(t, out, &raw)
	require.Equal(t, "10.0.0.1:10001", raw["current_leader"])
	require.Len(t, raw["replicas"], 3)
	require.Equal(t, []any{"10.0.0.3:10001"}, raw["down_replicas"])

	requireRefusal(t, e, "system", "leader-query")
}

func TestSystemCleanup(t *testing.T) {
	e := newMSEnv(t)
	e.ms.cleanup = &mgmtpb.SystemCleanupResp{}
	out, _, rc := e.dmg(t, "system", "cleanup", "client1")
	require.Equal(t, 0, rc, out)
	require.Contains(t, out, "nothing was cleaned up")
	require.True(t, proto.Equal(&mgmtpb.SystemCleanupReq{Sys: "testsys", Machine: "client1"}, e.ms.req("SystemCleanup")))

	e.ms.cleanup = &mgmtpb.SystemCleanupResp{Results: []*mgmtpb.SystemCleanupResp_CleanupResult{
		{PoolId: "pool-a", Count: 3}, {PoolId: "pool-b", Count: 1, Msg: "ok"}}}
	out, _, rc = e.dmg(t, "system", "cleanup", "client1")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `Pool\s+Handles Revoked`, out)
	require.Regexp(t, `pool-a\s+3`, out)
	out, _, rc = e.dmg(t, "system", "cleanup", "-v", "client1")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `pool-b\s+1\s+0\s+ok`, out)

	out, _, rc = e.dmg(t, "-j", "system", "cleanup", "client1")
	require.Equal(t, 0, rc)
	var raw map[string]any
	decodeEnv(t, out, &raw)
	r0 := raw["results"].([]any)[0].(map[string]any)
	require.Equal(t, "pool-a", r0["pool_id"])
	require.EqualValues(t, 3, r0["count"])
	require.Contains(t, r0, "status")
	require.Contains(t, r0, "msg")

	// A pool that failed carries its DER code to the envelope.
	e.ms.cleanup.Results = append(e.ms.cleanup.Results, &mgmtpb.SystemCleanupResp_CleanupResult{
		PoolId: "pool-c", Status: -1012, Msg: "busy"})
	out, _, rc = e.dmg(t, "-j", "system", "cleanup", "client1")
	require.Equal(t, 1, rc)
	env := decodeEnv(t, out, nil)
	require.Equal(t, -1012, env.Status)
	require.Contains(t, *env.Error, "pool-c")

	_, errOut, rc := e.dmg(t, "system", "cleanup")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "arg")

	requireRefusal(t, e, "system", "cleanup", "client1")
}

func TestSystemProps(t *testing.T) {
	e := newMSEnv(t)
	e.ms.props = map[string]string{"self_heal": "exclude", "daos_system": "testsys", "pool_scrub_mode": "off"}

	out, _, rc := e.dmg(t, "system", "get-prop")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `Name\s+Value`, out)
	require.Regexp(t, `daos_system\s+testsys`, out)
	require.Empty(t, e.ms.req("SystemGetProp").(*mgmtpb.SystemGetPropReq).Keys)

	out, _, rc = e.dmg(t, "-j", "system", "get-prop", "self_heal,pool_scrub_mode")
	require.Equal(t, 0, rc, out)
	require.Equal(t, []string{"self_heal", "pool_scrub_mode"}, e.ms.req("SystemGetProp").(*mgmtpb.SystemGetPropReq).Keys)
	var props struct {
		Properties []nameValue `json:"properties"`
	}
	decodeEnv(t, out, &props)
	require.Equal(t, []nameValue{{"pool_scrub_mode", "off"}, {"self_heal", "exclude"}}, props.Properties)

	out, _, rc = e.dmg(t, "system", "set-prop", "self_heal:exclude;pool_rebuild,pool_scrub_mode:lazy")
	require.Equal(t, 0, rc, out)
	require.Equal(t, map[string]string{"self_heal": "exclude;pool_rebuild", "pool_scrub_mode": "lazy"},
		e.ms.req("SystemSetProp").(*mgmtpb.SystemSetPropReq).Properties)
	require.Equal(t, "testsys", e.ms.req("SystemSetProp").(*mgmtpb.SystemSetPropReq).Sys)

	e.ms.reset()
	_, errOut, rc := e.dmg(t, "system", "set-prop", "self_heal")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "want key:value")
	require.Zero(t, e.ms.numCalls())

	// A refusal in the reply's status also reaches the envelope.
	e.ms.setStatus = -1003
	out, _, rc = e.dmg(t, "-j", "system", "set-prop", "pool_scrub_mode:bogus")
	require.Equal(t, 1, rc)
	require.Equal(t, -1003, decodeEnv(t, out, nil).Status)
	e.ms.setStatus = 0

	requireRefusal(t, e, "system", "get-prop")
	requireRefusal(t, e, "system", "set-prop", "pool_scrub_mode:lazy")
}

func TestSystemAttrs(t *testing.T) {
	e := newMSEnv(t)
	e.ms.attrs = map[string]string{"owner": "ops", "site": "lab"}

	out, _, rc := e.dmg(t, "system", "get-attr", "owner", "site")
	require.Equal(t, 0, rc, out)
	require.Regexp(t, `owner\s+ops`, out)
	require.Equal(t, []string{"owner", "site"}, e.ms.req("SystemGetAttr").(*mgmtpb.SystemGetAttrReq).Keys)

	out, _, rc = e.dmg(t, "-j", "system", "get-attr")
	require.Equal(t, 0, rc)
	var attrs struct {
		Attributes map[string]string `json:"attributes"`
	}
	decodeEnv(t, out, &attrs)
	require.Equal(t, e.ms.attrs, attrs.Attributes)

	out, _, rc = e.dmg(t, "system", "set-attr", "owner:ops2,url:http://x")
	require.Equal(t, 0, rc, out)
	require.Equal(t, map[string]string{"owner": "ops2", "url": "http://x"},
		e.ms.req("SystemSetAttr").(*mgmtpb.SystemSetAttrReq).Attributes)

	out, _, rc = e.dmg(t, "-j", "system", "del-attr", "owner")
	require.Equal(t, 0, rc, out)
	require.Equal(t, 0, decodeEnv(t, out, nil).Status)
	req := e.ms.req("SystemSetAttr").(*mgmtpb.SystemSetAttrReq)
	require.Equal(t, map[string]string{"owner": ""}, req.Attributes)
	require.Equal(t, "testsys", req.Sys)

	e.ms.reset()
	_, errOut, rc := e.dmg(t, "system", "set-attr", "owner:")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "want key:value")
	_, _, rc = e.dmg(t, "system", "del-attr")
	require.Equal(t, 1, rc)
	require.Zero(t, e.ms.numCalls())

	requireRefusal(t, e, "system", "del-attr", "owner")
	requireRefusal(t, e, "system", "get-attr")
}

func TestSystemListPools(t *testing.T) {
	e := newMSEnv(t)
	e.ms.pools = &mgmtpb.ListPoolsResp{}
	out, _, rc := e.dmg(t, "system", "list-pools")
	require.Equal(t, 0, rc, out)
	require.Equal(t, "No pools in system\n", out)
	require.Equal(t, "testsys", e.ms.req("ListPools").(*mgmtpb.ListPoolsReq).Sys)

	// It is pool list, flags and output alike.
	e.ms.pools = &mgmtpb.ListPoolsResp{Pools: []*mgmtpb.ListPoolsResp_Pool{
		{Uuid: "2222", Label: "tank", SvcReps: []uint32{0, 1, 2}, State: "Ready"},
		{Uuid: "1111", Label: "data", SvcReps: []uint32{3}, State: "Ready", RebuildState: "idle"}}}
	for _, flags := range [][]string{{"-n"}, {"-n", "-v"}, {"-j", "-n"}} {
		want, _, rc := e.dmg(t, append([]string{"pool", "list"}, flags...)...)
		require.Equal(t, 0, rc, want)
		out, _, rc = e.dmg(t, append([]string{"system", "list-pools"}, flags...)...)
		require.Equal(t, 0, rc, out)
		require.Equal(t, want, out, flags)
	}
	require.Contains(t, out, `"label": "data"`)

	e.ms.pools = &mgmtpb.ListPoolsResp{Status: -1005}
	out, _, rc = e.dmg(t, "-j", "system", "list-pools")
	require.Equal(t, 1, rc)
	require.Equal(t, -1005, decodeEnv(t, out, nil).Status)

	requireRefusal(t, e, "system", "list-pools")
}

// The management service is reached through the first host that answers;
// when none does, the error names them.
func TestSystemHostFallback(t *testing.T) {
	e := newMSEnv(t)
	e.ms.query = members()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	require.NoError(t, dead.Close())
	live := e.ms.addr

	out, errOut, rc := e.dmg(t, "-l", deadAddr+","+live, "system", "query")
	require.Equal(t, 0, rc, out+errOut)
	require.Regexp(t, `\[0-2\]\s+Joined`, out)

	_, errOut, rc = e.dmg(t, "-l", deadAddr, "system", "query")
	require.Equal(t, 1, rc)
	require.Contains(t, errOut, "no server answered")
	require.Contains(t, errOut, deadAddr)

	out, _, rc = e.dmg(t, "system", "--help")
	require.Equal(t, 0, rc)
	for _, c := range []string{"query", "stop", "start", "exclude", "clear-exclude", "leader-query", "cleanup",
		"get-prop", "set-prop", "get-attr", "set-attr", "del-attr", "list-pools"} {
		require.Contains(t, out, "  "+c+" ")
	}
}
