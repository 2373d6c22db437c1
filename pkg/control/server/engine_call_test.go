package server

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

func TestCallEngine(t *testing.T) {
	sock := fakeEngine(t, func(srv *drpc.Server) {
		srv.Register(drpc.ModuleMgmt, drpc.MethodPoolQuery, func(_ context.Context, body []byte) ([]byte, error) {
			return append([]byte("echo:"), body...), nil
		})
	})

	stopped := &instance{idx: 0, state: StateStopped}
	ready := &instance{idx: 1, state: StateReady, client: drpc.NewClient(sock, 0)}
	defer ready.client.Close()
	s := &Server{opts: Options{CallTimeout: time.Second}, instances: []*instance{stopped, ready}}

	out, err := s.CallEngine(context.Background(), drpc.MethodPoolQuery, []byte("x"))
	require.NoError(t, err)
	require.Equal(t, "echo:x", string(out))

	_, err = s.CallEngine(context.Background(), drpc.MethodPoolCreate, nil)
	require.Error(t, err, "a method the engine does not serve")
	require.Contains(t, err.Error(), "engine 1")

	s.instances = []*instance{stopped}
	_, err = s.CallEngine(context.Background(), drpc.MethodPoolQuery, nil)
	require.True(t, errors.Is(err, daos.ErrUnreach), "%v", err)
}
