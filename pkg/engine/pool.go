package engine

import (
	"context"

	"google.golang.org/protobuf/proto"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/drpc"
)

// noPoolService is why this engine refuses pool calls: the pool service
// (pool map, replicated service, targets' VOS pools) is not built yet.
const noPoolService = "pool service not available in this engine build"

// poolMethods pairs each MGMT pool method with its request (decoded, so
// a malformed call is still told apart) and its reply type, whose
// status field carries the refusal.
var poolMethods = []struct {
	method drpc.Method
	req    func() proto.Message
	resp   func(status int32) proto.Message
}{
	{drpc.MethodPoolCreate, func() proto.Message { return &mgmtpb.PoolCreateReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolCreateResp{Status: st} }},
	{drpc.MethodPoolDestroy, func() proto.Message { return &mgmtpb.PoolDestroyReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolDestroyResp{Status: st} }},
	{drpc.MethodPoolEvict, func() proto.Message { return &mgmtpb.PoolEvictReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolEvictResp{Status: st} }},
	{drpc.MethodPoolQuery, func() proto.Message { return &mgmtpb.PoolQueryReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolQueryResp{Status: st} }},
	{drpc.MethodPoolQueryTargets, func() proto.Message { return &mgmtpb.PoolQueryTargetReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolQueryTargetResp{Status: st} }},
	{drpc.MethodPoolSetProp, func() proto.Message { return &mgmtpb.PoolSetPropReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolSetPropResp{Status: st} }},
	{drpc.MethodPoolGetProp, func() proto.Message { return &mgmtpb.PoolGetPropReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolGetPropResp{Status: st} }},
	{drpc.MethodPoolGetACL, func() proto.Message { return &mgmtpb.GetACLReq{} },
		func(st int32) proto.Message { return &mgmtpb.ACLResp{Status: st} }},
	{drpc.MethodPoolOverwriteACL, func() proto.Message { return &mgmtpb.ModifyACLReq{} },
		func(st int32) proto.Message { return &mgmtpb.ACLResp{Status: st} }},
	{drpc.MethodPoolUpdateACL, func() proto.Message { return &mgmtpb.ModifyACLReq{} },
		func(st int32) proto.Message { return &mgmtpb.ACLResp{Status: st} }},
	{drpc.MethodPoolDeleteACL, func() proto.Message { return &mgmtpb.DeleteACLReq{} },
		func(st int32) proto.Message { return &mgmtpb.ACLResp{Status: st} }},
	{drpc.MethodPoolExclude, func() proto.Message { return &mgmtpb.PoolExcludeReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolExcludeResp{Status: st} }},
	{drpc.MethodPoolDrain, func() proto.Message { return &mgmtpb.PoolDrainReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolDrainResp{Status: st} }},
	{drpc.MethodPoolReintegrate, func() proto.Message { return &mgmtpb.PoolReintReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolReintResp{Status: st} }},
	{drpc.MethodPoolExtend, func() proto.Message { return &mgmtpb.PoolExtendReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolExtendResp{Status: st} }},
	{drpc.MethodPoolUpgrade, func() proto.Message { return &mgmtpb.PoolUpgradeReq{} },
		func(st int32) proto.Message { return &mgmtpb.PoolUpgradeResp{Status: st} }},
	{drpc.MethodContSetOwner, func() proto.Message { return &mgmtpb.ContSetOwnerReq{} },
		func(st int32) proto.Message { return &mgmtpb.ContSetOwnerResp{Status: st} }},
}

// registerPool answers every MGMT pool method with DER_NOSYS until the
// pool service exists, so the management service can tell "not built"
// from "failed".
func (e *Engine) registerPool(srv *drpc.Server) {
	for _, pm := range poolMethods {
		pm := pm
		if e.opts.PoolInit != nil && e.opts.PoolService != nil {
			handlers := e.poolAdminMethods() // poolmgmt.go
			handlers[drpc.MethodPoolCreate] = e.poolCreate
			handlers[drpc.MethodPoolQuery] = e.poolQuery
			handlers[drpc.MethodPoolDestroy] = e.poolDestroy
			if h, ok := handlers[pm.method]; ok {
				srv.Register(drpc.ModuleMgmt, pm.method, h)
				continue
			}
		}
		srv.Register(drpc.ModuleMgmt, pm.method, func(_ context.Context, body []byte) ([]byte, error) {
			if err := decode(body, pm.req()); err != nil {
				return nil, err
			}
			e.opts.Logger.Warn("refusing pool request", "method", int32(pm.method), "reason", noPoolService)
			return proto.Marshal(pm.resp(int32(daos.ErrNosys.DerCode())))
		})
	}
}
