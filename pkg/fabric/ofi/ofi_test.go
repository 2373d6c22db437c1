//go:build ofi && cgo

package ofi

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/fabrictest"
)

// loopbackProviders are the providers the suite runs on, where offered.
var loopbackProviders = []string{"ofi+tcp;ofi_rxm", "ofi+tcp", "ofi+shm"}

func TestConformance(t *testing.T) {
	have, err := Driver{}.Providers()
	require.NoError(t, err)
	ran := 0
	for _, p := range loopbackProviders {
		if !slices.Contains(have, p) {
			continue
		}
		ran++
		t.Run(p, func(t *testing.T) {
			fabrictest.Run(t, func(t *testing.T, h fabric.Handler) fabric.Endpoint {
				ep, err := fabric.Open(context.Background(), fabric.Config{Provider: p, Interface: "127.0.0.1"}, []fabric.Driver{Driver{}}, h)
				require.NoError(t, err)
				return ep
			})
		})
	}
	require.NotZero(t, ran, "none of %v is offered (have %v)", loopbackProviders, have)
}

func TestMissingProviderNamed(t *testing.T) {
	for _, p := range []string{"ofi+nonesuch", "ofi+shm"} {
		_, err := fabric.Open(context.Background(), fabric.Config{Provider: p}, []fabric.Driver{Driver{}}, func(fabric.Peer, []byte) {})
		require.ErrorIs(t, err, fabric.ErrUnavailable, p)
		require.Contains(t, err.Error(), p)
		require.Contains(t, err.Error(), "ofi+tcp;ofi_rxm")
	}
}
