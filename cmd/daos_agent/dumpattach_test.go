package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
)

// attachSvc answers GetAttachInfo for system "daos_server".
type attachSvc struct {
	mgmtpb.UnimplementedMgmtSvcServer
	got   chan *mgmtpb.GetAttachInfoReq
	build *mgmtpb.BuildInfo // reported when set
}

func (s *attachSvc) GetAttachInfo(_ context.Context, req *mgmtpb.GetAttachInfoReq) (*mgmtpb.GetAttachInfoResp, error) {
	resp := &mgmtpb.GetAttachInfoResp{
		Sys: "daos_server",
		RankUris: []*mgmtpb.GetAttachInfoResp_RankUri{
			{Rank: 0, Uri: "ofi+tcp://10.0.0.1:31416"},
			{Rank: 2, Uri: "ofi+tcp://10.0.0.2:31416"},
		},
		MsRanks:       []uint32{0},
		ClientNetHint: &mgmtpb.ClientNetHint{Provider: "ofi+tcp", CrtTimeout: 30},
		BuildInfo:     s.build,
	}
	// Sent once the reply is built, so a test may change build after
	// receiving the request.
	s.got <- req
	return resp, nil
}

// agentConfig writes a daos_agent.yml whose access point is a fake
// management service.
func agentConfig(t *testing.T) (dir, cfg string, svc *attachSvc) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	svc = &attachSvc{got: make(chan *mgmtpb.GetAttachInfoReq, 4)}
	srv := grpc.NewServer()
	mgmtpb.RegisterMgmtSvcServer(srv, svc)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	dir = t.TempDir()
	cfg = filepath.Join(dir, "daos_agent.yml")
	require.NoError(t, os.WriteFile(cfg, []byte("access_points: ['"+lis.Addr().String()+"']\ntransport_config: {allow_insecure: true}\n"), 0o644))
	return dir, cfg, svc
}

func TestDumpAttachInfo(t *testing.T) {
	dir, cfg, svc := agentConfig(t)
	want := "name daos_server\nsize 2\nall\n0 ofi+tcp://10.0.0.1:31416\n2 ofi+tcp://10.0.0.2:31416\n"

	var out, errOut bytes.Buffer
	require.Equal(t, 0, execute([]string{"-o", cfg, "dump-attachinfo"}, &out, &errOut), errOut.String())
	require.Equal(t, want, out.String())
	req := <-svc.got
	require.Equal(t, "daos_server", req.Sys)
	require.True(t, req.AllRanks)

	// -o after the subcommand is the output file.
	file := filepath.Join(dir, "daos_server.attach_info_tmp")
	out.Reset()
	require.Equal(t, 0, execute([]string{"-o", cfg, "dump-attachinfo", "-o", file}, &out, &errOut), errOut.String())
	require.Empty(t, out.String())
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, want, string(data))

	require.Equal(t, 0, execute([]string{"dump-attachinfo", "--config-path", cfg, "--output=" + file + "2"}, &out, &errOut), errOut.String())
	data, err = os.ReadFile(file + "2")
	require.NoError(t, err)
	require.Equal(t, want, string(data))

	// JSON carries the rest of the reply.
	out.Reset()
	require.Equal(t, 0, execute([]string{"-j", "--config-path=" + cfg, "dump-attachinfo"}, &out, &errOut), errOut.String())
	var env struct {
		Response struct {
			Sys           string   `json:"sys"`
			MsRanks       []uint32 `json:"ms_ranks"`
			ClientNetHint struct {
				Provider   string `json:"provider"`
				CrtTimeout uint32 `json:"crt_timeout"`
			} `json:"client_net_hint"`
			RankUris []struct {
				Rank uint32 `json:"rank"`
				URI  string `json:"uri"`
			} `json:"rank_uris"`
		} `json:"response"`
		Status int `json:"status"`
	}
	require.NoError(t, json.Unmarshal(out.Bytes(), &env), out.String())
	require.Equal(t, "daos_server", env.Response.Sys)
	require.Equal(t, "ofi+tcp", env.Response.ClientNetHint.Provider)
	require.Equal(t, uint32(30), env.Response.ClientNetHint.CrtTimeout)
	require.Equal(t, []uint32{0}, env.Response.MsRanks)
	require.Len(t, env.Response.RankUris, 2)
}

func TestDumpAttachInfoUnreachable(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := lis.Addr().String()
	require.NoError(t, lis.Close())
	cfg := filepath.Join(t.TempDir(), "daos_agent.yml")
	require.NoError(t, os.WriteFile(cfg, []byte("access_points: ['"+addr+"']\ntransport_config: {allow_insecure: true}\n"), 0o644))

	var out, errOut bytes.Buffer
	require.Equal(t, 1, execute([]string{"-j", "-o", cfg, "dump-attachinfo"}, &out, &errOut))
	require.Contains(t, errOut.String(), addr)
	require.Contains(t, out.String(), `"status": -1006`)
}

func TestGlobalArgs(t *testing.T) {
	for _, c := range []struct{ in, want []string }{
		{[]string{"-o", "a.yml", "dump-attachinfo", "-o", "f"}, []string{"--config-path", "a.yml", "dump-attachinfo", "-o", "f"}},
		{[]string{"-oa.yml", "start"}, []string{"--config-path=a.yml", "start"}},
		{[]string{"-o=a.yml"}, []string{"--config-path=a.yml"}},
		{[]string{"-s", "-o", "dump-attachinfo", "-o", "f"}, []string{"-s", "-o", "dump-attachinfo", "-o", "f"}},
		{[]string{"-i", "-d", "-o", "x", "--", "-o"}, []string{"-i", "-d", "--config-path", "x", "--", "-o"}},
		{nil, nil},
	} {
		require.Equal(t, c.want, globalArgs(c.in), "%q", c.in)
	}
}
