// Package certtest makes throwaway certificates for tests: a CA and
// server, admin and agent certificates signed by it, laid out as DAOS's
// utils/certs/gen_certificates.sh lays them out. Not for production use.
package certtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/daos-go/daos/pkg/control/config"
)

// CA is a test certificate authority.
type CA struct {
	Dir  string // where its files are
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA makes a CA under dir, writing dir/daosCA.crt.
func NewCA(dir string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make CA key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Test CA", Organization: []string{"DAOS"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("make CA certificate: %w", err)
	}
	cert, _ := x509.ParseCertificate(der)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := writePEM(filepath.Join(dir, "daosCA.crt"), "CERTIFICATE", der, 0o644); err != nil {
		return nil, err
	}
	return &CA{Dir: dir, cert: cert, key: key}, nil
}

// Issue makes a certificate for component c (its common name) signed by
// the CA and returns the transport_config naming it.
func (ca *CA) Issue(c config.Component) (config.Transport, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return config.Transport{}, fmt.Errorf("make %s key: %w", c, err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: string(c), Organization: []string{"DAOS"}},
		DNSNames:     []string{string(c)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return config.Transport{}, fmt.Errorf("make %s certificate: %w", c, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return config.Transport{}, err
	}
	t := config.Transport{
		CACert: filepath.Join(ca.Dir, "daosCA.crt"),
		Cert:   filepath.Join(ca.Dir, string(c)+".crt"),
		Key:    filepath.Join(ca.Dir, string(c)+".key"),
	}
	if err := writePEM(t.Cert, "CERTIFICATE", der, 0o644); err != nil {
		return config.Transport{}, err
	}
	if err := writePEM(t.Key, "PRIVATE KEY", keyDER, 0o400); err != nil {
		return config.Transport{}, err
	}
	return t, nil
}

func writePEM(path, kind string, der []byte, mode os.FileMode) error {
	os.Remove(path) // a 0400 key cannot be rewritten in place
	data := pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der})
	if err := os.WriteFile(path, data, mode); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
