package ctlclient

import (
	"context"
	"errors"
	"time"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

// PoolCreateTimeout bounds a pool create: the engines allocate and format
// every target's share of storage before the pool service answers, and a
// create cut short by a change of leader is sent again until the new
// leader can finish or redo it (up to 5 minutes of waiting for the lost
// leader's engine, then the create itself).
const PoolCreateTimeout = 10 * time.Minute

// statusReply is every pool reply: a DER status besides the gRPC error.
type statusReply interface{ GetStatus() int32 }

// poolCall makes one pool call and turns a non-zero reply status into an
// error, since engines report refusals in the reply.
func poolCall[T statusReply](ctx context.Context, m *Mgmt, what string, timeout time.Duration,
	fn func(context.Context, mgmtpb.MgmtSvcClient) (T, error)) (T, error) {
	var zero T
	resp, err := MgmtCall(ctx, m.Client, timeout, fn)
	if err != nil {
		return zero, err
	}
	if resp.GetStatus() != 0 {
		return zero, statusError(what, resp.GetStatus())
	}
	return resp, nil
}

// PoolCreate creates a pool; req.Uuid must be set by the caller. A
// create refused for a passing reason is sent again, with the same UUID,
// until PoolCreateTimeout has passed: the service answers a repeated
// create once (a repeat of one that succeeded gets its answer), so the
// retry is safe, and it is how a create interrupted by a change of leader
// ends up done instead of left Creating.
func (m *Mgmt) PoolCreate(ctx context.Context, req *mgmtpb.PoolCreateReq) (*mgmtpb.PoolCreateResp, error) {
	req.Sys = m.System
	ctx, cancel := context.WithTimeout(ctx, PoolCreateTimeout)
	defer cancel()
	return retrying(ctx, m.retryWait(), createRetryable, func() (*mgmtpb.PoolCreateResp, error) {
		return poolCall(ctx, m, "pool create", PoolCreateTimeout, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolCreateResp, error) {
			return c.PoolCreate(ctx, req)
		})
	})
}

// createRetryable tells the refusals of a create that a later try may not
// get: no leader yet (an election), DER_AGAIN (the leader waits for an
// earlier leader's create to be over), a group version that moved, or a
// time-out on the servers' side.
func createRetryable(err error) bool {
	for _, e := range []daos.Errno{daos.ErrNotleader, daos.ErrAgain, daos.ErrGrpver, daos.ErrTimedout} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// PoolDestroy destroys a pool.
func (m *Mgmt) PoolDestroy(ctx context.Context, req *mgmtpb.PoolDestroyReq) (*mgmtpb.PoolDestroyResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool destroy", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolDestroyResp, error) {
		return c.PoolDestroy(ctx, req)
	})
}

// PoolEvict closes a pool's open handles.
func (m *Mgmt) PoolEvict(ctx context.Context, req *mgmtpb.PoolEvictReq) (*mgmtpb.PoolEvictResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool evict", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolEvictResp, error) {
		return c.PoolEvict(ctx, req)
	})
}

// PoolQuery asks a pool service for the pool's state and space.
func (m *Mgmt) PoolQuery(ctx context.Context, req *mgmtpb.PoolQueryReq) (*mgmtpb.PoolQueryResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool query", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolQueryResp, error) {
		return c.PoolQuery(ctx, req)
	})
}

// PoolSetProp sets pool properties.
func (m *Mgmt) PoolSetProp(ctx context.Context, req *mgmtpb.PoolSetPropReq) (*mgmtpb.PoolSetPropResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool set-prop", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolSetPropResp, error) {
		return c.PoolSetProp(ctx, req)
	})
}

// PoolGetProp reads pool properties.
func (m *Mgmt) PoolGetProp(ctx context.Context, req *mgmtpb.PoolGetPropReq) (*mgmtpb.PoolGetPropResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool get-prop", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolGetPropResp, error) {
		return c.PoolGetProp(ctx, req)
	})
}

// PoolGetACL reads a pool's ACL.
func (m *Mgmt) PoolGetACL(ctx context.Context, req *mgmtpb.GetACLReq) (*mgmtpb.ACLResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool get-acl", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.ACLResp, error) {
		return c.PoolGetACL(ctx, req)
	})
}

// PoolOverwriteACL replaces a pool's ACL.
func (m *Mgmt) PoolOverwriteACL(ctx context.Context, req *mgmtpb.ModifyACLReq) (*mgmtpb.ACLResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool overwrite-acl", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.ACLResp, error) {
		return c.PoolOverwriteACL(ctx, req)
	})
}

// PoolUpdateACL adds or replaces entries of a pool's ACL.
func (m *Mgmt) PoolUpdateACL(ctx context.Context, req *mgmtpb.ModifyACLReq) (*mgmtpb.ACLResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool update-acl", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.ACLResp, error) {
		return c.PoolUpdateACL(ctx, req)
	})
}

// PoolDeleteACL removes a principal's entry from a pool's ACL.
func (m *Mgmt) PoolDeleteACL(ctx context.Context, req *mgmtpb.DeleteACLReq) (*mgmtpb.ACLResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool delete-acl", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.ACLResp, error) {
		return c.PoolDeleteACL(ctx, req)
	})
}

// PoolExclude marks a pool's targets down.
func (m *Mgmt) PoolExclude(ctx context.Context, req *mgmtpb.PoolExcludeReq) (*mgmtpb.PoolExcludeResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool exclude", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolExcludeResp, error) {
		return c.PoolExclude(ctx, req)
	})
}

// PoolDrain moves data off a pool's targets.
func (m *Mgmt) PoolDrain(ctx context.Context, req *mgmtpb.PoolDrainReq) (*mgmtpb.PoolDrainResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool drain", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolDrainResp, error) {
		return c.PoolDrain(ctx, req)
	})
}

// PoolReintegrate brings a pool's excluded targets back.
func (m *Mgmt) PoolReintegrate(ctx context.Context, req *mgmtpb.PoolReintReq) (*mgmtpb.PoolReintResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool reintegrate", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolReintResp, error) {
		return c.PoolReintegrate(ctx, req)
	})
}

// PoolExtend adds ranks to a pool.
func (m *Mgmt) PoolExtend(ctx context.Context, req *mgmtpb.PoolExtendReq) (*mgmtpb.PoolExtendResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool extend", PoolCreateTimeout, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolExtendResp, error) {
		return c.PoolExtend(ctx, req)
	})
}

// PoolUpgrade upgrades a pool's layout.
func (m *Mgmt) PoolUpgrade(ctx context.Context, req *mgmtpb.PoolUpgradeReq) (*mgmtpb.PoolUpgradeResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool upgrade", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolUpgradeResp, error) {
		return c.PoolUpgrade(ctx, req)
	})
}

// PoolQueryTarget queries one rank's targets of a pool.
func (m *Mgmt) PoolQueryTarget(ctx context.Context, req *mgmtpb.PoolQueryTargetReq) (*mgmtpb.PoolQueryTargetResp, error) {
	req.Sys = m.System
	return poolCall(ctx, m, "pool query-targets", 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.PoolQueryTargetResp, error) {
		return c.PoolQueryTarget(ctx, req)
	})
}
