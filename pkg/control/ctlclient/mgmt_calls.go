package ctlclient

import (
	"context"
	"fmt"
	"time"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

// StopStartTimeout bounds a system stop or start: the leader waits for
// every rank's server, which can take longer than a query.
const StopStartTimeout = 2 * time.Minute

// Mgmt is a Client bound to one DAOS system: every request it sends
// carries the system name (daos_control.yml `name`), which the management
// service checks against its own.
type Mgmt struct {
	*Client
	System string
	// RetryWait is the first pause before a retried call is sent again
	// (0: 500 ms).
	RetryWait time.Duration
}

func (m *Mgmt) retryWait() time.Duration {
	if m.RetryWait > 0 {
		return m.RetryWait
	}
	return defaultRetryWait
}

// Mgmt binds c to the named system.
func (c *Client) Mgmt(system string) *Mgmt { return &Mgmt{Client: c, System: system} }

// LeaderQuery names the leader and the replicas.
func (m *Mgmt) LeaderQuery(ctx context.Context, req *mgmtpb.LeaderQueryReq) (*mgmtpb.LeaderQueryResp, error) {
	req.Sys = m.System
	return MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.LeaderQueryResp, error) {
		return c.LeaderQuery(ctx, req)
	})
}

// SystemQuery lists the members matching the request's filters.
func (m *Mgmt) SystemQuery(ctx context.Context, req *mgmtpb.SystemQueryReq) (*mgmtpb.SystemQueryResp, error) {
	req.Sys = m.System
	return MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.SystemQueryResp, error) {
		return c.SystemQuery(ctx, req)
	})
}

// SystemStop stops ranks.
func (m *Mgmt) SystemStop(ctx context.Context, req *mgmtpb.SystemStopReq) (*mgmtpb.SystemStopResp, error) {
	req.Sys = m.System
	return MgmtCall(ctx, m.Client, StopStartTimeout, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.SystemStopResp, error) {
		return c.SystemStop(ctx, req)
	})
}

// SystemStart starts stopped ranks.
func (m *Mgmt) SystemStart(ctx context.Context, req *mgmtpb.SystemStartReq) (*mgmtpb.SystemStartResp, error) {
	req.Sys = m.System
	return MgmtCall(ctx, m.Client, StopStartTimeout, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.SystemStartResp, error) {
		return c.SystemStart(ctx, req)
	})
}

// SystemExclude sets (or, with Clear, clears) the administrative
// exclusion of ranks.
func (m *Mgmt) SystemExclude(ctx context.Context, req *mgmtpb.SystemExcludeReq) (*mgmtpb.SystemExcludeResp, error) {
	req.Sys = m.System
	return MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.SystemExcludeResp, error) {
		return c.SystemExclude(ctx, req)
	})
}

// SystemCleanup evicts a machine's pool handles.
func (m *Mgmt) SystemCleanup(ctx context.Context, machine string) (*mgmtpb.SystemCleanupResp, error) {
	req := &mgmtpb.SystemCleanupReq{Sys: m.System, Machine: machine}
	return MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.SystemCleanupResp, error) {
		return c.SystemCleanup(ctx, req)
	})
}

// SystemGetProp reads system properties (all of them when keys is empty).
func (m *Mgmt) SystemGetProp(ctx context.Context, keys []string) (map[string]string, error) {
	req := &mgmtpb.SystemGetPropReq{Sys: m.System, Keys: keys}
	resp, err := MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.SystemGetPropResp, error) {
		return c.SystemGetProp(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	return resp.Properties, nil
}

// SystemSetProp sets system properties.
func (m *Mgmt) SystemSetProp(ctx context.Context, props map[string]string) error {
	req := &mgmtpb.SystemSetPropReq{Sys: m.System, Properties: props}
	return daosStatus(MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.DaosResp, error) {
		return c.SystemSetProp(ctx, req)
	}))
}

// SystemGetAttr reads system attributes (all of them when keys is empty).
func (m *Mgmt) SystemGetAttr(ctx context.Context, keys []string) (map[string]string, error) {
	req := &mgmtpb.SystemGetAttrReq{Sys: m.System, Keys: keys}
	resp, err := MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.SystemGetAttrResp, error) {
		return c.SystemGetAttr(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	return resp.Attributes, nil
}

// SystemSetAttr sets system attributes; a key with an empty value is
// deleted (that is how DAOS's del-attr travels).
func (m *Mgmt) SystemSetAttr(ctx context.Context, attrs map[string]string) error {
	req := &mgmtpb.SystemSetAttrReq{Sys: m.System, Attributes: attrs}
	return daosStatus(MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.DaosResp, error) {
		return c.SystemSetAttr(ctx, req)
	}))
}

// ListPools lists the pool directory.
func (m *Mgmt) ListPools(ctx context.Context) (*mgmtpb.ListPoolsResp, error) {
	req := &mgmtpb.ListPoolsReq{Sys: m.System}
	resp, err := MgmtCall(ctx, m.Client, 0, func(ctx context.Context, c mgmtpb.MgmtSvcClient) (*mgmtpb.ListPoolsResp, error) {
		return c.ListPools(ctx, req)
	})
	if err != nil {
		return nil, err
	}
	if resp.Status != 0 {
		return nil, statusError("list pools", resp.Status)
	}
	return resp, nil
}

// daosStatus turns a DaosResp's non-zero status into an error, since some
// servers answer a refusal in the reply rather than as a gRPC error.
func daosStatus(resp *mgmtpb.DaosResp, err error) error {
	if err != nil {
		return err
	}
	if resp.GetStatus() != 0 {
		return statusError("management service", resp.Status)
	}
	return nil
}

func statusError(what string, status int32) error {
	return fmt.Errorf("%s: %w", what, daos.FromCode(int(status)))
}
