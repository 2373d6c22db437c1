package poolsvc

import (
	"encoding/json"
	"fmt"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/object/csum"
)

// Query is a read from the pool service, as it travels to the leader.
type Query struct {
	// What: "info", "props" (stored pool properties as they travel on
	// the wire, by dmg name, svc_list included), "map", "handle", "cont_handle", "container",
	// "containers", "snapshots", "attrs" (the pool's user attributes),
	// "cont_attrs" (container ID's), "aggregation" (reclaim strategy and
	// every container's snapshot epochs).
	What string `json:"what"`
	// ID names the handle or container (UUID or label).
	ID string `json:"id,omitempty"`
	// Handle is the pool or container handle a client reads through
	// (ClientQuery); engines' reads name none.
	Handle string `json:"handle,omitempty"`
}

// MapReply is the pool map, encoded by pkg/placement.
type MapReply struct {
	Version uint32 `json:"version"`
	Map     []byte `json:"map"`
}

// ContHandleReply answers a "cont_handle" query: an open container
// handle and the container it is open on ("handle" finds pool handles
// only, which live apart from container handles).
type ContHandleReply struct {
	Handle *Handle `json:"handle"`
	Cont   string  `json:"cont"`
	// Csum is how the container sums its data (its cksum properties).
	Csum csum.Spec `json:"csum"`
}

// Query answers an encoded Query from the state (the hosting engine
// calls it on the leader, after a barrier).
func (m *Machine) Query(b []byte) ([]byte, error) {
	var q Query
	if err := json.Unmarshal(b, &q); err != nil {
		return nil, daos.Errorf(daos.ErrProto, "pool service query: %v", err)
	}
	var out any
	var err error
	switch q.What {
	case "info":
		out, err = m.State.Info()
	case "props":
		out, err = m.State.WireProps()
	case "map":
		pm := m.State.PoolMap()
		if pm == nil {
			return nil, daos.Errorf(daos.ErrUninit, "pool service: pool not created")
		}
		out = MapReply{Version: pm.Version(), Map: pm.Encode()}
	case "handle":
		out, err = m.State.Handle(q.ID)
	case "cont_handle":
		var r ContHandleReply
		r.Handle, r.Cont, r.Csum, err = m.State.ContHandle(q.ID)
		out = r
	case "container":
		out, err = m.State.Container(q.ID)
	case "containers":
		out = m.State.Containers()
	case "snapshots":
		out, err = m.State.Snapshots(q.ID)
	case "attrs":
		out, err = m.State.PoolAttrs()
	case "cont_attrs":
		out, err = m.State.ContAttrs(q.ID)
	case "cont_acl":
		out, err = m.State.ContACL(q.ID)
	case "pool_acl":
		out, err = m.State.PoolACL(q.ID)
	case "targets":
		out, err = m.State.RankTargets(q.ID)
	case "aggregation":
		var r *AggregationReply
		if r, err = m.State.Aggregation(); err == nil && m.epochs != nil {
			r.Now = m.epochs()
		}
		out = r
	default:
		return nil, daos.Errorf(daos.ErrInval, "pool service query %q: unknown", q.What)
	}
	return encodeAnswer(q.What, out, err)
}

// encodeAnswer encodes a query's answer, or passes its error on.
func encodeAnswer(what string, out any, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	res, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("pool service query %s: %w", what, err)
	}
	return res, nil
}
