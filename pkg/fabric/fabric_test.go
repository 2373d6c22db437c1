package fabric

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
)

func TestSpans(t *testing.T) {
	lens := []int{3, 0, 5, 2}
	segs := make([][]byte, len(lens))
	for i, n := range lens {
		segs[i] = make([]byte, n)
	}
	collect := func(off, n int64) ([]Span, error) {
		var out []Span
		err := SliceSpans(segs, off, n, func(s Span) error { out = append(out, s); return nil })
		return out, err
	}
	got, err := collect(0, 10)
	require.NoError(t, err)
	require.Equal(t, []Span{{0, 0, 0, 3}, {2, 0, 3, 5}, {3, 0, 8, 2}}, got)
	got, err = collect(2, 3)
	require.NoError(t, err)
	require.Equal(t, []Span{{0, 2, 0, 1}, {2, 0, 1, 2}}, got)
	got, err = collect(8, 2)
	require.NoError(t, err)
	require.Equal(t, []Span{{3, 0, 0, 2}}, got)
	got, err = collect(4, 0)
	require.NoError(t, err)
	require.Empty(t, got)
	_, err = collect(8, 3)
	require.Error(t, err)
	_, err = collect(-1, 1)
	require.Error(t, err)
	stop := errors.New("stop")
	require.ErrorIs(t, SliceSpans(segs, 0, 10, func(Span) error { return stop }), stop)

	h := BulkHandle{Segments: []RemoteSegment{{Addr: 100, Key: 1, Len: 4}, {Addr: 0, Key: 2, Len: 4}}}
	require.Equal(t, int64(8), h.Len())
	var hs []Span
	require.NoError(t, HandleSpans(h, 3, 2, func(s Span) error { hs = append(hs, s); return nil }))
	require.Equal(t, []Span{{0, 3, 0, 1}, {1, 0, 1, 1}}, hs)
}

func TestBulkHandleCheck(t *testing.T) {
	require.NoError(t, BulkHandle{}.Check())
	require.True(t, BulkHandle{}.IsZero())
	require.Error(t, BulkHandle{Segments: make([]RemoteSegment, MaxHandleSegments+1)}.Check())
	require.Error(t, BulkHandle{Segments: []RemoteSegment{{Len: 1 << 62}, {Len: 1 << 62}}}.Check())
	require.Equal(t, "remote-read|local", (AccessRemoteRead | AccessLocal).String())
	require.Equal(t, "none", Access(0).String())
}

