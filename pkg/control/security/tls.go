package security

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/config"
)

// maxKeyMode is the loosest mode DAOS accepts for a component's key.
func maxKeyMode(c config.Component) os.FileMode {
	if c == config.ComponentAdmin {
		return 0o440
	}
	return 0o400
}

// loadPair reads a certificate and its key, refusing a key readable by
// more than DAOS allows.
func loadPair(t config.Transport, c config.Component) (tls.Certificate, error) {
	fi, err := os.Stat(t.Key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load %s key: %w", c, err)
	}
	if perm := fi.Mode().Perm(); perm&^maxKeyMode(c) != 0 {
		return tls.Certificate{}, fmt.Errorf("load %s key %s: mode %04o is too open: chmod it to %04o or stricter",
			c, t.Key, perm, maxKeyMode(c))
	}
	pair, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("load %s certificate %s: %w", c, t.Cert, err)
	}
	return pair, nil
}

func loadCA(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("load CA certificate %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// ServerCredentials are the credentials daos_server serves with: its own
// certificate, and a client certificate signed by the CA required of
// every caller.
func ServerCredentials(t config.Transport) (credentials.TransportCredentials, error) {
	if t.AllowInsecure {
		return insecure.NewCredentials(), nil
	}
	pair, err := loadPair(t, config.ComponentServer)
	if err != nil {
		return nil, err
	}
	pool, err := loadCA(t.CACert)
	if err != nil {
		return nil, err
	}
	return credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair},
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}), nil
}

// ClientCredentials are the credentials of a caller (dmg as admin, the
// agent, or a server calling another). The server is accepted when its
// certificate is signed by the CA and its common name is "server"; host
// names are not checked, as in DAOS, since certificates are made per role.
func ClientCredentials(t config.Transport, c config.Component) (credentials.TransportCredentials, error) {
	if t.AllowInsecure {
		return insecure.NewCredentials(), nil
	}
	pair, err := loadPair(t, c)
	if err != nil {
		return nil, err
	}
	pool, err := loadCA(t.CACert)
	if err != nil {
		return nil, err
	}
	return credentials.NewTLS(&tls.Config{
		Certificates: []tls.Certificate{pair},
		MinVersion:   tls.VersionTLS12,
		// The chain and the common name are checked below instead of the
		// host name.
		InsecureSkipVerify: true,
		VerifyPeerCertificate: func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyServer(raw, pool)
		},
	}), nil
}

func verifyServer(raw [][]byte, roots *x509.CertPool) error {
	if len(raw) == 0 {
		return errors.New("the server presented no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return fmt.Errorf("server certificate: %w", err)
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	if _, err := certs[0].Verify(x509.VerifyOptions{
		Roots: roots, Intermediates: inter,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}); err != nil {
		return fmt.Errorf("server certificate is not signed by our CA (check transport_config.ca_cert): %w", err)
	}
	if cn := certs[0].Subject.CommonName; cn != string(config.ComponentServer) {
		return fmt.Errorf("server certificate names component %q, want %q", cn, config.ComponentServer)
	}
	return nil
}

// ExplainHandshake adds what to check to a TLS failure seen by a caller;
// other errors are returned unchanged.
func ExplainHandshake(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.Contains(msg, "certificate required"):
		return fmt.Errorf("%w (the server requires a client certificate: set transport_config cert and key, or use --insecure if the server allows it)", err)
	case strings.Contains(msg, "unknown certificate authority"), strings.Contains(msg, "bad certificate"):
		return fmt.Errorf("%w (the server does not trust our certificate: it must be signed by the server's CA)", err)
	case strings.Contains(msg, "first record does not look like a TLS handshake"):
		return fmt.Errorf("%w (the server runs without TLS: use --insecure, or enable TLS on the server)", err)
	case strings.Contains(msg, "not signed by our CA"), strings.Contains(msg, "names component"):
		return err
	case strings.Contains(msg, "connection closed before server preface"), strings.Contains(msg, "tls: "):
		return fmt.Errorf("%w (TLS handshake failed: check that the server and this client agree on TLS and share a CA)", err)
	}
	return err
}
