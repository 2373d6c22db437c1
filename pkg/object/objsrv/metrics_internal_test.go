package objsrv

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/objproto"
)

// A fetch counts the bytes it returned, not the room the caller gave.
func TestFetchedBytes(t *testing.T) {
	req := &objproto.FetchReq{IODs: []daos.IOD{
		{Name: []byte("sv"), Type: daos.IODSingle, Size: daos.RecAny},
		{Name: []byte("arr"), Type: daos.IODArray, Size: 8, Recxs: []daos.Recx{{Idx: 0, Nr: 10}, {Idx: 100, Nr: 5}}},
		{Name: []byte("gone"), Type: daos.IODSingle, Size: 4096},
	}}
	req.Data.Len = 60000 // the caller's buffers
	resp := &objproto.FetchResp{Sizes: []uint64{300, 8, 0}}
	require.EqualValues(t, 300+8*15, fetchedBytes(req, resp))
	require.Zero(t, fetchedBytes(req, nil), "a failed fetch returned nothing")
	require.Zero(t, fetchedBytes(req, &objproto.FetchResp{}), "sizes missing")
}
