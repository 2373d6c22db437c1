package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/agent/agentpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
	"github.com/daos-go/daos/pkg/engine/enginepb"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/rpc"
)

// connect serves a client's pool connect: the pool is found through the
// management service (by label or UUID), the client's credential is
// checked by this engine's server (VALIDATE_CREDS), and the pool service
// records the handle after checking the pool's ACL for the identity the
// credential proves. The reply carries the pool map and rank addresses.
func (e *Engine) connect(ctx context.Context, _ *rpc.Incoming, req *poolhost.ConnectReq) (rpc.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, poolOpTimeout)
	defer cancel()
	find := &enginepb.PoolFindResp{}
	if err := e.srvCall(ctx, drpc.ModuleSrv, drpc.MethodPoolFindByLabel, &enginepb.PoolFindReq{Label: req.Pool}, find); err != nil {
		return nil, fmt.Errorf("pool connect: find pool %q: %w", req.Pool, err)
	}
	if find.Status != 0 {
		return nil, fmt.Errorf("pool connect: %w", daos.FromCode(int(find.Status)))
	}
	u, err := target.ParseUUID(find.Uuid)
	if err != nil {
		return nil, err
	}
	cred := &agentpb.Credential{}
	if err := proto.Unmarshal(req.Cred, cred); err != nil {
		return nil, daos.Errorf(daos.ErrInval, "pool connect: malformed credential: %v", err)
	}
	valid := &agentpb.ValidateCredResp{}
	if err := e.srvCall(ctx, drpc.ModuleSec, drpc.MethodValidateCreds, &agentpb.ValidateCredReq{Cred: cred}, valid); err != nil {
		return nil, fmt.Errorf("pool connect: check credential: %w", err)
	}
	if valid.Status != 0 {
		return nil, fmt.Errorf("pool connect: credential refused: %w", daos.FromCode(int(valid.Status)))
	}
	sys := &agentpb.Sys{}
	if valid.Token == nil || proto.Unmarshal(valid.Token.Data, sys) != nil {
		return nil, daos.Errorf(daos.ErrNoPerm, "pool connect: credential carries no identity")
	}
	groups := append([]string{sys.Group}, sys.Groups...)
	p := poolhost.UUID(u)
	cmd := &poolsvc.Command{Op: poolsvc.OpConnect, Time: time.Now().UTC(), Handle: target.UUID(req.Handle).String(),
		Flags: req.Flags, Cred: poolsvc.Cred{User: sys.User, Groups: groups}, Machine: machineOf(req.Machine, sys)}
	if err := e.serviceApply(ctx, p, find.Svcreps, cmd); err != nil {
		return nil, fmt.Errorf("pool connect: %w", err)
	}
	var mr poolsvc.MapReply
	if err := e.serviceQuery(ctx, p, find.Svcreps, poolsvc.Query{What: "map"}, &mr); err != nil {
		return nil, fmt.Errorf("pool connect: pool map: %w", err)
	}
	pm, err := placement.DecodePoolMap(mr.Map)
	if err != nil {
		return nil, fmt.Errorf("pool connect: pool map: %w", err)
	}
	// The client learns every rank's URI here: wait, briefly, for a group
	// map that has them all (this engine may have only just joined).
	ranks := slices.Clone(find.Svcreps)
	for _, ri := range pm.Ranks() {
		ranks = append(ranks, ri.Rank)
	}
	uris := e.member.urisFor(ctx, ranks)
	resp := &poolhost.ConnectResp{Pool: p, Map: mr.Map}
	for _, r := range find.Svcreps {
		resp.SvcRanks = append(resp.SvcRanks, poolhost.Member{Rank: r, URI: uris[r]})
	}
	for _, ri := range pm.Ranks() {
		resp.Ranks = append(resp.Ranks, poolhost.Member{Rank: ri.Rank, URI: uris[ri.Rank]})
	}
	e.opts.Logger.Info("pool connect", "pool", find.Uuid, "user", sys.User, "flags", req.Flags)
	return resp, nil
}

// machineOf is the client's machine name: the agent's, which the
// credential proves, over what the request says.
func machineOf(claimed string, sys *agentpb.Sys) string {
	if sys.Machinename != "" {
		return sys.Machinename
	}
	return strings.TrimSpace(claimed)
}

// srvCall calls this engine's server over dRPC.
func (e *Engine) srvCall(ctx context.Context, module drpc.Module, method drpc.Method, req, resp proto.Message) error {
	body, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	out, err := e.server.Call(ctx, module, method, body)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(out, resp); err != nil {
		return daos.Errorf(daos.ErrProto, "reply to %d: %v", method, err)
	}
	return nil
}
