package main

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/grpcerr"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

// contMS adds ContSetOwner to the fake management service; status is
// the reply's DER status.
type contMS struct {
	*fakeMS
	status int32
}

func (f *contMS) ContSetOwner(_ context.Context, r *mgmtpb.ContSetOwnerReq) (*mgmtpb.ContSetOwnerResp, error) {
	if err := f.record("ContSetOwner", r); err != nil {
		return nil, err
	}
	return &mgmtpb.ContSetOwnerResp{Status: f.status}, nil
}

func newContEnv(t *testing.T) (*msEnv, *contMS) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	cm := &contMS{fakeMS: &fakeMS{reqs: map[string]proto.Message{}, addr: lis.Addr().String()}}
	mgmtpb.RegisterMgmtSvcServer(srv, cm)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	cfg := filepath.Join(t.TempDir(), "daos_control.yml")
	yml := "name: testsys\nhostlist: ['" + lis.Addr().String() + "']\ntransport_config:\n  allow_insecure: true\n"
	require.NoError(t, os.WriteFile(cfg, []byte(yml), 0o600))
	return &msEnv{ms: cm.fakeMS, cfg: cfg}, cm
}

func TestContSetOwner(t *testing.T) {
	const contUUID = "cccccccc-0000-4000-8000-000000000001"
	for name, tc := range map[string]struct {
		args []string
		want *mgmtpb.ContSetOwnerReq
	}{
		"user and group, @ added": {[]string{"container", "set-owner", "tank", "c1", "-u", "bob", "-g", "admins"},
			&mgmtpb.ContSetOwnerReq{Sys: "testsys", PoolId: "tank", ContId: "c1", OwnerUser: "bob@", OwnerGroup: "admins@"}},
		"cont alias, user only": {[]string{"cont", "set-owner", "tank", contUUID, "--user", "bob@"},
			&mgmtpb.ContSetOwnerReq{Sys: "testsys", PoolId: "tank", ContId: contUUID, OwnerUser: "bob@"}},
		"group only, with a domain": {[]string{"cont", "set-owner", "11111111-2222-3333-4444-555555555555", "c1", "--group", "ops@example.com"},
			&mgmtpb.ContSetOwnerReq{Sys: "testsys", PoolId: "11111111-2222-3333-4444-555555555555", ContId: "c1", OwnerGroup: "ops@example.com"}},
	} {
		t.Run(name, func(t *testing.T) {
			e, _ := newContEnv(t)
			out, errOut, rc := e.dmg(t, tc.args...)
			require.Equal(t, 0, rc, out+errOut)
			require.Equal(t, "Container-set-owner command SUCCEEDED\n", out)
			require.Equal(t, tc.want.String(), e.ms.req("ContSetOwner").(*mgmtpb.ContSetOwnerReq).String())

			// JSON: the envelope with no response.
			out, errOut, rc = e.dmg(t, append([]string{"-j"}, tc.args...)...)
			require.Equal(t, 0, rc, out+errOut)
			env := decodeEnv(t, out, nil)
			require.Equal(t, 0, env.Status)
			require.Nil(t, env.Error)
			require.Equal(t, "null", string(env.Response))
		})
	}
}

func TestContSetOwnerRefused(t *testing.T) {
	// Usage errors and bad names are refused before any call.
	for name, tc := range map[string]struct {
		args       []string
		wantStatus int
		wantErr    string
	}{
		"neither flag":   {[]string{"tank", "c1"}, -1025, "at least one of -u/--user or -g/--group"},
		"bad user":       {[]string{"tank", "c1", "-u", "bob@x@y"}, -1003, `--user "bob@x@y"`},
		"bad group":      {[]string{"tank", "c1", "-g", "ad mins"}, -1003, `--group "ad mins"`},
		"special name":   {[]string{"tank", "c1", "-u", "OWNER@"}, -1003, "--user"},
		"one argument":   {[]string{"tank", "-u", "bob"}, -1025, "accepts 2 arg(s)"},
		"bad pool label": {[]string{"ta/nk", "c1", "-u", "bob"}, -1003, "ta/nk"},
		"bad cont label": {[]string{"tank", "c/1", "-u", "bob"}, -1003, "c/1"},
		"unknown flag":   {[]string{"tank", "c1", "-u", "bob", "--uid", "7"}, -1025, "unknown flag"},
	} {
		t.Run(name, func(t *testing.T) {
			e, _ := newContEnv(t)
			out, errOut, rc := e.dmg(t, append([]string{"-j", "container", "set-owner"}, tc.args...)...)
			require.Equal(t, 1, rc, out)
			env := decodeEnv(t, out, nil)
			require.Equal(t, tc.wantStatus, env.Status, out)
			require.NotNil(t, env.Error)
			require.Contains(t, *env.Error, tc.wantErr)
			require.Contains(t, errOut, tc.wantErr)
			require.Zero(t, e.ms.numCalls(), "the management service was called")
		})
	}

	// The service's refusals reach the envelope with their DER codes.
	e, cm := newContEnv(t)
	e.ms.err = grpcerr.Errorf(daos.ErrNonexist, `pool "nope" not found`)
	out, errOut, rc := e.dmg(t, "-j", "cont", "set-owner", "nope", "c1", "-u", "bob")
	require.Equal(t, 1, rc, out)
	env := decodeEnv(t, out, nil)
	require.Equal(t, -1005, env.Status)
	require.True(t, strings.HasPrefix(*env.Error, `container set-owner: pool "nope" not found`), *env.Error)
	require.Contains(t, errOut, `"nope"`)

	e.ms.err = grpcerr.Errorf(daos.ErrNonexist, "container set-owner: pool tank, container nosuch: DER_NONEXIST")
	out, errOut, rc = e.dmg(t, "cont", "set-owner", "tank", "nosuch", "-u", "bob")
	require.Equal(t, 1, rc, out)
	require.Empty(t, out)
	require.True(t, strings.HasPrefix(errOut, "dmg: container set-owner: pool tank, container nosuch"), errOut)
	require.Equal(t, 1, strings.Count(errOut, "container set-owner:"), "said once: %s", errOut)

	// A refusal in the reply's status.
	e.ms.err, cm.status = nil, int32(daos.ErrInval.DerCode())
	out, _, rc = e.dmg(t, "-j", "cont", "set-owner", "tank", "c1", "-g", "ops")
	require.Equal(t, 1, rc, out)
	require.Equal(t, -1003, decodeEnv(t, out, nil).Status)
}
