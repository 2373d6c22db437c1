package agentclient

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// fakeAgent serves the two calls a client makes, for system "daos_server".
func fakeAgent(t *testing.T, creds *int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "daos_agent.sock")
	srv := drpc.NewServer(path, drpc.ServerOptions{})
	srv.Register(drpc.ModuleMgmt, drpc.MethodGetAttachInfo, func(_ context.Context, body []byte) ([]byte, error) {
		req := &mgmtpb.GetAttachInfoReq{}
		if err := proto.Unmarshal(body, req); err != nil {
			return nil, err
		}
		if req.Sys != "daos_server" {
			return proto.Marshal(&mgmtpb.GetAttachInfoResp{Status: -1003})
		}
		return proto.Marshal(&mgmtpb.GetAttachInfoResp{
			RankUris: []*mgmtpb.GetAttachInfoResp_RankUri{{Rank: 0, Uri: "tcp://127.0.0.1:1"}},
			ClientNetHint: &mgmtpb.ClientNetHint{Provider: "ofi+tcp;ofi_rxm", Interface: "lo",
				EnvVars: []string{"DGO_TEST_SERVER_VAR=from-server", "DGO_TEST_OWN_VAR=from-server", "not-an-assignment", "=x"}},
		})
	})
	srv.Register(drpc.ModuleSecAgent, drpc.MethodRequestCreds, func(context.Context, []byte) ([]byte, error) {
		*creds++
		return proto.Marshal(&agentpb.GetCredResp{Cred: &agentpb.Credential{Origin: "test"}})
	})
	ctx, cancel := context.WithCancel(context.Background())
	if err := srv.Listen(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return path
}

func TestAttachNoAgent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "daos_agent.sock")
	t.Setenv("DAOS_AGENT_DRPC_DIR", filepath.Dir(path))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := Attach(ctx, "")
	if err == nil || !strings.Contains(err.Error(), "daos_agent not reachable at "+path) {
		t.Fatalf("want an unreachable agent error naming %s, got %v", path, err)
	}
}

func TestAttach(t *testing.T) {
	// The servers' client_env_vars: set where the process has not set
	// them, its own value kept otherwise, malformed entries skipped.
	t.Setenv("DGO_TEST_OWN_VAR", "mine")
	t.Setenv("DGO_TEST_SERVER_VAR", "")
	if err := os.Unsetenv("DGO_TEST_SERVER_VAR"); err != nil {
		t.Fatal(err)
	}
	var creds int
	path := fakeAgent(t, &creds)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := AttachAt(ctx, path, "other"); !errors.Is(err, daos.ErrInval) {
		t.Errorf("attach to another system: %v", err)
	}
	s, err := AttachAt(ctx, path, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Sys != DefaultSystem || len(s.engines) != 1 || s.EP == nil {
		t.Fatalf("session: %+v", s)
	}
	if v := os.Getenv("DGO_TEST_SERVER_VAR"); v != "from-server" {
		t.Errorf("client_env_vars not applied: DGO_TEST_SERVER_VAR=%q", v)
	}
	if v := os.Getenv("DGO_TEST_OWN_VAR"); v != "mine" {
		t.Errorf("client_env_vars overrode the process's value: DGO_TEST_OWN_VAR=%q", v)
	}
	for i := 0; i < 2; i++ {
		raw, err := s.Credential(ctx)
		if err != nil {
			t.Fatal(err)
		}
		c := &agentpb.Credential{}
		if err := proto.Unmarshal(raw, c); err != nil || c.Origin != "test" {
			t.Fatalf("credential: %+v %v", c, err)
		}
	}
	if creds != 2 {
		t.Errorf("credentials asked: %d, want one per call", creds)
	}
}

func TestUnreachable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{daos.Errorf(daos.ErrUnreach, "rank 1"), true},
		{daos.Errorf(daos.ErrTimedout, "call"), true},
		{errors.New("dial tcp: connection refused"), true},
		{daos.Errorf(daos.ErrNonexist, "no pool"), false},
		{daos.Errorf(daos.ErrNoPerm, "credential"), false},
	} {
		if got := unreachable(c.err); got != c.want {
			t.Errorf("unreachable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
