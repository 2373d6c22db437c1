package poolsvc

import (
	"github.com/daos-go/daos/pkg/daos"
)

// clientOps are the commands a client may send to the pool service
// directly; each acts through a pool or container handle the client
// holds, which the state checks (pool attributes need a pool handle
// connected for writing). Everything else (create, connect, pool
// properties, owner, ACL, map changes, destroy, evict) comes from engines
// acting for the control plane or for a checked connect.
var clientOps = map[string]bool{
	OpSetAttrs: true, OpDelAttrs: true, OpDisconnect: true, OpContCreate: true, OpContDestroy: true, OpContOpen: true, OpContClose: true,
	OpContSetProps: true, OpContSetAttrs: true, OpContDelAttrs: true, OpAllocOIDs: true,
	OpSnapCreate: true, OpSnapDestroy: true, OpSnapOIT: true,
	OpContACLOverwrite: true, OpContACLUpdate: true, OpContACLDelete: true, OpContSetOwner: true, OpContEvict: true,
}

// Admit checks a command a client sent and returns what the service
// applies: only client operations, and with no identity of the client's
// own making: a credential or owner comes from the handle the command
// names (its checked connect), never from the request.
func (m *Machine) Admit(b []byte) ([]byte, error) {
	c, err := DecodeCommand(b)
	if err != nil {
		return nil, daos.Errorf(daos.ErrProto, "%v", err)
	}
	if !clientOps[c.Op] {
		return nil, daos.Errorf(daos.ErrNoPerm, "pool service: %q is not a client operation", c.Op)
	}
	if handleBoundOps[c.Op] && c.Handle == "" {
		return nil, daos.Errorf(daos.ErrNoHdl, "pool service: %q from a client must name the handle it acts through", c.Op)
	}
	// A create's owner and group stay: they are a request, which
	// contCreate grants only to a creator who could give the container
	// away anyway (set-owner right after).
	c.Cred, c.Machine, c.Owner, c.Group = Cred{}, "", "", ""
	// The service's clock, not the client's, dates what the command
	// records (handles, snapshots, containers' open and modify times).
	c.Time = m.now()
	if c.Op == OpSnapCreate && m.epochs != nil {
		// Stamped here, on the leader, before the command is logged:
		// every replica applies the same epoch.
		c.Epoch = max(c.Epoch, daos.Epoch(m.epochs()))
	}
	return c.Encode()
}
