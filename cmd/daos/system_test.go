package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/rpc"
)

type fakeAgent struct {
	ep      *rpc.Endpoint
	info    *mgmtpb.GetAttachInfoResp
	pools   []*mgmtpb.ListPoolsResp_Pool
	listErr error
	sys     string
	ended   bool
}

func (a *fakeAgent) AttachInfo() *mgmtpb.GetAttachInfoResp { return a.info }
func (a *fakeAgent) Endpoint() *rpc.Endpoint               { return a.ep }
func (a *fakeAgent) ListPools(context.Context) ([]*mgmtpb.ListPoolsResp_Pool, error) {
	return a.pools, a.listErr
}
func (a *fakeAgent) attach(_ context.Context, sys string) (agentSession, func(), error) {
	a.sys = sys
	return a, func() { a.ended = true }, nil
}

func runAgent(t *testing.T, a *fakeAgent, connect connector, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cmdutil.Execute(newRootWith(connect, a.attach), args, &out, &errOut)
	return out.String(), errOut.String(), code
}

func TestSystemQuery(t *testing.T) {
	a := &fakeAgent{info: &mgmtpb.GetAttachInfoResp{Sys: "daos_server", MsRanks: []uint32{0, 1, 2},
		ClientNetHint: &mgmtpb.ClientNetHint{Provider: "ofi+tcp", Interface: "lo"},
		RankUris: []*mgmtpb.GetAttachInfoResp_RankUri{
			{Rank: 2, Uri: "ofi+tcp://127.0.0.4:31416"}, {Rank: 0, Uri: "ofi+tcp://127.0.0.2:31416"}},
		BuildInfo: &mgmtpb.BuildInfo{Major: 2, Minor: 6, Patch: 0}}}
	out, errOut, code := runAgent(t, a, nil, "system", "query", "-G", "mysys")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	if a.sys != "mysys" || !a.ended {
		t.Errorf("attached to %q, ended %v", a.sys, a.ended)
	}
	for _, want := range []string{"System: daos_server", "Fabric provider: ofi+tcp", "Access point ranks: [0-2]",
		"Server version: 2.6.0", "Rank URIs (2):", "0     ofi+tcp://127.0.0.2:31416\n  2     ofi+tcp://127.0.0.4:31416"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	out, _, code = runAgent(t, a, nil, "system", "query", "-j")
	e := decode(t, out)
	var got systemInfo
	if code != 0 || json.Unmarshal(e.Response, &got) != nil {
		t.Fatalf("json: %d %s", code, out)
	}
	if len(got.Ranks) != 2 || got.Ranks[0] != (rankURI{0, "ofi+tcp://127.0.0.2:31416"}) || got.Sys != "daos_server" {
		t.Errorf("json answer %+v", got)
	}
	out, errOut, code = runAgent(t, a, nil, "server-version")
	if code != 0 || out != "daos_server version 2.6.0\n" {
		t.Errorf("server-version: %d %q %s", code, out, errOut)
	}
	if _, errOut, code := runAgent(t, a, nil, "system", "query", "extra"); code == 0 || !strings.Contains(errOut, "unknown command") && !strings.Contains(errOut, "accepts 0 arg") {
		t.Errorf("an argument is refused: %d %s", code, errOut)
	}
}

func TestPoolList(t *testing.T) {
	const other = "00000000-1111-4222-8333-444455556666"
	const broken = "99999999-1111-4222-8333-444455556666"
	a := &fakeAgent{pools: []*mgmtpb.ListPoolsResp_Pool{
		{Uuid: other, Label: "secret", State: "Ready", SvcReps: []uint32{1}},
		{Uuid: poolUUID, Label: "tank", State: "Ready", SvcReps: []uint32{0, 1, 2}},
		{Uuid: broken, Label: "down", State: "Ready"},
	}}
	var connected []string
	f := &fakePool{}
	connect := func(ctx context.Context, sys, pool string, flags uint64) (poolHandle, func(), error) {
		connected = append(connected, pool)
		switch pool {
		case other:
			return nil, nil, daos.Errorf(daos.ErrNoPerm, "connect to pool %s", pool)
		case broken:
			return nil, nil, daos.Errorf(daos.ErrTimedout, "connect to pool %s", pool)
		}
		return f.connect(ctx, sys, pool, flags)
	}
	out, errOut, code := runAgent(t, a, connect, "pool", "list")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	if len(connected) != 3 || !f.disconnected || !f.done {
		t.Errorf("connected %v, disconnected %v", connected, f.disconnected)
	}
	if !strings.Contains(out, "tank") || strings.Contains(out, "secret") || strings.Contains(out, "down") {
		t.Errorf("only the accessible pool is listed:\n%s", out)
	}
	if !strings.Contains(out, "tank                 Ready      12       0") {
		t.Errorf("query figures missing:\n%s", out)
	}
	if !strings.Contains(errOut, "pool down:") || strings.Contains(errOut, "secret") {
		t.Errorf("an unreachable pool is reported, a forbidden one is not: %q", errOut)
	}

	out, _, code = runAgent(t, a, connect, "pool", "list", "-v", "-j")
	e := decode(t, out)
	var listed struct {
		Pools []poolListEntry `json:"pools"`
	}
	if code != 0 || json.Unmarshal(e.Response, &listed) != nil || len(listed.Pools) != 1 {
		t.Fatalf("json: %d %s", code, out)
	}
	rows := listed.Pools
	if rows[0].UUID != poolUUID || rows[0].TotalTargets != 12 || rows[0].Containers == nil {
		t.Errorf("row %+v", rows[0])
	}

	connected = nil
	out, _, code = runAgent(t, a, connect, "pool", "list", "--no-query")
	if code != 0 || len(connected) != 0 {
		t.Fatalf("no-query connected %v (code %d)", connected, code)
	}
	for _, want := range []string{other, "secret", poolUUID, broken} {
		if !strings.Contains(out, want) {
			t.Errorf("-n lists every pool; %q missing:\n%s", want, out)
		}
	}

	a.listErr = daos.Errorf(daos.ErrUnreach, "list pools")
	out, _, code = runAgent(t, a, connect, "pool", "list", "-j")
	if e := decode(t, out); code == 0 || e.Error == nil || e.Status != daos.ErrUnreach.DerCode() {
		t.Errorf("a failed list: %d %s", code, out)
	}
	a.listErr, a.pools = nil, nil
	out, _, _ = runAgent(t, a, connect, "pool", "list")
	if !strings.Contains(out, "No pools in system") {
		t.Errorf("empty list: %q", out)
	}
}
