package engine

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/drpc/drpcpb"
)

// TestPoolMethodsRefused: every pool method answers with its own reply
// type carrying DER_NOSYS; a malformed request is a payload error.
func TestPoolMethodsRefused(t *testing.T) {
	dir, err := os.MkdirTemp("", "eng")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "e.sock")
	e := &Engine{opts: Options{Logger: slog.New(slog.DiscardHandler)}}
	srv := drpc.NewServer(sock, drpc.ServerOptions{})
	e.registerPool(srv)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, srv.Listen(ctx))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	c := drpc.NewClient(sock, 0)
	defer c.Close()
	require.Len(t, poolMethods, 17) // 16 pool methods and CONT_SET_OWNER
	for _, pm := range poolMethods {
		body, err := proto.Marshal(pm.req())
		require.NoError(t, err)
		out, err := c.Call(ctx, drpc.ModuleMgmt, pm.method, body)
		require.NoError(t, err, "method %d", pm.method)
		resp := pm.resp(0)
		require.NoError(t, proto.Unmarshal(out, resp))
		require.Equal(t, int32(daos.ErrNosys.DerCode()), resp.(interface{ GetStatus() int32 }).GetStatus(), "method %d", pm.method)
	}
	out, err := c.Call(ctx, drpc.ModuleMgmt, drpc.MethodPoolCreate, nil)
	require.NoError(t, err)
	resp := &mgmtpb.PoolCreateResp{}
	require.NoError(t, proto.Unmarshal(out, resp))
	require.Equal(t, int32(-1010), resp.Status)

	_, err = c.Call(ctx, drpc.ModuleMgmt, drpc.MethodPoolQuery, []byte{0xff, 0xff})
	var se *drpc.StatusError
	require.True(t, errors.As(err, &se), "%v", err)
	require.Equal(t, drpcpb.Status_FAILED_UNMARSHAL_PAYLOAD, se.Status)
}
