package tcp_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/fabrictest"
	"github.com/daos-go/daos/pkg/fabric/tcp"
)

func opener(d tcp.Driver) fabrictest.Opener {
	return func(t *testing.T, h fabric.Handler) fabric.Endpoint {
		ep, err := d.Open(context.Background(), fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, h)
		require.NoError(t, err)
		return ep
	}
}

func TestConformance(t *testing.T) {
	t.Run("defaults", func(t *testing.T) { fabrictest.Run(t, opener(tcp.Driver{})) })
	// Odd, small chunks make every transfer many interleaved frames.
	t.Run("chunk=4099", func(t *testing.T) { fabrictest.Run(t, opener(tcp.Driver{ChunkSize: 4099, MaxBulkOps: 4})) })
}
