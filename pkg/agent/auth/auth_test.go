package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
)

func TestSignVerifyTamper(t *testing.T) {
	s, err := GenerateSigner()
	require.NoError(t, err)
	v := NewVerifier(s.PublicKey())
	sys := &agentpb.Sys{User: "alice", Group: "users", Uid: 1000, Gid: 100, Machinename: "c1", Stamp: uint64(time.Now().Unix())}
	cred, err := s.Sign(sys, "c1")
	require.NoError(t, err)
	got, err := v.Verify(cred)
	require.NoError(t, err)
	require.True(t, proto.Equal(sys, got))

	// A changed uid inside the token.
	bad := proto.Clone(cred).(*agentpb.Credential)
	forged := proto.Clone(sys).(*agentpb.Sys)
	forged.Uid = 0
	forged.User = "root"
	bad.Token.Data, _ = proto.Marshal(forged)
	_, err = v.Verify(bad)
	require.ErrorIs(t, err, ErrInvalid)

	// A flipped bit in the signature.
	bad = proto.Clone(cred).(*agentpb.Credential)
	bad.Verifier.Data[3] ^= 1
	_, err = v.Verify(bad)
	require.ErrorIs(t, err, ErrInvalid)

	// Another agent's key.
	other, err := GenerateSigner()
	require.NoError(t, err)
	oc, err := other.Sign(sys, "evil")
	require.NoError(t, err)
	_, err = v.Verify(oc)
	require.ErrorIs(t, err, ErrInvalid)
	oc.KeyId = s.KeyID()
	_, err = v.Verify(oc)
	require.ErrorIs(t, err, ErrInvalid)

	for _, c := range []*agentpb.Credential{nil, {}, {Token: cred.Token}} {
		_, err = v.Verify(c)
		require.ErrorIs(t, err, ErrInvalid)
	}
	_, err = v.VerifyBytes([]byte{0xff, 0xff})
	require.ErrorIs(t, err, ErrInvalid)
}

func TestLoadSigner(t *testing.T) {
	dir := t.TempDir()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	p := filepath.Join(dir, "cred.key")
	require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	s, err := LoadSigner(p)
	require.NoError(t, err)
	require.Equal(t, key.Public(), s.PublicKey())

	require.NoError(t, os.Chmod(p, 0o644))
	_, err = LoadSigner(p)
	require.ErrorContains(t, err, "too open")

	junk := filepath.Join(dir, "junk.key")
	require.NoError(t, os.WriteFile(junk, []byte("nope"), 0o600))
	_, err = LoadSigner(junk)
	require.ErrorContains(t, err, "no PEM PRIVATE KEY")
}

// TestStaleCredentialRefused: a credential older (or further in the
// future) than MaxAge is refused, so a captured one cannot be replayed for
// ever.
func TestStaleCredentialRefused(t *testing.T) {
	s, err := GenerateSigner()
	require.NoError(t, err)
	v := NewVerifier(s.PublicKey())
	now := time.Unix(1_800_000_000, 0)
	v.Now = func() time.Time { return now }
	for _, tc := range []struct {
		stamp time.Time
		ok    bool
	}{
		{now, true},
		{now.Add(-4 * time.Minute), true},
		{now.Add(-6 * time.Minute), false},
		{now.Add(6 * time.Minute), false},
	} {
		cred, err := s.Sign(&agentpb.Sys{User: "alice", Uid: 1000, Stamp: uint64(tc.stamp.Unix())}, "c1")
		require.NoError(t, err)
		_, err = v.Verify(cred)
		if tc.ok {
			require.NoError(t, err, "stamp %v", tc.stamp)
		} else {
			require.ErrorIs(t, err, ErrInvalid, "stamp %v", tc.stamp)
		}
	}
}