func TestErrors(t *testing.T) {
	for err, code := range map[error]daos.Errno{
		ErrClosed: daos.ErrCanceled, ErrUnreachable: daos.ErrUnreach, ErrPeerLost: daos.ErrUnreach,
		ErrMalformed: daos.ErrProto, ErrTooLarge: daos.ErrOverflow, ErrTransport: daos.ErrHg,
		ErrUnavailable: daos.ErrNosys,
	} {
		wrapped := fmt.Errorf("doing something: %w", err)
		require.Equal(t, code, daos.Code(wrapped), "%v", err)
		require.ErrorIs(t, wrapped, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := ContextError(ctx.Err())
	require.Equal(t, daos.ErrCanceled, daos.Code(err))
	require.ErrorIs(t, err, context.Canceled)
	err = ContextError(context.DeadlineExceeded)
	require.Equal(t, daos.ErrTimedout, daos.Code(err))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NoError(t, RemoteStatus(daos.Success))
	require.Equal(t, daos.ErrNoPerm, daos.Code(RemoteStatus(daos.ErrNoPerm)))
}

// fakeDriver is a Driver that offers a fixed list, or an error.
type fakeDriver struct {
	name   string
	serves func(Provider) bool
	offers []string
	err    error
	opened *Config
}

func (d *fakeDriver) Name() string                 { return d.name }
func (d *fakeDriver) Serves(p Provider) bool       { return d.serves(p) }
func (d *fakeDriver) Providers() ([]string, error) { return d.offers, d.err }
func (d *fakeDriver) Open(ctx context.Context, cfg Config, h Handler) (Endpoint, error) {
	d.opened = &cfg
	return nil, nil
}

func TestOpenPicksDriver(t *testing.T) {
	tcp := &fakeDriver{name: "tcp", serves: func(p Provider) bool { return !p.OFI }, offers: []string{"tcp"}}
	ofi := &fakeDriver{name: "ofi", serves: func(p Provider) bool { return p.OFI }, err: errors.New("libfabric support is not built in")}
	drivers := []Driver{tcp, ofi}
	h := func(Peer, []byte) {}
	ctx := context.Background()

	_, err := Open(ctx, Config{Provider: "tcp"}, drivers, h)
	require.NoError(t, err)
	require.NotNil(t, tcp.opened)

	_, err = Open(ctx, Config{Provider: "ofi+tcp;ofi_rxm"}, drivers, h)
	require.ErrorIs(t, err, ErrUnavailable)
	require.ErrorContains(t, err, `"ofi+tcp;ofi_rxm"`)
	require.ErrorContains(t, err, "not built in")
	require.ErrorContains(t, err, "available: tcp")

	ofi.err, ofi.offers = nil, []string{"ofi+tcp;ofi_rxm", "ofi+shm"}
	_, err = Open(ctx, Config{Provider: "ofi+verbs;ofi_rxm"}, drivers, h)
	require.ErrorIs(t, err, ErrUnavailable)
	require.ErrorContains(t, err, "available: ofi+shm, ofi+tcp;ofi_rxm, tcp")
	require.Equal(t, []string{"ofi+shm", "ofi+tcp;ofi_rxm", "tcp"}, Available(drivers))

	_, err = Open(ctx, Config{Provider: "tcp"}, []Driver{ofi}, h)
	require.ErrorContains(t, err, "not built in")
	_, err = Open(ctx, Config{Provider: "bogus"}, drivers, h)
	require.Error(t, err)
	_, err = Open(ctx, Config{Provider: "tcp"}, drivers, nil)
	require.Error(t, err)
}

func TestGroup(t *testing.T) {
	g := NewGroup("daos_server")
	require.Equal(t, "daos_server", g.Name())
	_, _, err := g.Lookup(0)
	require.Equal(t, daos.ErrOog, daos.Code(err))

	u0, _ := ParseURI("tcp://127.0.0.1:1000")
	u1, _ := ParseURI("tcp://127.0.0.2:1000")
	members := map[Rank]URI{0: u0, 1: u1}
	require.NoError(t, g.Update(1, members))
	members[2] = u0 // the group keeps its own copy
	u, v, err := g.Lookup(1)
	require.NoError(t, err)
	require.Equal(t, u1, u)
	require.Equal(t, uint32(1), v)
	require.Equal(t, []Rank{0, 1}, g.Ranks())

	// A newer map moves rank 1 and drops rank 0.
	u1b, _ := ParseURI("tcp://127.0.0.3:1000")
	require.NoError(t, g.Update(3, map[Rank]URI{1: u1b}))
	u, v, err = g.Lookup(1)
	require.NoError(t, err)
	require.Equal(t, u1b, u)
	require.Equal(t, uint32(3), v)
	_, _, err = g.Lookup(0)
	require.Equal(t, daos.ErrOog, daos.Code(err))

	// Stale or conflicting maps are refused; a repeat is fine.
	require.Equal(t, daos.ErrGrpver, daos.Code(g.Update(2, members)))
	require.Equal(t, daos.ErrGrpver, daos.Code(g.Update(3, members)))
	require.NoError(t, g.Update(3, map[Rank]URI{1: u1b}))
	require.Equal(t, daos.ErrInval, daos.Code(g.Update(4, map[Rank]URI{5: {}})))
	require.Equal(t, uint32(3), g.Version())
}
