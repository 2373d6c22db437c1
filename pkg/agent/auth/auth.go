// Package auth makes and checks the credentials daos_agent gives client
// processes.
//
// A credential is an AUTH_SYS token (the encoded Sys: user, group and
// groups by name and id, machine name, stamp) and a verifier token over
// the deterministic protobuf encoding of that token. With a key (secure
// mode) the verifier is a signature: as in DAOS, the agent signs with its
// certificate's private key (transport_config.key, agent.key), or with
// credential_config.signing_key when that daos-go key is set, and servers
// check it with the public key of <client_cert_dir>/<origin>.crt, so
// changing any field of the token, or the signature, makes the credential
// fail. Without TLS (allow_insecure) there is no key: the verifier is a
// SHA-512 digest of the token, as DAOS does in insecure mode, which
// catches corruption but not forgery; the agent still only issues
// credentials for the caller's own ids.
//
// Signatures: Ed25519 signs the token bytes; RSA (PKCS #1 v1.5) and ECDSA
// sign their SHA-512 digest.
package auth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
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

// ErrNoKey is wrapped when no trusted key is known for a credential's
// signer (DAOS answers DER_NO_CERT).
var ErrNoKey = errors.New("no key to check the credential with")

// AgentOrigin is the origin agents put in credentials: the name of their
// certificate in servers' client_cert_dir (DAOS's convention).
const AgentOrigin = "agent"

// Signer makes credentials: signed with a key, or digest-only (insecure).
type Signer struct {
	key   crypto.Signer // nil: digest only
	keyID string
}

// NewSigner signs with key (Ed25519, ECDSA or RSA).
func NewSigner(key crypto.Signer) (*Signer, error) {
	switch key.(type) {
	case ed25519.PrivateKey, *ecdsa.PrivateKey, *rsa.PrivateKey:
	default:
		return nil, fmt.Errorf("credential signing key: %T is not an Ed25519, ECDSA or RSA key", key)
	}
	id, err := KeyID(key.Public())
	if err != nil {
		return nil, err
	}
	return &Signer{key: key, keyID: id}, nil
}

// NewDigestSigner makes insecure-mode credentials, verified by digest
// only.
func NewDigestSigner() *Signer { return &Signer{} }

// GenerateSigner makes a signer with a fresh random Ed25519 key.
func GenerateSigner() (*Signer, error) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate credential signing key: %w", err)
	}
	return NewSigner(key)
}

// LoadSigner reads a PEM private key: PKCS #8 ("PRIVATE KEY"), PKCS #1
// ("RSA PRIVATE KEY") or SEC 1 ("EC PRIVATE KEY"). The file must not be
// readable by group or others.
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
	if block == nil {
		return nil, fmt.Errorf("load credential signing key %s: no PEM PRIVATE KEY block", path)
	}
	var k any
	switch block.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("load credential signing key %s: PEM block %q is not a private key", path, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("load credential signing key %s: %w", path, err)
	}
	cs, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("load credential signing key %s: %T cannot sign", path, k)
	}
	s, err := NewSigner(cs)
	if err != nil {
		return nil, fmt.Errorf("load credential signing key %s: %w", path, err)
	}
	return s, nil
}

// PublicKey is what servers need to verify this signer's credentials (nil
// for a digest signer).
func (s *Signer) PublicKey() crypto.PublicKey {
	if s.key == nil {
		return nil
	}
	return s.key.Public()
}

// KeyID names the key in credentials ("" for a digest signer).
func (s *Signer) KeyID() string { return s.keyID }

// KeyID is hex of the first 8 bytes of the SHA-256 of a public key's PKIX
// encoding.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("credential key id: %w", err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:8]), nil
}

// signedBytes is what the verifier covers.
func signedBytes(tok *agentpb.Token) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(tok)
}

func sign(key crypto.Signer, msg []byte) ([]byte, error) {
	if _, ok := key.(ed25519.PrivateKey); ok {
		return key.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	sum := sha512.Sum512(msg)
	return key.Sign(rand.Reader, sum[:], crypto.SHA512)
}

func verify(pub crypto.PublicKey, msg, sig []byte) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, msg, sig)
	case *rsa.PublicKey:
		sum := sha512.Sum512(msg)
		return rsa.VerifyPKCS1v15(k, crypto.SHA512, sum[:], sig) == nil
	case *ecdsa.PublicKey:
		sum := sha512.Sum512(msg)
		return ecdsa.VerifyASN1(k, sum[:], sig)
	}
	return false
}

// Sign makes a credential for sys; origin names the signer's certificate
// (AgentOrigin for daos_agent).
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
	var vdata []byte
	if s.key == nil {
		sum := sha512.Sum512(msg)
		vdata = sum[:]
	} else if vdata, err = sign(s.key, msg); err != nil {
		return nil, fmt.Errorf("sign credential: %w", err)
	}
	return &agentpb.Credential{
		Token:    tok,
		Verifier: &agentpb.Token{Flavor: agentpb.Flavor_AUTH_SYS, Data: vdata},
		Origin:   origin,
		KeyId:    s.keyID,
	}, nil
}

// Verifier checks credentials against the public keys of trusted agents.
type Verifier struct {
	keys map[string]crypto.PublicKey
	// KeyByOrigin, if set, finds the key of a signer not among the
	// trusted keys by the credential's origin (DAOS reads
	// <client_cert_dir>/<origin>.crt).
	KeyByOrigin func(origin string) (crypto.PublicKey, error)
	// Insecure accepts digest-only credentials (allow_insecure): the
	// verifier must be the SHA-512 of the token.
	Insecure bool
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
func NewVerifier(keys ...crypto.PublicKey) *Verifier {
	v := &Verifier{keys: make(map[string]crypto.PublicKey, len(keys)), MaxAge: DefaultMaxCredentialAge}
	for _, k := range keys {
		if id, err := KeyID(k); err == nil {
			v.keys[id] = k
		}
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
	msg, err := signedBytes(cred.Token)
	if err != nil {
		return nil, fmt.Errorf("%w: encode token: %v", ErrInvalid, err)
	}
	if v.Insecure {
		sum := sha512.Sum512(msg)
		if !bytes.Equal(sum[:], cred.Verifier.Data) {
			return nil, fmt.Errorf("%w: digest does not match the token", ErrInvalid)
		}
	} else {
		key, ok := v.keys[cred.KeyId]
		if !ok && v.KeyByOrigin != nil {
			k, err := v.KeyByOrigin(cred.Origin)
			if err != nil {
				return nil, fmt.Errorf("%w: %w: origin %q: %v", ErrInvalid, ErrNoKey, cred.Origin, err)
			}
			key, ok = k, true
		}
		if !ok {
			return nil, fmt.Errorf("%w: %w: signed by unknown key %q (origin %q)", ErrInvalid, ErrNoKey, cred.KeyId, cred.Origin)
		}
		if !verify(key, msg, cred.Verifier.Data) {
			return nil, fmt.Errorf("%w: signature does not match (origin %q)", ErrInvalid, cred.Origin)
		}
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
