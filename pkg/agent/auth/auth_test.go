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
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/security/certtest"
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
	cert := filepath.Join(dir, "cert.pem")
	require.NoError(t, os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), 0o600))
	_, err = LoadSigner(cert)
	require.ErrorContains(t, err, "not a private key")
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

// TestCertificateKeysAndInsecure signs with an RSA certificate's key as
// DAOS agents do (agent.key), verifies through <dir>/<origin>.crt, and
// checks the insecure digest mode.
func TestCertificateKeysAndInsecure(t *testing.T) {
	ca, err := certtest.NewCA(t.TempDir())
	require.NoError(t, err)
	tr, err := ca.Issue(config.ComponentAgent)
	require.NoError(t, err)
	s, err := LoadSigner(tr.Key)
	require.NoError(t, err)
	dir := t.TempDir()
	crt, err := os.ReadFile(tr.Cert)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "agent.crt"), crt, 0o644))

	sys := &agentpb.Sys{User: "bob@", Uid: 1001, Stamp: uint64(time.Now().Unix())}
	cred, err := s.Sign(sys, AgentOrigin)
	require.NoError(t, err)
	v := NewVerifier()
	v.KeyByOrigin = CertDirKeys(dir)
	got, err := v.Verify(cred)
	require.NoError(t, err)
	require.Equal(t, "bob@", got.User)

	bad := proto.Clone(cred).(*agentpb.Credential)
	bad.Verifier.Data[10] ^= 1
	_, err = v.Verify(bad)
	require.ErrorIs(t, err, ErrInvalid)

	for _, origin := range []string{"nobody", "../agent", "/etc/passwd", ""} {
		bad = proto.Clone(cred).(*agentpb.Credential)
		bad.Origin, bad.KeyId = origin, ""
		_, err = v.Verify(bad)
		require.ErrorIs(t, err, ErrNoKey, "origin %q", origin)
	}

	// Insecure: digest only; a digest credential is no good to a secure
	// server, and a changed token fails the digest.
	d := NewDigestSigner()
	dc, err := d.Sign(sys, AgentOrigin)
	require.NoError(t, err)
	_, err = v.Verify(dc)
	require.ErrorIs(t, err, ErrInvalid)
	iv := NewVerifier()
	iv.Insecure = true
	_, err = iv.Verify(dc)
	require.NoError(t, err)
	forged := proto.Clone(dc).(*agentpb.Credential)
	forged.Token.Data = append(forged.Token.Data, 0)
	_, err = iv.Verify(forged)
	require.ErrorIs(t, err, ErrInvalid)
}
