package objclient_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/rpc"
)

// TestInlineThreshold: values below the client's threshold travel inside
// the update request, larger ones by bulk handle, and both arrive whole.
func TestInlineThreshold(t *testing.T) {
	ctx := context.Background()
	type seen struct {
		inline bool
		data   []byte
	}
	got := make(chan seen, 1)
	reg := rpc.NewRegistry()
	require.NoError(t, reg.Register(objproto.OpUpdate, "obj_update", rpc.Handle(
		func(ctx context.Context, in *rpc.Incoming, req *objproto.UpdateReq) (rpc.Message, error) {
			buf := make([]byte, req.Data.Len)
			if req.Data.Inline != nil {
				copy(buf, req.Data.Inline)
			} else if err := in.Pull(ctx, req.Data, [][]byte{buf}); err != nil {
				return nil, err
			}
			got <- seen{inline: req.Data.Inline != nil, data: buf}
			return &objproto.UpdateResp{Epoch: 1}, nil
		})))
	srv, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: reg})
	require.NoError(t, err)
	defer srv.Close()
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}})
	require.NoError(t, err)
	defer ep.Close()

	for _, tc := range []struct {
		threshold, size int
		inline          bool
	}{
		{0, 4096, true},
		{0, objclient.DefaultInline - 1, true},
		{0, objclient.DefaultInline, false},
		{0, 100 << 10, false},
		{1024, 1023, true},
		{1024, 4096, false},
	} {
		c := &objclient.Client{EP: ep, Clock: &hlc.Clock{}, Inline: tc.threshold}
		val := bytes.Repeat([]byte{byte(tc.size)}, tc.size)
		iod := []daos.IOD{{Name: []byte("a"), Type: daos.IODSingle, Size: uint64(tc.size)}}
		_, err := c.Update(ctx, objclient.Shard{URI: srv.URI()}, objproto.Header{}, []byte("d"), iod, [][]byte{val[:tc.size/2], val[tc.size/2:]})
		require.NoError(t, err)
		s := <-got
		assert.Equal(t, tc.inline, s.inline, "threshold %d, %d bytes", tc.threshold, tc.size)
		assert.True(t, bytes.Equal(val, s.data), "threshold %d, %d bytes arrived changed", tc.threshold, tc.size)
	}
}
