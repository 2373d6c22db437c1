// Package agent is daos_agent's service: on daos_agent.sock it answers
// libdaos's GET_ATTACH_INFO (the management service's attach info,
// cached, with the fabric interface for the client's NUMA node) and
// REQUEST_CREDS (the caller's identity, read from the socket and signed by
// the agent; see package auth).
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/agent/auth"
	"github.com/daos-go/daos/pkg/control/config"
	"github.com/daos-go/daos/pkg/control/ctlclient"
	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// SocketName is the agent's socket in its runtime directory.
const SocketName = "daos_agent.sock"

// SocketDirEnv lets clients find the socket in another directory.
const SocketDirEnv = "DAOS_AGENT_DRPC_DIR"

// DER codes put in reply status fields.
const (
	derInval  = -1003 // DER_INVAL
	derNoPerm = -1001 // DER_NO_PERM
)

// ClientSocketPath is where a client finds the agent: $DAOS_AGENT_DRPC_DIR
// if set (getenv is os.Getenv in real use), else the default runtime dir.
func ClientSocketPath(getenv func(string) string) string {
	dir := getenv(SocketDirEnv)
	if dir == "" {
		dir = config.DefaultAgentRuntimeDir
	}
	return filepath.Join(dir, SocketName)
}

// Deps are the agent's collaborators; tests pass fakes.
type Deps struct {
	// Mgmt reaches the management service through access_points.
	Mgmt   *ctlclient.Client
	Signer *auth.Signer
	// Scanner finds interfaces when the config lists none; nil means the
	// hint carries no interface then.
	Scanner NetScanner
	Logger  *slog.Logger
	// Now is the clock for cache expiry; nil means time.Now.
	Now func() time.Time
	// DisableCache makes every attach-info request ask the management
	// service (concurrent requests still share one call).
	DisableCache bool
	// NUMANodeOf finds a client process's NUMA node; nil means
	// ProcNUMANode.
	NUMANodeOf func(pid int32) (int, error)
	// Hostname names this node in credentials; "" means os.Hostname.
	Hostname string
	// LookupUser and LookupGroup resolve ids to names; nil means os/user.
	LookupUser  func(uid string) (*user.User, error)
	LookupGroup func(gid string) (*user.Group, error)
}

// Agent serves daos_agent.sock.
type Agent struct {
	cfg   *config.Agent
	deps  Deps
	cache *attachCache
	creds *credCache
	srv   *drpc.Server

	fabricMu  sync.Mutex
	scanned   map[string][]fabricIface // by provider
	nextIface map[int]int              // round-robin position by NUMA node
}

