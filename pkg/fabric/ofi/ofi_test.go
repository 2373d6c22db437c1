//go:build ofi && cgo

package ofi

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

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

// TestInPlaceRegions: regions inside memory from Alloc are registered
// where they are (nothing staged), read and written by peers byte for
// byte at odd offsets, and the memory cannot be freed under a region.
func TestInPlaceRegions(t *testing.T) {
	const p = "ofi+tcp;ofi_rxm"
	have, err := Driver{}.Providers()
	require.NoError(t, err)
	if !slices.Contains(have, p) {
		t.Skipf("%s is not offered here (have %v)", p, have)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func() *endpoint {
		ep, err := fabric.Open(ctx, fabric.Config{Provider: p, Interface: "127.0.0.1"}, []fabric.Driver{Driver{}}, func(fabric.Peer, []byte) {})
		require.NoError(t, err)
		t.Cleanup(func() { _ = ep.Close() })
		return ep.(*endpoint)
	}
	a, b := open(), open()
	ab, err := a.Connect(ctx, b.URI())
	require.NoError(t, err)

	am, err := a.Alloc(1<<20 + 123)
	require.NoError(t, err)
	bm, err := b.Alloc(300000)
	require.NoError(t, err)
	require.Len(t, am.Bytes(), 1<<20+123)

	// b exposes [4097, 4097+70001) of its memory; a reads into [13, ...) of its own.
	remoteBuf := bm.Bytes()[4097 : 4097+70001]
	copy(remoteBuf, bytes.Repeat([]byte("in place "), 70001/9+1))
	remote, err := b.Register([][]byte{remoteBuf}, fabric.AccessRemoteRead|fabric.AccessRemoteWrite)
	require.NoError(t, err)
	require.NotNil(t, remote.(*region).alloc, "a segment inside allocated memory is registered in place")
	localBuf := am.Bytes()[13 : 13+70001]
	local, err := a.Register([][]byte{localBuf}, fabric.AccessLocal)
	require.NoError(t, err)
	require.NotNil(t, local.(*region).alloc)

	require.NoError(t, ab.Read(ctx, remote.Handle(), 0, local, 0, 70001))
	require.Equal(t, remoteBuf, localBuf)
	// In place: the owner's later changes are what peers read.
	copy(remoteBuf[100:], "changed after registering")
	require.NoError(t, ab.Read(ctx, remote.Handle(), 100, local, 5, 25))
	require.Equal(t, "changed after registering", string(localBuf[5:30]))

	// A write lands in b's memory at the offset asked, nothing around it.
	before := bytes.Clone(bm.Bytes())
	copy(localBuf, bytes.Repeat([]byte{0xA5}, 70001))
	require.NoError(t, ab.Write(ctx, local, 7, remote.Handle(), 999, 4099))
	require.NoError(t, remote.Close())
	copy(before[4097+999:], bytes.Repeat([]byte{0xA5}, 4099))
	require.Equal(t, before, bm.Bytes())

	// Memory under an open region cannot be freed; after Close it can, once.
	err = am.Free()
	require.ErrorContains(t, err, "still use it")
	require.NoError(t, local.Close())
	require.NoError(t, am.Free())
	require.ErrorContains(t, am.Free(), "already freed")

	// Go memory, and a segment running past the allocation, are staged.
	goBuf := make([]byte, 4096)
	staged, err := b.Register([][]byte{goBuf}, fabric.AccessLocal)
	require.NoError(t, err)
	require.Nil(t, staged.(*region).alloc)
	require.NoError(t, staged.Close())
	whole := bm.Bytes()
	require.Nil(t, func() *allocation { a, _ := b.inPlace(whole[len(whole)-10 : len(whole)-10 : len(whole)-10]); return a }(), "an empty segment is not in place")

	// Closing the endpoint first leaves the memory to its owner to free.
	require.NoError(t, b.Close())
	require.NoError(t, bm.Free())
}
