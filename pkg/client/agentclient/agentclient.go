// Package agentclient is how a client process joins a DAOS system, as
// libdaos's daos_init does: it asks daos_agent (over its Unix socket) for
// the system's attach info, opens a fabric endpoint with the agent's
// network hint, and connects pools with credentials the agent signs.
package agentclient

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent"
	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/client"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/fabric/drivers"
	"github.com/daos-go/daos/pkg/rpc"
)

// DefaultSystem is the system name DAOS tools ask for unless told.
const DefaultSystem = "daos_server"

// Session is one process's attachment to a system.
type Session struct {
	Sys    string
	Info   *mgmtpb.GetAttachInfoResp
	EP     *rpc.Endpoint
	Client *client.Client
	// Machine is recorded with pool handles (DAOS uses the host name).
	Machine string

	socket  string
	agent   *drpc.Client
	engines []fabric.URI
}

// Attach finds daos_agent ($DAOS_AGENT_DRPC_DIR or the default runtime
// directory) and attaches to system sys.
func Attach(ctx context.Context, sys string) (*Session, error) {
	return AttachAt(ctx, agent.ClientSocketPath(os.Getenv), sys)
}

// AttachAt is Attach through the agent socket at path.
func AttachAt(ctx context.Context, path, sys string) (*Session, error) {
	if sys == "" {
		sys = DefaultSystem
	}
	s := &Session{Sys: sys, socket: path, agent: drpc.NewClient(path, 0)}
	if err := s.agent.Connect(ctx); err != nil {
		return nil, s.unreachable(err)
	}
	info, err := s.attachInfo(ctx)
	if err != nil {
		s.agent.Close()
		return nil, err
	}
	s.Info = info
	for _, r := range info.RankUris {
		u, err := fabric.ParseURI(r.Uri)
		if err != nil {
			s.agent.Close()
			return nil, fmt.Errorf("attach info: rank %d address %q: %w", r.Rank, r.Uri, err)
		}
		s.engines = append(s.engines, u)
	}
	if len(s.engines) == 0 {
		s.agent.Close()
		return nil, daos.Errorf(daos.ErrUnreach, "attach info for system %s lists no engines", sys)
	}
	// Before the endpoint opens: the variables may be the fabric's.
	applyClientEnv(info.GetClientNetHint().GetEnvVars())
	ep, err := listen(ctx, info.GetClientNetHint(), s.engines[0].Provider.String())
	if err != nil {
		s.agent.Close()
		return nil, fmt.Errorf("open the client fabric endpoint: %w", err)
	}
	s.EP = ep
	s.Client = client.New(ep)
	s.Machine, _ = os.Hostname()
	return s, nil
}

func (s *Session) unreachable(err error) error {
	return fmt.Errorf("daos_agent not reachable at %s: %w (%w)", s.socket, err, daos.ErrAgentComm)
}

// call is one dRPC exchange with the agent; a failure to reach it says so.
func (s *Session) call(ctx context.Context, mod drpc.Module, meth drpc.Method, req, resp proto.Message) error {
	body, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	raw, err := s.agent.Call(ctx, mod, meth, body)
	if err != nil {
		var se *drpc.StatusError
		if errors.As(err, &se) {
			return fmt.Errorf("daos_agent at %s: %w", s.socket, err)
		}
		return s.unreachable(err)
	}
	if err := proto.Unmarshal(raw, resp); err != nil {
		return daos.Errorf(daos.ErrProto, "daos_agent reply: %v", err)
	}
	return nil
}

func (s *Session) attachInfo(ctx context.Context) (*mgmtpb.GetAttachInfoResp, error) {
	resp := &mgmtpb.GetAttachInfoResp{}
	if err := s.call(ctx, drpc.ModuleMgmt, drpc.MethodGetAttachInfo,
		&mgmtpb.GetAttachInfoReq{Sys: s.Sys, AllRanks: true}, resp); err != nil {
		return nil, err
	}
	if resp.Status != 0 {
		return nil, fmt.Errorf("attach info for system %s: %w", s.Sys, daos.FromCode(int(resp.Status)))
	}
	return resp, nil
}

// Credential asks the agent for a fresh credential for this process. It
// is asked for per connect: the servers refuse ones older than 5 minutes.
func (s *Session) Credential(ctx context.Context) ([]byte, error) {
	resp := &agentpb.GetCredResp{}
	if err := s.call(ctx, drpc.ModuleSecAgent, drpc.MethodRequestCreds, &agentpb.GetCredReq{}, resp); err != nil {
		return nil, err
	}
	if resp.Status != 0 {
		return nil, fmt.Errorf("credential: %w", daos.FromCode(int(resp.Status)))
	}
	if resp.Cred == nil {
		return nil, daos.Errorf(daos.ErrProto, "daos_agent sent no credential")
	}
	return proto.Marshal(resp.Cred)
}

// Connect connects to pool (label or UUID) with flags (client.RO, RW,
// EX). It goes through the engines in attach-info order, moving on only
// when one cannot be reached, since any engine forwards to the pool.
func (s *Session) Connect(ctx context.Context, pool string, flags uint64) (*client.Pool, error) {
	cred, err := s.Credential(ctx)
	if err != nil {
		return nil, err
	}
	var last error
	for _, e := range s.engines {
		p, err := s.Client.Connect(ctx, e, pool, flags, cred, s.Machine)
		if err == nil {
			return p, nil
		}
		last = err
		if !unreachable(err) || ctx.Err() != nil {
			break
		}
	}
	return nil, last
}

// unreachable reports errors that another engine might not give.
func unreachable(err error) bool {
	switch daos.Code(err) {
	case daos.ErrUnreach, daos.ErrTimedout, daos.ErrUnknown:
		return true
	}
	return false
}

// Close ends the session: the endpoint and the agent connection.
func (s *Session) Close() error {
	var err error
	if s.EP != nil {
		err = s.EP.Close()
	}
	if s.agent != nil {
		if cErr := s.agent.Close(); err == nil {
			err = cErr
		}
	}
	return err
}

// listen opens the client's endpoint with the agent's hint, but with the
// provider the engines' addresses name (served): engines without
// libfabric serve ofi+tcp with the pure-Go tcp provider, and a client that
// has libfabric must then use tcp as well to reach them.
func listen(ctx context.Context, hint *mgmtpb.ClientNetHint, served string) (*rpc.Endpoint, error) {
	fc := fabric.Config{Provider: hint.GetProvider(), Interface: hint.GetInterface()}
	if served == "tcp" || fc.Provider == "" {
		fc.Provider = "tcp"
	}
	if fc.Interface == "" {
		fc.Interface = "127.0.0.1"
	}
	ep, err := rpc.Listen(ctx, rpc.Config{Fabric: fc, Drivers: drivers.Client()})
	if errors.Is(err, fabric.ErrUnavailable) && fc.Provider != "tcp" {
		fc.Provider = "tcp"
		ep, err = rpc.Listen(ctx, rpc.Config{Fabric: fc, Drivers: drivers.Client()})
	}
	return ep, err
}

// maxClientEnv bounds one of the servers' client_env_vars entries, as
// libdaos does.
const maxClientEnv = 1024

// applyClientEnv sets the variables the servers' client_env_vars name
// ("NAME=value"), each only where the process has not set it (the
// process's own environment wins, as with DAOS's libdaos). Entries that
// are not NAME=value are skipped.
func applyClientEnv(vars []string) {
	for _, kv := range vars {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" || len(kv) >= maxClientEnv {
			continue
		}
		if _, set := os.LookupEnv(name); set {
			continue
		}
		_ = os.Setenv(name, value) // refused only for a name no process could use
	}
}
