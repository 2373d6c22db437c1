package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/cmdutil"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/drpc"
)

func TestStartServesCredentials(t *testing.T) {
	dir, err := os.MkdirTemp("", "agentcmd")
	require.NoError(t, err)
	defer os.RemoveAll(dir)
	cfgPath := filepath.Join(dir, "daos_agent.yml")
	runDir := filepath.Join(dir, "run")
	require.NoError(t, os.WriteFile(cfgPath, []byte("access_points: ['127.0.0.1:1']\n"), 0o644))

	ctx, cancel := context.WithCancel(context.Background())
	root := newRoot()
	root.SetContext(ctx)
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- cmdutil.Execute(root, []string{"-o", cfgPath, "-i", "-s", runDir}, &out, &errOut) }()

	sock := filepath.Join(runDir, agent.SocketName)
	require.Eventually(t, func() bool {
		fi, err := os.Stat(sock)
		return err == nil && fi.Mode().Perm() == 0o777
	}, 5*time.Second, 10*time.Millisecond)

	c := drpc.NewClient(sock, 0)
	defer c.Close()
	body, err := c.Call(ctx, drpc.ModuleSecAgent, drpc.MethodRequestCreds, nil)
	require.NoError(t, err)
	resp := &agentpb.GetCredResp{}
	require.NoError(t, proto.Unmarshal(body, resp))
	if resp.Status == 0 {
		require.NotNil(t, resp.Cred)
	}

	// No server answers on 127.0.0.1:1: libdaos is told DER_UNREACH.
	body, err = c.Call(ctx, drpc.ModuleMgmt, drpc.MethodGetAttachInfo, nil)
	require.NoError(t, err)
	ai := &mgmtpb.GetAttachInfoResp{}
	require.NoError(t, proto.Unmarshal(body, ai))
	require.Equal(t, int32(-1006), ai.Status)

	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, errOut.String())
	case <-time.After(20 * time.Second):
		t.Fatal("daos_agent did not stop")
	}
	require.Contains(t, errOut.String(), "daos_agent started")
	_, err = os.Stat(sock)
	require.True(t, os.IsNotExist(err), "socket removed on exit")
}

func TestBadConfig(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "daos_agent.yml")
	require.NoError(t, os.WriteFile(p, []byte("acces_points: [x]\n"), 0o644))
	var out, errOut bytes.Buffer
	code := cmdutil.Execute(newRoot(), []string{"start", "-o", p}, &out, &errOut)
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), p+":1: acces_points: unknown key")

	errOut.Reset()
	code = cmdutil.Execute(newRoot(), []string{"-o", filepath.Join(dir, "missing.yml")}, &out, &errOut)
	require.Equal(t, 1, code)
	require.True(t, strings.Contains(errOut.String(), "no such file"), errOut.String())
}
