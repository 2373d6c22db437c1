package ctlclient_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/daos-go/daos/pkg/control/ctlclient"
)

// proxyChildEnv marks the re-executed test binary that runs
// TestProxyChild. A child process is needed because net/http reads the
// proxy variables once per process, at the first use.
const proxyChildEnv = "CTLCLIENT_PROXY_CHILD"

// TestProxyEnvironment points HTTPS_PROXY at a fake proxy: without
// AllowProxy the call goes straight to the server; with it, it goes to
// the proxy (which refuses, so the call fails).
func TestProxyEnvironment(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer lis.Close()
	var mu sync.Mutex
	var seen []string
	go func() {
		for {
			conn, err := lis.Accept()
			if err != nil {
				return
			}
			line, _ := bufio.NewReader(conn).ReadString('\n')
			mu.Lock()
			seen = append(seen, strings.TrimSpace(line))
			mu.Unlock()
			conn.Write([]byte("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"))
			conn.Close()
		}
	}()

	cmd := exec.Command(os.Args[0], "-test.run=^TestProxyChild$", "-test.v")
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !strings.EqualFold(k, "https_proxy") && !strings.EqualFold(k, "http_proxy") &&
			!strings.EqualFold(k, "no_proxy") && !strings.EqualFold(k, "all_proxy") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	proxy := "http://" + lis.Addr().String()
	cmd.Env = append(cmd.Env, proxyChildEnv+"=1", "HTTPS_PROXY="+proxy, "https_proxy="+proxy)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "--- PASS: TestProxyChild")

	mu.Lock()
	defer mu.Unlock()
	require.NotEmpty(t, seen, "with AllowProxy the call goes to the proxy\n%s", out)
	require.True(t, strings.HasPrefix(seen[0], "CONNECT LOCALHOST:"), "proxy saw %q", seen)
}

func TestProxyChild(t *testing.T) {
	if os.Getenv(proxyChildEnv) == "" {
		t.Skip("run by TestProxyEnvironment")
	}
	addr := serve(t, insecure.NewCredentials())
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	// Proxies are never used for loopback IPs or "localhost", and gRPC
	// resolves names before it looks at the proxy. "LOCALHOST" through the
	// passthrough resolver still reaches this server (name lookup ignores
	// case) but is a name the proxy rules apply to (they do not).
	target := "passthrough:///LOCALHOST:" + port

	var logBuf bytes.Buffer
	c := ctlclient.NewWith([]string{target}, insecure.NewCredentials())
	c.Timeout = 5 * time.Second
	c.Log = slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res := c.HostSystemQuery(context.Background())
	require.NoError(t, res[0].Err, "without AllowProxy the proxy is ignored")
	require.Contains(t, logBuf.String(), "HostSystemQuery")

	c.AllowProxy = true
	c.Timeout = 2 * time.Second
	res = c.HostSystemQuery(context.Background())
	require.Error(t, res[0].Err, "with AllowProxy the call goes to the (refusing) proxy")
	t.Log("with AllowProxy:", res[0].Err)
}

// TestCallLog checks the DEBUG record of a call: host, method, timing, error.
func TestCallLog(t *testing.T) {
	addr := serve(t, insecure.NewCredentials())
	var logBuf bytes.Buffer
	c := ctlclient.NewWith([]string{addr}, insecure.NewCredentials())
	c.Log = slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	res := c.NetworkScan(context.Background(), "ofi+tcp")
	require.NoError(t, res[0].Err)
	line := logBuf.String()
	for _, want := range []string{"msg=\"gRPC call\"", "host=" + addr, "method=/ctl.CtlSvc/NetworkScan", "ofi+tcp", "duration_ms="} {
		require.Contains(t, line, want)
	}
	require.NotContains(t, line, "error=")
}
