package engine

import (
	"context"
	"encoding/json"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/poolsvc"
)

// contSetOwner answers MGMT CONT_SET_OWNER (dmg container set-owner): the
// pool service gives the container, named by label or UUID, a new owner
// and/or group as an admin command, so no container handle or ACL
// permission is needed; the pool service checks the names (DER_INVAL)
// and the container (DER_NONEXIST).
func (e *Engine) contSetOwner(ctx context.Context, body []byte) ([]byte, error) {
	req := &mgmtpb.ContSetOwnerReq{}
	if err := decode(body, req); err != nil {
		return nil, err
	}
	fail := func(err error) ([]byte, error) {
		e.opts.Logger.Warn("container set-owner failed", "pool", req.PoolId, "cont", req.ContId,
			"owner", req.OwnerUser, "group", req.OwnerGroup, "err", err)
		return proto.Marshal(&mgmtpb.ContSetOwnerResp{Status: derOf(err)})
	}
	if req.OwnerUser == "" && req.OwnerGroup == "" {
		return fail(daos.Errorf(daos.ErrInval, "container set-owner: neither an owner nor a group given"))
	}
	a, ctx, cancel, err := e.startAdmin(ctx, req.PoolId, req.SvcRanks)
	defer cancel()
	if err != nil {
		return fail(err)
	}
	res, err := a.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContSetOwner, Cont: req.ContId,
		Owner: req.OwnerUser, Group: req.OwnerGroup})
	if err != nil {
		return fail(err)
	}
	var ch poolsvc.ContOwnerChange
	if err := json.Unmarshal(res, &ch); err != nil {
		// Done, but the log lacks the before and after.
		e.opts.Logger.Warn("container set-owner: the pool service's answer is unreadable", "pool", req.PoolId,
			"cont", req.ContId, "answer", string(res), "err", err)
	}
	// The engine does not know which administrator asked: dmg's calls
	// reach it only through the management service.
	e.opts.Logger.Info("container owner changed by an administrator (dmg container set-owner)",
		"pool", req.PoolId, "cont", ch.Cont, "label", ch.Label,
		"owner", ch.OldOwner+" -> "+ch.Owner, "group", ch.OldGroup+" -> "+ch.Group)
	return proto.Marshal(&mgmtpb.ContSetOwnerResp{})
}
