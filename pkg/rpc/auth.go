package rpc

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/fabric"
)

// Peer authentication between engines. Endpoints that hold the system's
// peer key (engines, once joined) prove it on every session they open:
//
//	caller -> opAuthChallenge {}                 server: fresh nonce Ns for this session
//	caller <- {Ns}
//	caller -> opAuthProve {Nc, HMAC-SHA256(key, authLabel | server URI | Ns | Nc)}
//	caller <- {} (the session is trusted) or DER_NO_PERM
//
// The server's nonce is used once and belongs to the session that asked
// for it, so a proof seen on one session is worthless on another; the
// server's URI in the MAC keeps a proof made for one endpoint from being
// relayed to another. A trusted session stays trusted while the server's
// key stays the same. Opcodes registered as internal are refused on any
// other session before their handler or decoder runs.

// Built-in opcodes of the exchange; Register refuses the reserved range.
const (
	opAuthChallenge Opcode = 0xffff_ff01
	opAuthProve     Opcode = 0xffff_ff02

	reservedOps Opcode = 0xffff_ff00 // this and above: the rpc package's own
)

const (
	authNonceLen = 32
	authMACLen   = sha256.Size
	// MinPeerKeyLen is the shortest key SetPeerKey accepts.
	MinPeerKeyLen = 16
	// authLabel separates these MACs from any other use of the key.
	authLabel = "daos-go rpc peer auth v1\x00"
	// authRetry is how long a caller whose proof failed waits before it
	// tries again on the same session (the server may not have joined).
	authRetry = time.Second
	// unauthText starts the text of a refusal for lack of trust; callers
	// that hold a key prove it again and retry once when they see it.
	unauthText = "rpc: session not authenticated as an engine peer"
	// refusalLogEvery bounds refusal warnings in the log.
	refusalLogEvery = 10 * time.Second
)

// peerKey is the key an endpoint holds; gen changes with each new key.
type peerKey struct {
	key []byte
	gen uint64
}

// sessAuth is the server's view of one session's authentication.
type sessAuth struct {
	nonce   [authNonceLen]byte
	pending bool   // nonce handed out and not yet used
	trusted uint64 // key generation the session proved; 0: none
}

// dialAuth is the caller's view of a session it opened.
type dialAuth struct {
	mu    sync.Mutex
	gen   atomic.Uint64 // key generation proven on the session; 0: none
	retry time.Time     // under mu: no new attempt before this
}

type authChallenge struct{ nonce [authNonceLen]byte }

func (m *authChallenge) EncodeRPC(e *Encoder) { e.PutRaw(m.nonce[:]) }
func (m *authChallenge) DecodeRPC(d *Decoder) error {
	copy(m.nonce[:], d.Raw(authNonceLen))
	return d.Err()
}

type authProof struct {
	nonce [authNonceLen]byte
	mac   [authMACLen]byte
}

func (m *authProof) EncodeRPC(e *Encoder) {
	e.PutRaw(m.nonce[:])
	e.PutRaw(m.mac[:])
}

func (m *authProof) DecodeRPC(d *Decoder) error {
	copy(m.nonce[:], d.Raw(authNonceLen))
	copy(m.mac[:], d.Raw(authMACLen))
	return d.Err()
}

func authMAC(key []byte, server string, ns, nc *[authNonceLen]byte) [authMACLen]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(authLabel))
	var l [2]byte
	l[0], l[1] = byte(len(server)>>8), byte(len(server))
	m.Write(l[:]) // length first, so label|uri|nonces cannot be re-split
	m.Write([]byte(server))
	m.Write(ns[:])
	m.Write(nc[:])
	var out [authMACLen]byte
	copy(out[:], m.Sum(nil))
	return out
}

// SetPeerKey gives the endpoint the system's peer key (a copy is kept):
// its new sessions prove it to servers, and sessions that prove it to
// this endpoint may send internal opcodes. A different key than before
// ends the trust of sessions proven with the old one (callers prove the
// new one at their next call); the same key changes nothing. An empty key
// removes it: no session is trusted then.
func (e *Endpoint) SetPeerKey(key []byte) error {
	if len(key) > 0 && len(key) < MinPeerKeyLen {
		return fmt.Errorf("set rpc peer key: %d bytes, want at least %d", len(key), MinPeerKeyLen)
	}
	e.keyMu.Lock()
	defer e.keyMu.Unlock()
	cur := e.key.Load()
	if cur != nil && bytes.Equal(cur.key, key) {
		return nil
	}
	e.keyGen++
	if len(key) == 0 {
		e.key.Store(nil)
		return nil
	}
	e.key.Store(&peerKey{key: bytes.Clone(key), gen: e.keyGen})
	return nil
}

// RefusedInternal counts internal requests refused on untrusted sessions.
func (e *Endpoint) RefusedInternal() uint64 { return e.refused.Load() }

// trusted reports whether from proved the current key.
func (e *Endpoint) trusted(from fabric.Peer) bool {
	k := e.key.Load()
	if k == nil {
		return false
	}
	e.authMu.Lock()
	defer e.authMu.Unlock()
	st := e.auth[from]
	return st != nil && st.trusted == k.gen
}

