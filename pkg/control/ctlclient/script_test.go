package ctlclient_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/security"
)

// TestGenCertificatesScript: the certificates utils/certs makes work for
// a TLS server and dmg. Skipped without openssl.
func TestGenCertificatesScript(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	dir := t.TempDir()
	script, err := filepath.Abs("../../../utils/certs/gen_certificates.sh")
	require.NoError(t, err)
	out, err := exec.CommandContext(context.Background(), "bash", script, dir).CombinedOutput()
	require.NoError(t, err, string(out))
	certs := filepath.Join(dir, "daosCA", "certs")
	tr := func(c string) config.Transport {
		return config.Transport{CACert: filepath.Join(certs, "daosCA.crt"),
			Cert: filepath.Join(certs, c+".crt"), Key: filepath.Join(certs, c+".key")}
	}
	sc, err := security.ServerCredentials(tr("server"))
	require.NoError(t, err)
	addr := serve(t, sc)
	c, err := ctlclient.New(&config.Control{HostList: []string{addr}, Transport: tr("admin")})
	require.NoError(t, err)
	res := c.HostSystemQuery(context.Background())
	require.NoError(t, res[0].Err)
	c, err = ctlclient.New(&config.Control{HostList: []string{addr}, Transport: tr("agent")})
	require.NoError(t, err)
	require.ErrorContains(t, c.StorageScan(context.Background())[0].Err, "may not call")
	require.ErrorContains(t, c.HostSystemQuery(context.Background())[0].Err, "may not call", "agents ask the management service, not hosts")
}
