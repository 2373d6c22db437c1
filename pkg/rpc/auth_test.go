package rpc

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

const opSecret Opcode = 0x7001 // an internal opcode of the tests

// authServer serves opEcho to anyone and opSecret to engines only.
type authServer struct {
	ep  *Endpoint
	ran atomic.Int64 // opSecret handler runs
}

func newAuthServer(t *testing.T, prov string, key []byte) *authServer {
	s := &authServer{}
	r := NewRegistry()
	r.MustRegister(opEcho, "echo", Handle(func(ctx context.Context, in *Incoming, req *echoMsg) (Message, error) {
		return req, nil
	}))
	require.NoError(t, r.RegisterInternal(opSecret, "secret", Handle(func(ctx context.Context, in *Incoming, req *echoMsg) (Message, error) {
		s.ran.Add(1)
		return req, nil
	})))
	s.ep = listen(t, prov, 0, r)
	require.NoError(t, s.ep.SetPeerKey(key))
	return s
}

func keyedClient(t *testing.T, prov string, key []byte) *Endpoint {
	ep := listen(t, prov, 0, nil)
	require.NoError(t, ep.SetPeerKey(key))
	return ep
}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func call(ctx context.Context, cl *Endpoint, to fabric.URI, op Opcode) error {
	var resp echoMsg
	err := cl.Call(ctx, to, op, &echoMsg{Seq: 7, Data: []byte("x")}, &resp)
	if err == nil && resp.Seq != 7 {
		return daos.Errorf(daos.ErrMismatch, "reply of seq %d", resp.Seq)
	}
	return err
}

func TestInternalOpcodeNeedsPeerKey(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newAuthServer(t, prov, testKey(1))
		to := srv.ep.URI()

		for name, cl := range map[string]*Endpoint{
			"no key":    keyedClient(t, prov, nil),
			"wrong key": keyedClient(t, prov, testKey(2)),
		} {
			err := call(ctx, cl, to, opSecret)
			require.Error(t, err, name)
			require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%s: %v", name, err)
			require.NoError(t, call(ctx, cl, to, opEcho), name)
		}
		require.Zero(t, srv.ran.Load(), "the handler ran for an untrusted session")
		require.Equal(t, uint64(2), srv.ep.RefusedInternal())

		good := keyedClient(t, prov, testKey(1))
		require.NoError(t, call(ctx, good, to, opSecret))
		require.NoError(t, call(ctx, good, to, opEcho))
		require.Equal(t, int64(1), srv.ran.Load())
	})
}

func TestPeerKeyLearnedLaterAndChanged(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		// The server has not joined yet: nothing is trusted.
		srv := newAuthServer(t, prov, nil)
		to := srv.ep.URI()
		cl := keyedClient(t, prov, testKey(1))
		err := call(ctx, cl, to, opSecret)
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%v", err)

		// It joins: the caller proves its key again on the same session.
		require.NoError(t, srv.ep.SetPeerKey(testKey(1)))
		require.NoError(t, call(ctx, cl, to, opSecret))

		// The same key again changes nothing.
		require.NoError(t, srv.ep.SetPeerKey(testKey(1)))
		require.NoError(t, call(ctx, cl, to, opSecret))

		// A new key: the old proof is void until the caller has it too.
		require.NoError(t, srv.ep.SetPeerKey(testKey(3)))
		err = call(ctx, cl, to, opSecret)
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%v", err)
		require.NoError(t, cl.SetPeerKey(testKey(3)))
		require.NoError(t, call(ctx, cl, to, opSecret))

		// Removing the key trusts nobody.
		require.NoError(t, srv.ep.SetPeerKey(nil))
		err = call(ctx, cl, to, opSecret)
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%v", err)
		require.Equal(t, int64(3), srv.ran.Load())

		require.Error(t, cl.SetPeerKey([]byte("short")))
	})
}

// rawSession opens a session of its own to the server from an endpoint
// without a key, to speak the exchange by hand.
func rawSession(t *testing.T, ctx context.Context, prov string, to fabric.URI) (*Endpoint, fabric.Peer) {
	ep := listen(t, prov, 0, nil)
	s, err := ep.peer(ctx, to)
	require.NoError(t, err)
	return ep, s.p
}

