package poolhost

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/rpc"
)

func TestHdlRevokeReqRoundTrip(t *testing.T) {
	for _, in := range []*HdlRevokeReq{
		{Pool: UUID{1, 2}},
		{Pool: UUID{3}, Handles: []UUID{{4}, {5, 6}, {0xff}}},
	} {
		var e rpc.Encoder
		in.EncodeRPC(&e)
		out := &HdlRevokeReq{}
		require.NoError(t, out.DecodeRPC(rpc.NewDecoder(e.Bytes())))
		assert.Equal(t, in.Pool, out.Pool)
		assert.Equal(t, len(in.Handles), len(out.Handles))
		for i := range in.Handles {
			assert.Equal(t, in.Handles[i], out.Handles[i])
		}
	}
}