// refuse answers an internal request on an untrusted session.
func (e *Endpoint) refuse(from fabric.Peer, h header) {
	e.refused.Add(1)
	now := time.Now().UnixNano()
	if last := e.refusedLog.Load(); now-last >= int64(refusalLogEvery) && e.refusedLog.CompareAndSwap(last, now) {
		e.log.Warn("refused an engine-only request from a session that did not authenticate as an engine",
			"op", e.reg.Name(h.op), "peer", from.String(), "refused_total", e.refused.Load())
	} else {
		e.log.Debug("refused an engine-only request", "op", e.reg.Name(h.op), "peer", from.String())
	}
	e.replyError(from, h.id, daos.Errorf(daos.ErrNoPerm, "%s: %s", unauthText, e.reg.Name(h.op)))
}

// serveAuth answers the built-in opcodes. They are cheap (a random read
// and a MAC), so they run on the delivering goroutine.
func (e *Endpoint) serveAuth(from fabric.Peer, h header, body []byte) {
	var resp Message
	var err error
	switch h.op {
	case opAuthChallenge:
		resp, err = e.challenge(from)
	case opAuthProve:
		err = e.verify(from, body)
	default:
		err = daos.Errorf(daos.ErrUnreg, "%s is not served by %s", e.reg.Name(h.op), e.URI())
	}
	e.sendReply(from, h.id, resp, err, true)
}

func (e *Endpoint) challenge(from fabric.Peer) (Message, error) {
	c := &authChallenge{}
	if _, err := rand.Read(c.nonce[:]); err != nil {
		return nil, fmt.Errorf("make an authentication nonce: %w", err)
	}
	e.authMu.Lock()
	st := e.auth[from]
	fresh := st == nil
	if fresh {
		st = &sessAuth{}
		e.auth[from] = st
	}
	st.nonce, st.pending = c.nonce, true
	e.authMu.Unlock()
	if fresh {
		// The entry lives as long as the session, which bounds their
		// number by the transport's.
		e.background(func() {
			select {
			case <-from.Done():
			case <-e.closing:
			}
			e.authMu.Lock()
			if e.auth[from] == st {
				delete(e.auth, from)
			}
			e.authMu.Unlock()
		})
	}
	return c, nil
}

func (e *Endpoint) verify(from fabric.Peer, body []byte) error {
	p := &authProof{}
	d := NewDecoder(body)
	if err := p.DecodeRPC(d); err != nil {
		return fmt.Errorf("decode authentication proof: %w", err)
	}
	if err := d.Finish(); err != nil {
		return fmt.Errorf("decode authentication proof: %w", err)
	}
	e.authMu.Lock()
	defer e.authMu.Unlock()
	st := e.auth[from]
	if st == nil || !st.pending {
		return daos.Errorf(daos.ErrNoPerm, "authentication proof without a challenge on this session")
	}
	st.pending = false // one proof per nonce
	ns := st.nonce
	k := e.key.Load()
	if k == nil {
		return daos.Errorf(daos.ErrNoPerm, "%s holds no peer key yet (not joined)", e.URI())
	}
	want := authMAC(k.key, e.URI().String(), &ns, &p.nonce)
	if !hmac.Equal(want[:], p.mac[:]) {
		return daos.Errorf(daos.ErrNoPerm, "authentication proof does not match %s's peer key", e.URI())
	}
	st.trusted = k.gen
	return nil
}

// authenticate proves the endpoint's key on the session s opened to to,
// unless that is done for the current key or failed a moment ago (force
// ignores that). It reports whether the session is now proven. A failure
// is not the call's: the call goes on untrusted, and the server refuses
// it if it needs trust.
func (e *Endpoint) authenticate(ctx context.Context, s *peerSlot, to fabric.URI, force bool) bool {
	k := e.key.Load()
	if k == nil {
		return false
	}
	if s.auth.gen.Load() == k.gen {
		return true
	}
	s.auth.mu.Lock()
	defer s.auth.mu.Unlock()
	if s.auth.gen.Load() == k.gen {
		return true
	}
	if !force && time.Now().Before(s.auth.retry) {
		return false
	}
	if err := e.prove(ctx, s.p, to, k); err != nil {
		s.auth.retry = time.Now().Add(authRetry)
		e.log.Debug("peer authentication failed", "peer", to.String(), "err", err)
		return false
	}
	s.auth.gen.Store(k.gen)
	return true
}

// authenticated reports whether authenticate(s) has nothing to do: no
// key, or a proof made with the current one.
func (e *Endpoint) authenticated(s *peerSlot) bool {
	k := e.key.Load()
	return k == nil || s.auth.gen.Load() == k.gen
}

func (e *Endpoint) prove(ctx context.Context, p fabric.Peer, to fabric.URI, k *peerKey) error {
	c := &authChallenge{}
	if err := e.roundTrip(ctx, p, opAuthChallenge, nil, c); err != nil {
		return fmt.Errorf("ask for a challenge: %w", err)
	}
	pr := &authProof{}
	if _, err := rand.Read(pr.nonce[:]); err != nil {
		return fmt.Errorf("make an authentication nonce: %w", err)
	}
	pr.mac = authMAC(k.key, to.String(), &c.nonce, &pr.nonce)
	if err := e.roundTrip(ctx, p, opAuthProve, pr, nil); err != nil {
		return fmt.Errorf("prove the peer key: %w", err)
	}
	return nil
}

// isUnauthenticated reports whether err is a server's refusal for lack of
// trust.
func isUnauthenticated(err error) bool {
	if err == nil {
		return false
	}
	var re *RemoteError
	return errors.As(err, &re) && re.Code == daos.ErrNoPerm && strings.HasPrefix(re.Text, unauthText)
}
