package poolhost

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rsvc"
)

// testPeerKey is the system's peer key of the tests' engines.
var testPeerKey = bytes.Repeat([]byte{0x5a}, 32)

// rawMsg is a request body of given bytes (for opcodes whose message
// types are another package's).
type rawMsg []byte

func (m rawMsg) EncodeRPC(e *rpc.Encoder)       { e.PutRaw(m) }
func (m rawMsg) DecodeRPC(d *rpc.Decoder) error { return nil }

// A fabric client (no peer key, or a wrong one) that sends an engine's
// opcodes to an engine is refused before anything happens: the pool, its
// service and its shards stay as they were; what clients may send still
// works.
func TestEngineOpcodesRefusedToClients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	e := startEngine(t, 0, t.TempDir(), 0)
	defer e.stop()
	uri := e.ep.URI()
	uris := map[uint32]string{0: uri.String()}
	pool := UUID{0x51}
	require.NoError(t, e.host.CreatePool(ctx, Plan{Pool: pool, Ranks: []uint32{0}, URIs: uris, SCMBytes: []uint64{64 << 20},
		NVMeBytes: []uint64{0}, SvcRanks: []uint32{0}, Init: initCmd}))
	replicas := []string{uri.String()}
	version, known := e.host.maps.Version(pool)

	for name, key := range map[string][]byte{"no key": nil, "wrong key": bytes.Repeat([]byte{1}, 32)} {
		cep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, PeerKey: key})
		require.NoError(t, err)
		defer cep.Close()
		for _, c := range []struct {
			op  rpc.Opcode
			req rpc.Message
		}{
			{OpPoolAdmin, &ServiceReq{Pool: pool, Body: []byte("100")}},
			{OpPoolAdminQuery, &ServiceReq{Pool: pool, Body: []byte("secret")}},
			{OpTgtDestroy, &PoolReq{Pool: pool}},
			{OpSvcStop, &PoolReq{Pool: pool}},
			{OpMapDist, &MapDistReq{Pool: pool, Version: version + 100}},
			{OpHdlRevoke, &HdlRevokeReq{Pool: pool, Handles: []UUID{{1}}}},
			{OpTgtCreate, &TgtCreateReq{Pool: UUID{0x52}, SCMBytes: 64 << 20}},
			{OpSvcStart, &SvcStartReq{Pool: UUID{0x52}, Members: []Member{{Rank: 0, URI: uri.String()}}}},
			{OpTgtQuery, &PoolReq{Pool: pool}},
			{OpMapVersion, &ServiceReq{Pool: pool}},
			{rsvc.OpAppendEntries, rawMsg(pool[:])},
			{rsvc.OpRequestVote, rawMsg(pool[:])},
		} {
			err := cep.Call(ctx, uri, c.op, c.req, &ServiceResp{})
			require.Error(t, err, "%s: %#x", name, c.op)
			assert.True(t, errors.Is(err, daos.ErrNoPerm), "%s: %#x: %v", name, c.op, err)
		}
		// A client's own command still works (and the counter shows the
		// refused admin command did not run).
		out, err := (&Client{EP: cep}).Apply(ctx, pool, replicas, []byte("1"))
		require.NoError(t, err, name)
		out2, err := (&Client{EP: cep}).Query(ctx, pool, replicas, nil)
		require.NoError(t, err, name)
		assert.Equal(t, string(out), string(out2))
		// Its reads are answered as a client's.
		_, err = (&Client{EP: cep}).Query(ctx, pool, replicas, []byte("secret"))
		assert.True(t, errors.Is(err, daos.ErrNoPerm), "%s: a client read what only engines may: %v", name, err)
	}
	out, err := (&Client{EP: e.ep}).Query(ctx, pool, replicas, nil)
	require.NoError(t, err)
	assert.Equal(t, "2", string(out), "only the two client commands ran")
	assert.Equal(t, []UUID{pool}, e.host.Hosted(), "the pool service is still there")
	for _, tg := range e.targets {
		_, err := tg.Shard(target.UUID(pool))
		require.NoError(t, err, "the pool's shards are still there")
		_, err = tg.Shard(target.UUID(UUID{0x52}))
		assert.True(t, errors.Is(err, daos.ErrNonexist), "a refused create made shards")
	}
	v, vKnown := e.host.maps.Version(pool)
	assert.Equal(t, []any{version, known}, []any{v, vKnown}, "a refused map push was kept")
	assert.Equal(t, uint64(24), e.ep.RefusedInternal())

	// An engine holding the key is served.
	eng, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, PeerKey: testPeerKey})
	require.NoError(t, err)
	defer eng.Close()
	out, err = (&Client{EP: eng}).AdminApply(ctx, pool, replicas, []byte("10"))
	require.NoError(t, err)
	assert.Equal(t, "12", string(out))
	out, _, err = (&Client{EP: eng}).AdminQueryLeader(ctx, pool, replicas, []byte("secret"))
	require.NoError(t, err)
	assert.Equal(t, "12", string(out))
}
