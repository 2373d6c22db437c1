package main

import (
	"context"
	"net"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
)

type versionSvc struct {
	mgmtpb.UnimplementedMgmtSvcServer
	build *mgmtpb.BuildInfo
}

func (s *versionSvc) GetAttachInfo(_ context.Context, req *mgmtpb.GetAttachInfoReq) (*mgmtpb.GetAttachInfoResp, error) {
	return &mgmtpb.GetAttachInfoResp{Sys: req.Sys, BuildInfo: s.build}, nil
}

func TestServerVersion(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc := &versionSvc{build: &mgmtpb.BuildInfo{Major: 2, Minor: 6, Patch: 0, Tag: "2.6.0"}}
	gs := grpc.NewServer()
	mgmtpb.RegisterMgmtSvcServer(gs, svc)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	l := []string{"-l", lis.Addr().String(), "-i"}

	out, rc := run(t, append(l, "server-version")...)
	require.Equal(t, 0, rc, out)
	require.Equal(t, "daos_server version 2.6.0\n", out)
	out, rc = run(t, append(l, "-j", "server-version")...)
	require.Equal(t, 0, rc, out)
	require.JSONEq(t, `{"response":{"major":2,"minor":6,"patch":0,"tag":"2.6.0"},"error":null,"status":0}`, out)

	gs.Stop()
	out, rc = run(t, append(l, "server-version")...)
	require.Equal(t, 1, rc, out)
	require.Contains(t, out, "server-version")
}
