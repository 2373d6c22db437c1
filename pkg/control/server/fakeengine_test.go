package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/drpc"
)

// fakeEngine serves the handlers register adds on a dRPC socket, as an
// engine would, until the test ends; it returns the socket's path.
func fakeEngine(t *testing.T, register func(srv *drpc.Server)) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "srv") // short: socket paths are limited
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "e.sock")
	srv := drpc.NewServer(sock, drpc.ServerOptions{})
	register(srv)
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, srv.Listen(ctx))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return sock
}