func TestAuthProofReplayAndForgery(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		key := testKey(1)
		srv := newAuthServer(t, prov, key)
		to := srv.ep.URI()

		// Session 1 proves the key properly (as an eavesdropper may see).
		ep1, p1 := rawSession(t, ctx, prov, to)
		c1 := &authChallenge{}
		require.NoError(t, ep1.roundTrip(ctx, p1, opAuthChallenge, nil, c1))
		proof := &authProof{nonce: [authNonceLen]byte{9}}
		proof.mac = authMAC(key, to.String(), &c1.nonce, &proof.nonce)
		require.NoError(t, ep1.roundTrip(ctx, p1, opAuthProve, proof, nil))
		require.NoError(t, ep1.roundTrip(ctx, p1, opSecret, &echoMsg{}, &echoMsg{}))
		// The nonce is spent: the same proof again is refused.
		err := ep1.roundTrip(ctx, p1, opAuthProve, proof, nil)
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%v", err)

		// Session 2 replays it, with and without a challenge of its own.
		ep2, p2 := rawSession(t, ctx, prov, to)
		err = ep2.roundTrip(ctx, p2, opAuthProve, proof, nil)
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "no challenge: %v", err)
		c2 := &authChallenge{}
		require.NoError(t, ep2.roundTrip(ctx, p2, opAuthChallenge, nil, c2))
		require.NotEqual(t, c1.nonce, c2.nonce)
		err = ep2.roundTrip(ctx, p2, opAuthProve, proof, nil)
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "replayed: %v", err)
		// A proof made for another endpoint's URI is not this one's.
		require.NoError(t, ep2.roundTrip(ctx, p2, opAuthChallenge, nil, c2))
		relayed := &authProof{}
		relayed.mac = authMAC(key, "tcp://127.0.0.1:1", &c2.nonce, &relayed.nonce)
		err = ep2.roundTrip(ctx, p2, opAuthProve, relayed, nil)
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "relayed: %v", err)
		err = ep2.roundTrip(ctx, p2, opSecret, &echoMsg{}, &echoMsg{})
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%v", err)
		require.Equal(t, int64(1), srv.ran.Load())
	})
}

// rawBody is a request body of arbitrary bytes.
type rawBody []byte

func (m rawBody) EncodeRPC(e *Encoder)       { e.PutRaw(m) }
func (m rawBody) DecodeRPC(d *Decoder) error { return nil }

func TestAuthMalformedMessages(t *testing.T) {
	forEachProvider(t, func(t *testing.T, prov string) {
		ctx := testCtx(t)
		srv := newAuthServer(t, prov, testKey(1))
		to := srv.ep.URI()
		ep, p := rawSession(t, ctx, prov, to)
		require.NoError(t, ep.roundTrip(ctx, p, opAuthChallenge, rawBody("ignored"), &authChallenge{}))
		for name, body := range map[string]rawBody{
			"empty":     {},
			"short":     bytes.Repeat([]byte{1}, authNonceLen+3),
			"long":      bytes.Repeat([]byte{1}, authNonceLen+authMACLen+1),
			"oversized": bytes.Repeat([]byte{0xff}, 64<<10),
		} {
			err := ep.roundTrip(ctx, p, opAuthProve, body, nil)
			require.Error(t, err, name)
			require.Contains(t, []daos.Errno{daos.ErrProto, daos.ErrNoPerm}, daos.Code(err), "%s: %v", name, err)
		}
		err := ep.roundTrip(ctx, p, reservedOps+0x55, nil, nil)
		require.Equal(t, daos.ErrUnreg, daos.Code(err), "%v", err)
		err = ep.roundTrip(ctx, p, opSecret, &echoMsg{}, &echoMsg{})
		require.Equal(t, daos.ErrNoPerm, daos.Code(err), "%v", err)
		// The server still serves.
		require.NoError(t, call(ctx, keyedClient(t, prov, testKey(1)), to, opSecret))
	})
}

func TestRegistryReservesAuthOpcodes(t *testing.T) {
	r := NewRegistry()
	require.Error(t, r.Register(opAuthChallenge, "mine", nil))
	require.Error(t, r.RegisterInternal(reservedOps, "mine", func(context.Context, *Incoming) (Message, error) { return nil, nil }))
	require.Error(t, r.RegisterInternal(opSecret, "no handler", nil))
	require.NoError(t, r.RegisterInternal(opSecret, "secret", func(context.Context, *Incoming) (Message, error) { return nil, nil }))
	require.True(t, r.Internal(opSecret))
	require.False(t, r.Internal(opEcho))
}
