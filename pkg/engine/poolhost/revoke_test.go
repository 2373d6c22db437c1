package poolhost

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/rpc"
	"github.com/daos-go/daos/pkg/rsvc"
	"github.com/daos-go/daos/pkg/vos"
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

// closer is a counter whose "close:<uuid>" command closes that handle.
type closer struct{ counter }

type closed struct {
	res     any
	handles []string
}

func (c *closed) Result() any                 { return c.res }
func (c *closed) ClosedContHandles() []string { return c.handles }

func (c *closer) Apply(cmd []byte) any {
	if h, ok := strings.CutPrefix(string(cmd), "close:"); ok {
		return &closed{res: "closed", handles: []string{h, "not-a-uuid"}}
	}
	return c.counter.Apply(cmd)
}

// TestRevokeBeforeReply: a command that closes handles returns only once
// every reachable engine of the pool dropped them, the sender gets the
// command's own result, and an engine that does not answer costs at most
// about revokeTimeout.
func TestRevokeBeforeReply(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var mu sync.Mutex
	uris := map[uint32]string{}
	revoked := map[uint32][]UUID{}
	// Rank 9 is in the map: it accepts connections and never answers.
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer hole.Close()
	var conns []net.Conn
	go func() {
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	uris[9] = "tcp://" + hole.Addr().String()
	ranks := []uint32{0, 1, 2, 9}
	rankURIs := func() map[uint32]string {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(uris)
	}
	var hosts []*Host
	for r := uint32(0); r < 3; r++ {
		var tgs []*target.Target
		scm := t.TempDir()
		for i := 0; i < 2; i++ {
			tg := target.New(target.Config{Index: i, SCMDir: scm, LogMode: vos.LogFile})
			require.NoError(t, tg.Open(ctx))
			tgs = append(tgs, tg)
			defer tg.Close()
		}
		mux := rsvc.NewMux()
		h := New(Config{SCMDir: scm, Targets: tgs, Mux: mux, Self: func() (uint32, bool) { return r, true },
			NewService: func(UUID) Service { return &closer{} }, Logger: slog.New(slog.DiscardHandler), Timing: fast,
			MapOf: func(s Service) (uint32, []uint32, bool) {
				c := s.(*closer)
				c.mu.Lock()
				defer c.mu.Unlock()
				return 1, ranks, c.init
			},
			RankURIs: rankURIs,
			OnRevoke: func(p UUID, hs []UUID) {
				mu.Lock()
				revoked[r] = append(revoked[r], hs...)
				mu.Unlock()
			}})
		reg := rpc.NewRegistry()
		require.NoError(t, mux.Register(reg))
		require.NoError(t, h.Register(reg))
		ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fabric.Config{Provider: "tcp", Interface: "127.0.0.1"}, Registry: reg, PeerKey: testPeerKey})
		require.NoError(t, err)
		mux.SetEndpoint(ep)
		h.SetEndpoint(ep)
		defer ep.Close()
		defer h.Close()
		mu.Lock()
		uris[r] = ep.URI().String()
		mu.Unlock()
		hosts = append(hosts, h)
	}
	pool := UUID{0x7e}
	all := rankURIs()
	plan := Plan{Pool: pool, Ranks: []uint32{0, 1, 2}, URIs: all, SCMBytes: []uint64{64 << 20, 64 << 20, 64 << 20},
		NVMeBytes: []uint64{0, 0, 0}, SvcRanks: []uint32{0}, Init: initCmd}
	require.NoError(t, hosts[0].CreatePool(ctx, plan))

	h := UUID{0xc1, 0x05}
	cl := &Client{EP: hosts[1].rpcEP}
	start := time.Now()
	res, err := cl.AdminApply(ctx, pool, []string{all[0]}, []byte("close:"+target.UUID(h).String()))
	took := time.Since(start)
	require.NoError(t, err)
	assert.JSONEq(t, `"closed"`, string(res), "the command's own result")
	mu.Lock()
	for r := uint32(0); r < 3; r++ {
		assert.Equal(t, []UUID{h}, revoked[r], "rank %d dropped the handle before the reply", r)
	}
	mu.Unlock()
	assert.Less(t, took, 3*time.Second, "a silent engine held the command up for %s", took)
	assert.GreaterOrEqual(t, took, revokeTimeout-100*time.Millisecond, "the leader tried the silent engine")

	// Ordinary commands revoke nothing.
	_, err = cl.AdminApply(ctx, pool, []string{all[0]}, []byte("1"))
	require.NoError(t, err)
	mu.Lock()
	assert.Len(t, revoked[0], 1)
	mu.Unlock()
}
