// Package auth makes and checks the credentials daos_agent gives client
// processes.
//
// Design: the agent holds an Ed25519 private key (credential_config.
// signing_key, a PEM PKCS #8 file; without one it makes a key for its own
// lifetime, which no server can check). A credential is an AUTH_SYS token
// (the encoded Sys: user, group and groups by name and id, machine name,
// stamp) and a verifier token holding the Ed25519 signature over the
// deterministic protobuf encoding of that token. A server given the
// agent's public key checks the signature with a Verifier before trusting
// anything in the token, so changing any field of the token, or the
// signature, makes the credential fail.
package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
)

// ErrInvalid is wrapped by every verification failure.
var ErrInvalid = errors.New("invalid credential")

// Signer signs credentials with an Ed25519 key.
type Signer struct {
	key   ed25519.PrivateKey
	keyID string
}

// NewSigner signs with key.
func NewSigner(key ed25519.PrivateKey) *Signer {
	pub := key.Public().(ed25519.PublicKey)
	return &Signer{key: key, keyID: KeyID(pub)}
}

// GenerateSigner makes a signer with a fresh random key.
func GenerateSigner() (*Signer, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate credential signing key: %w", err)
	}
	return NewSigner(key), nil
}

// LoadSigner reads a PEM "PRIVATE KEY" (PKCS #8) Ed25519 key. The file
// must not be readable by group or others.
func LoadSigner(path string) (*Signer, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("load credential signing key: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("load credential signing key %s: mode %v is too open, want 0600 or tighter", path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load credential signing key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("load credential signing key %s: no PEM PRIVATE KEY block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("load credential signing key %s: %w", path, err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("load credential signing key %s: %T is not an Ed25519 key", path, k)
	}
	return NewSigner(ek), nil
}

// PublicKey is what servers need to verify this signer's credentials.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// KeyID names the key in credentials.
func (s *Signer) KeyID() string { return s.keyID }

// KeyID is hex of the first 8 bytes of the SHA-256 of a public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// signedBytes is what the signature covers.
func signedBytes(tok *agentpb.Token) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(tok)
}

// Sign makes a credential for sys; origin names the signer (the agent's
// host).
func (s *Signer) Sign(sys *agentpb.Sys, origin string) (*agentpb.Credential, error) {
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(sys)
	if err != nil {
		return nil, fmt.Errorf("encode credential: %w", err)
	}
	tok := &agentpb.Token{Flavor: agentpb.Flavor_AUTH_SYS, Data: data}
	msg, err := signedBytes(tok)
	if err != nil {
		return nil, fmt.Errorf("encode credential token: %w", err)
	}
	return &agentpb.Credential{
		Token:    tok,
		Verifier: &agentpb.Token{Flavor: agentpb.Flavor_AUTH_SYS, Data: ed25519.Sign(s.key, msg)},
		Origin:   origin,
		KeyId:    s.keyID,
	}, nil
}

// Verifier checks credentials against the public keys of trusted agents.
type Verifier struct {
	keys map[string]ed25519.PublicKey
	// MaxAge bounds how old a credential's stamp may be (and how far in
	// the future, for clock skew), so that a credential seen once cannot
	// be replayed for ever; 0 accepts any age.
	MaxAge time.Duration
	// Now is the clock MaxAge is measured with (time.Now if nil).
	Now func() time.Time
}

// DefaultMaxCredentialAge is the MaxAge NewVerifier sets.
const DefaultMaxCredentialAge = 5 * time.Minute

// NewVerifier trusts credentials signed by any of keys, up to
// DefaultMaxCredentialAge old.
func NewVerifier(keys ...ed25519.PublicKey) *Verifier {
	v := &Verifier{keys: make(map[string]ed25519.PublicKey, len(keys)), MaxAge: DefaultMaxCredentialAge}
	for _, k := range keys {
		v.keys[KeyID(k)] = k
	}
	return v
}

// Verify checks cred's signature and returns the identity it carries.
// Every failure wraps ErrInvalid.
func (v *Verifier) Verify(cred *agentpb.Credential) (*agentpb.Sys, error) {
	if cred == nil || cred.Token == nil || cred.Verifier == nil {
		return nil, fmt.Errorf("%w: token or verifier missing", ErrInvalid)
	}
	if cred.Token.Flavor != agentpb.Flavor_AUTH_SYS {
		return nil, fmt.Errorf("%w: token flavor %v, want AUTH_SYS", ErrInvalid, cred.Token.Flavor)
	}
	key, ok := v.keys[cred.KeyId]
	if !ok {
		return nil, fmt.Errorf("%w: signed by unknown key %q", ErrInvalid, cred.KeyId)
	}
	msg, err := signedBytes(cred.Token)
	if err != nil {
		return nil, fmt.Errorf("%w: encode token: %v", ErrInvalid, err)
	}
	if !ed25519.Verify(key, msg, cred.Verifier.Data) {
		return nil, fmt.Errorf("%w: signature does not match (origin %q)", ErrInvalid, cred.Origin)
	}
	sys := &agentpb.Sys{}
	if err := proto.Unmarshal(cred.Token.Data, sys); err != nil {
		return nil, fmt.Errorf("%w: decode token: %v", ErrInvalid, err)
	}
	if v.MaxAge > 0 {
		now := time.Now
		if v.Now != nil {
			now = v.Now
		}
		stamp := time.Unix(int64(sys.Stamp), 0)
		if age := now().Sub(stamp); age > v.MaxAge || age < -v.MaxAge {
			return nil, fmt.Errorf("%w: credential stamped %s, %v from now (at most %v accepted)", ErrInvalid, stamp.UTC().Format(time.RFC3339), age.Round(time.Second), v.MaxAge)
		}
	}
	return sys, nil
}

// VerifyBytes decodes an encoded Credential and verifies it.
func (v *Verifier) VerifyBytes(b []byte) (*agentpb.Sys, error) {
	cred := &agentpb.Credential{}
	if err := proto.Unmarshal(b, cred); err != nil {
		return nil, fmt.Errorf("%w: decode credential: %v", ErrInvalid, err)
	}
	return v.Verify(cred)
}
