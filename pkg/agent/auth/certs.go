package auth

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// originRE bounds what a credential's origin may name: a plain file name,
// since it comes from the client and is joined to a directory.
var originRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// CertDirKeys finds a signer's key as DAOS servers do: the public key of
// the certificate <dir>/<origin>.crt.
func CertDirKeys(dir string) func(origin string) (crypto.PublicKey, error) {
	return func(origin string) (crypto.PublicKey, error) {
		if !originRE.MatchString(origin) {
			return nil, fmt.Errorf("origin %q is not a certificate name", origin)
		}
		return LoadCertKey(filepath.Join(dir, origin+".crt"))
	}
}

// LoadCertKey reads the public key of a PEM certificate.
func LoadCertKey(path string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cert.PublicKey, nil
}