// New makes an agent for cfg. Nothing is opened until Listen.
func New(cfg *config.Agent, deps Deps) (*Agent, error) {
	if deps.Mgmt == nil || deps.Signer == nil {
		return nil, fmt.Errorf("create agent: a management service client and a credential signer are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Hostname == "" {
		h, err := os.Hostname()
		if err != nil {
			return nil, fmt.Errorf("create agent: hostname: %w", err)
		}
		deps.Hostname = h
	}
	if deps.NUMANodeOf == nil {
		deps.NUMANodeOf = ProcNUMANode
	}
	if deps.LookupUser == nil {
		deps.LookupUser = user.LookupId
	}
	if deps.LookupGroup == nil {
		deps.LookupGroup = user.LookupGroupId
	}
	ttl, _, err := credCacheTTL(cfg)
	if err != nil {
		return nil, fmt.Errorf("create agent: %w", err)
	}
	a := &Agent{cfg: cfg, deps: deps, creds: &credCache{ttl: ttl, now: deps.Now}}
	a.cache = &attachCache{
		ttl:      cfg.AttachInfoExpiration(),
		disabled: deps.DisableCache,
		now:      deps.Now,
		fetch: func(ctx context.Context) (*mgmtpb.GetAttachInfoResp, error) {
			return FetchAttachInfo(ctx, deps.Mgmt, cfg.Name)
		},
	}
	// Every local user can connect (the agent tells callers apart by
	// their kernel-reported ids), so requests are small and bounded in
	// time: nobody can hold the connection slots or much memory.
	a.srv = drpc.NewServer(filepath.Join(cfg.RuntimeDir, SocketName), drpc.ServerOptions{
		Logger:          deps.Logger,
		SocketMode:      0o777,
		MaxMessageBytes: maxRequestBytes,
		MaxConns:        maxClientConns,
		IdleTimeout:     clientIdleTimeout,
	})
	a.srv.Register(drpc.ModuleMgmt, drpc.MethodGetAttachInfo, a.getAttachInfo)
	a.srv.Register(drpc.ModuleSecAgent, drpc.MethodRequestCreds, a.requestCreds)
	a.srv.Register(drpc.ModuleMgmt, MethodListPools, a.listPools)
	return a, nil
}

// SocketPath is where the agent listens.
func (a *Agent) SocketPath() string { return a.srv.Path() }

// Limits of the client socket.
const (
	maxRequestBytes   = 64 << 10
	maxClientConns    = 256
	clientIdleTimeout = 30 * time.Second
)

// Listen creates the runtime directory and the socket (mode 0777: every
// local user's processes need credentials, and the agent tells them apart
// by their kernel-reported ids). The directory must belong to the agent's
// user and be writable by nobody else, or another user could replace the
// socket under the clients.
func (a *Agent) Listen(ctx context.Context) error {
	if err := os.MkdirAll(a.cfg.RuntimeDir, 0o755); err != nil {
		return fmt.Errorf("create agent runtime_dir: %w", err)
	}
	if err := checkPrivateDir(a.cfg.RuntimeDir); err != nil {
		return err
	}
	return a.srv.Listen(ctx)
}

// checkPrivateDir refuses a directory (not a symlink) that another user
// owns or that group or others may write.
func checkPrivateDir(dir string) error {
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("check agent runtime_dir: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !fi.IsDir():
		return fmt.Errorf("agent runtime_dir %s is not a directory (%s)", dir, fi.Mode().Type())
	case ok && int(st.Uid) != os.Geteuid():
		return fmt.Errorf("agent runtime_dir %s belongs to uid %d, not to the agent's uid %d", dir, st.Uid, os.Geteuid())
	case fi.Mode().Perm()&0o022 != 0:
		return fmt.Errorf("agent runtime_dir %s is writable by group or others (mode %v); make it 0755 or tighter", dir, fi.Mode().Perm())
	}
	return nil
}

// Serve answers clients until ctx ends.
func (a *Agent) Serve(ctx context.Context) error {
	return a.srv.Serve(ctx)
}

func (a *Agent) getAttachInfo(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.GetAttachInfoReq{}
	if err := proto.Unmarshal(body, req); err != nil {
		return nil, fmt.Errorf("get attach info: %w: %v", drpc.ErrBadPayload, err)
	}
	// libdaos sends no name while it only sets up its network (DAOS
	// skips the check then too).
	if req.Sys != "" && req.Sys != a.cfg.Name {
		a.deps.Logger.Error(fmt.Sprintf("attach info refused: the client asks for system %q, but this agent serves system %q",
			req.Sys, a.cfg.Name))
		return proto.Marshal(&mgmtpb.GetAttachInfoResp{Status: derInval})
	}
	info, err := a.cache.get(ctx)
	if err != nil {
		a.deps.Logger.Error("get attach info from the management service failed", "err", err)
		// A DER code is libdaos's to report; anything else is a
		// failed call.
		if code := daos.Code(err); code != daos.ErrUnknown {
			return proto.Marshal(&mgmtpb.GetAttachInfoResp{Status: int32(code.DerCode())})
		}
		return nil, fmt.Errorf("get attach info: %w", err)
	}
	resp := proto.Clone(info).(*mgmtpb.GetAttachInfoResp)
	if resp.Sys == "" {
		resp.Sys = a.cfg.Name
	}
	hint := resp.ClientNetHint
	ifaces := reaching(a.localFabric(ctx, hint.Provider), engineAddrs(resp.RankUris))
	iface, domain := req.Interface, req.Domain
	numa := a.clientNUMA(ctx)
	if iface == "" {
		// The client's own choice stands; otherwise pick by its node.
		if f, ok := a.pickIface(ifaces, numa); ok {
			iface, domain = f.iface, f.domain
		} else {
			a.deps.Logger.Warn("no fabric interface for the client: set fabric_ifaces in daos_agent.yml",
				"provider", hint.Provider, "numa", numa)
		}
	}
	if domain == "" {
		domain = iface
	}
	hint.Interface, hint.Domain = iface, domain
	resp.NumaFabricInterfaces = numaFabricInterfaces(ifaces, hint.Provider)
	a.deps.Logger.Debug("attach info", "numa", numa, "iface", iface, "domain", domain,
		"provider", hint.Provider, "ranks", len(resp.RankUris))
	return proto.Marshal(resp)
}

// clientNUMA is the NUMA node the calling process runs on; 0 when it
// cannot be told (the caller still gets an interface).
func (a *Agent) clientNUMA(ctx context.Context) int {
	peer, ok := drpc.PeerFromContext(ctx)
	if !ok {
		return 0
	}
	n, err := a.deps.NUMANodeOf(peer.PID)
	if err != nil {
		a.deps.Logger.Debug("client NUMA node unknown, using 0", "pid", peer.PID, "err", err)
		return 0
	}
	return n
}

func (a *Agent) requestCreds(ctx context.Context, body []byte) ([]byte, error) {
	if err := proto.Unmarshal(body, &agentpb.GetCredReq{}); err != nil {
		return nil, fmt.Errorf("request credentials: %w: %v", drpc.ErrBadPayload, err)
	}
	peer, ok := drpc.PeerFromContext(ctx)
	if !ok {
		return proto.Marshal(&agentpb.GetCredResp{Status: derNoPerm})
	}
	sys, err := a.identify(peer)
	if err != nil {
		a.deps.Logger.Warn("credential refused", "uid", peer.UID, "pid", peer.PID, "err", err)
		return proto.Marshal(&agentpb.GetCredResp{Status: derNoPerm})
	}
	cred, err := a.creds.get(sys, func() (*agentpb.Credential, error) {
		return a.deps.Signer.Sign(sys, auth.AgentOrigin)
	})
	if err != nil {
		return nil, fmt.Errorf("request credentials: %w", err)
	}
	return proto.Marshal(&agentpb.GetCredResp{Cred: cred})
}

// identify turns a peer's ids into names. Names carry DAOS's trailing
// '@' (user@, group@), as in ACL principals. A uid with no user entry
// here (a container's) is named by credential_config.client_user_map;
// other lookup failures (NSS down) refuse, rather than name a known
// user after the map.
func (a *Agent) identify(p drpc.PeerCred) (*agentpb.Sys, error) {
	uid, gid := strconv.FormatUint(uint64(p.UID), 10), strconv.FormatUint(uint64(p.GID), 10)
	u, err := a.deps.LookupUser(uid)
	if err != nil {
		var unknown user.UnknownUserIdError
		if errors.As(err, &unknown) {
			if m, ok := a.cfg.Credentials.MappedUser(p.UID); ok {
				return a.mappedIdentity(p, m)
			}
		}
		return nil, fmt.Errorf("look up user %s: %w", uid, err)
	}
	g, err := a.deps.LookupGroup(gid)
	if err != nil {
		return nil, fmt.Errorf("look up group %s: %w", gid, err)
	}
	sys := &agentpb.Sys{
		Stamp:       uint64(a.deps.Now().Unix()),
		Machinename: a.deps.Hostname,
		User:        u.Username + "@",
		Group:       g.Name + "@",
		Uid:         p.UID,
		Gid:         p.GID,
	}
	gids, err := u.GroupIds()
	if err != nil {
		return nil, fmt.Errorf("look up groups of user %s: %w", u.Username, err)
	}
	sort.Strings(gids)
	for _, id := range gids {
		if id == gid {
			continue
		}
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil {
			continue
		}
		grp, err := a.deps.LookupGroup(id)
		if err != nil {
			continue // a dangling group id gives no name, and no rights
		}
		sys.Gids = append(sys.Gids, uint32(n))
		sys.Groups = append(sys.Groups, grp.Name+"@")
	}
	return sys, nil
}
