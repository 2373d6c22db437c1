package client

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/engine/poolhost"
	"github.com/daos-go/daos/pkg/engine/target"
	"github.com/daos-go/daos/pkg/fabric"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/object/objclient"
	"github.com/daos-go/daos/pkg/object/objproto"
	"github.com/daos-go/daos/pkg/placement"
	"github.com/daos-go/daos/pkg/poolsvc"
	"github.com/daos-go/daos/pkg/rpc"
)

// Client is one process's connection to a DAOS system's engines.
type Client struct {
	EP    *rpc.Endpoint
	Clock *hlc.Clock
	io    *objclient.Client
	svc   *poolhost.Client
}

// New makes a client calling from ep.
func New(ep *rpc.Endpoint) *Client {
	clock := &hlc.Clock{}
	return &Client{EP: ep, Clock: clock, io: &objclient.Client{EP: ep, Clock: clock}, svc: &poolhost.Client{EP: ep}}
}

// Connection flags (DAOS_PC_* for pools, DAOS_COO_* for containers).
const (
	RO = poolsvc.FlagRO
	RW = poolsvc.FlagRW
	EX = poolsvc.FlagEX
)

// Pool is a connected pool.
type Pool struct {
	c        *Client
	UUID     objproto.UUID
	Handle   objproto.UUID
	View     *PoolView
	replicas []string
	// Flags are the connect flags (RO, RW, EX).
	Flags uint64
	// imported: made by PoolFromGlobal from another process's handle,
	// which that process owns (see share.go).
	imported bool
}

func newUUID() objproto.UUID {
	var u objproto.UUID
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

func uuidString(u objproto.UUID) string { return target.UUID(u).String() }

// Connect connects to pool (label or UUID) through any engine of the
// system, with a credential daos_agent signed for this process.
func (c *Client) Connect(ctx context.Context, engine fabric.URI, pool string, flags uint64, cred []byte, machine string) (*Pool, error) {
	h := newUUID()
	resp := &poolhost.ConnectResp{}
	if err := c.EP.Call(ctx, engine, poolhost.OpConnect,
		&poolhost.ConnectReq{Pool: pool, Handle: poolhost.UUID(h), Flags: flags, Cred: cred, Machine: machine}, resp); err != nil {
		return nil, fmt.Errorf("connect to pool %q: %w", pool, err)
	}
	pm, err := placement.DecodePoolMap(resp.Map)
	if err != nil {
		return nil, fmt.Errorf("connect to pool %q: %w", pool, err)
	}
	p := &Pool{c: c, UUID: objproto.UUID(resp.Pool), Handle: h, Flags: flags}
	for _, m := range resp.SvcRanks {
		p.replicas = append(p.replicas, m.URI)
	}
	uris, err := rankURIs(resp.Ranks)
	if err != nil {
		return nil, err
	}
	p.View = NewPoolView(p.UUID, pm, uris, p.refresh)
	return p, nil
}

func rankURIs(ms []poolhost.Member) (map[uint32]fabric.URI, error) {
	out := map[uint32]fabric.URI{}
	for _, m := range ms {
		if m.URI == "" {
			continue // a rank not in the group map now
		}
		u, err := fabric.ParseURI(m.URI)
		if err != nil {
			return nil, fmt.Errorf("rank %d address: %w", m.Rank, err)
		}
		out[m.Rank] = u
	}
	return out, nil
}

// refresh reads the pool map from the service (rank addresses stay).
func (p *Pool) refresh(ctx context.Context) (*placement.PoolMap, map[uint32]fabric.URI, error) {
	var mr poolsvc.MapReply
	if err := p.query(ctx, poolsvc.Query{What: "map"}, &mr); err != nil {
		return nil, nil, err
	}
	pm, err := placement.DecodePoolMap(mr.Map)
	if err != nil {
		return nil, nil, err
	}
	return pm, p.View.URIs(), nil
}

func (p *Pool) query(ctx context.Context, q poolsvc.Query, out any) error {
	_, err := p.queryLeader(ctx, q, out)
	return err
}

// queryLeader is query that also says which replica led. Reads go
// through the pool handle unless q names another (a container's).
func (p *Pool) queryLeader(ctx context.Context, q poolsvc.Query, out any) (poolhost.Leader, error) {
	if q.Handle == "" {
		q.Handle = uuidString(p.Handle)
	}
	body, _ := json.Marshal(q)
	res, leader, err := p.c.svc.QueryLeader(ctx, poolhost.UUID(p.UUID), p.replicas, body)
	if err != nil {
		return leader, err
	}
	if err := json.Unmarshal(res, out); err != nil {
		return leader, daos.Errorf(daos.ErrProto, "pool service answer: %v", err)
	}
	return leader, nil
}

func (p *Pool) apply(ctx context.Context, c *poolsvc.Command, out any) error {
	c.Time = time.Now().UTC()
	body, err := c.Encode()
	if err != nil {
		return err
	}
	res, err := p.c.svc.Apply(ctx, poolhost.UUID(p.UUID), p.replicas, body)
	if err != nil {
		return err
	}
	if out != nil {
		if err := json.Unmarshal(res, out); err != nil {
			return daos.Errorf(daos.ErrProto, "pool service answer: %v", err)
		}
	}
	return nil
}

// Query reports the pool as its service sees it.
func (p *Pool) Query(ctx context.Context) (*poolsvc.PoolInfo, error) {
	info := &poolsvc.PoolInfo{}
	leader, err := p.queryLeader(ctx, poolsvc.Query{What: "info"}, info)
	if err != nil {
		return nil, fmt.Errorf("pool query: %w", err)
	}
	if leader.Known {
		info.Leader = &leader.Rank
	}
	return info, nil
}

// GetACL reads the pool's ACL, owner and group through this handle.
func (p *Pool) GetACL(ctx context.Context) (*poolsvc.PoolACLReply, error) {
	out := &poolsvc.PoolACLReply{}
	if err := p.query(ctx, poolsvc.Query{What: "pool_acl", ID: uuidString(p.Handle)}, out); err != nil {
		return nil, fmt.Errorf("pool get-acl: %w", err)
	}
	return out, nil
}

// Disconnect closes the pool handle. On a handle received through
// PoolFromGlobal it only drops this process's copy: the handle belongs to
// the process that connected.
func (p *Pool) Disconnect(ctx context.Context) error {
	if p.imported {
		return nil
	}
	if err := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpDisconnect, Handle: uuidString(p.Handle)}, nil); err != nil {
		return fmt.Errorf("pool disconnect: %w", err)
	}
	return nil
}

// CreateContainer makes a container (label may be empty).
func (p *Pool) CreateContainer(ctx context.Context, label, typ string, props map[string]string) (*poolsvc.ContInfo, error) {
	return p.CreateContainerAs(ctx, ContainerCreate{Label: label, Type: typ, Props: props})
}

// ContainerCreate is a new container: label (may be empty), layout type
// (POSIX, HDF5, ...; empty: unknown), properties, and who owns it and
// may do what (empty: the pool handle's user and group, DAOS's default
// ACL).
type ContainerCreate struct {
	// UUID is the container's, empty for a new random one.
	UUID         string
	Label, Type  string
	Props        map[string]string
	Owner, Group string
	ACL          []string
}

// CreateContainerAs creates a container with its ownership and ACL set
// in the same step, so nobody else ever sees it otherwise.
func (p *Pool) CreateContainerAs(ctx context.Context, c ContainerCreate) (*poolsvc.ContInfo, error) {
	info := &poolsvc.ContInfo{}
	id := c.UUID
	if id == "" {
		id = uuidString(newUUID())
	}
	err := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContCreate, PoolHandle: uuidString(p.Handle),
		ContCreate: &poolsvc.ContCreateArgs{UUID: id, Label: c.Label, Type: c.Type, Props: c.Props,
			Owner: c.Owner, Group: c.Group, ACL: c.ACL}}, info)
	if err != nil {
		return nil, fmt.Errorf("container create: %w", err)
	}
	return info, nil
}

// ListContainers lists the pool's containers.
func (p *Pool) ListContainers(ctx context.Context) ([]*poolsvc.ContInfo, error) {
	var out []*poolsvc.ContInfo
	if err := p.query(ctx, poolsvc.Query{What: "containers"}, &out); err != nil {
		return nil, fmt.Errorf("container list: %w", err)
	}
	return out, nil
}

// DestroyContainer removes a container (label or UUID).
func (p *Pool) DestroyContainer(ctx context.Context, id string, force bool) error {
	if err := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContDestroy, PoolHandle: uuidString(p.Handle), Cont: id, Force: force}, nil); err != nil {
		return fmt.Errorf("container destroy %q: %w", id, err)
	}
	return nil
}

// OpenContainer opens a container (label or UUID) for I/O.
func (p *Pool) OpenContainer(ctx context.Context, id string, flags uint64) (*Container, error) {
	// Opened first, then read through the new handle: the open checks
	// the ACL, and the handle may read the properties I/O needs even
	// where the user may not read them through the pool handle.
	h := newUUID()
	if err := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContOpen, PoolHandle: uuidString(p.Handle), Cont: id,
		Handle: uuidString(h), Flags: flags}, nil); err != nil {
		return nil, fmt.Errorf("container open %q: %w", id, err)
	}
	info := &poolsvc.ContInfo{}
	if err := p.query(ctx, poolsvc.Query{What: "container", Handle: uuidString(h)}, info); err != nil {
		cerr := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContClose, Handle: uuidString(h)}, nil)
		return nil, fmt.Errorf("container open %q: read it through the new handle: %w", id, errors.Join(err, cerr))
	}
	u, err := target.ParseUUID(info.UUID)
	if err != nil {
		return nil, err
	}
	spec, err := csumSpec(info)
	if err != nil {
		cerr := p.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContClose, Handle: uuidString(h)}, nil)
		return nil, fmt.Errorf("container open %q: %w", id, errors.Join(err, cerr))
	}
	ct := &Container{Pool: p.View, UUID: objproto.UUID(u), Handle: h, IO: p.c.io, pool: p, Info: info, csum: spec}
	ct.flags = flags
	return ct, nil
}

// Close closes an open container. On a handle received through
// ContainerFromGlobal it only drops this process's copy: the handle
// belongs to the process that opened it.
func (c *Container) Close(ctx context.Context) error {
	if c.pool == nil || c.Imported() {
		return nil
	}
	if err := c.pool.apply(ctx, &poolsvc.Command{Op: poolsvc.OpContClose, Handle: uuidString(c.Handle)}, nil); err != nil {
		return fmt.Errorf("container close: %w", err)
	}
	return nil
}

// AllocOIDs reserves n object ids and returns the first
// (daos_cont_alloc_oids).
func (c *Container) AllocOIDs(ctx context.Context, n uint64) (uint64, error) {
	if c.pool == nil {
		return 0, daos.Errorf(daos.ErrNoHdl, "container not opened through a pool")
	}
	var first uint64
	if err := c.pool.apply(ctx, &poolsvc.Command{Op: poolsvc.OpAllocOIDs, Handle: uuidString(c.Handle), Num: n}, &first); err != nil {
		return 0, fmt.Errorf("allocate object ids: %w", err)
	}
	return first, nil
}

// PoolSpace is a pool's space per tier over the targets that answered,
// with the spread of free space between them (daos_pool_space).
type PoolSpace struct {
	Targets int
	// Per tier: index 0 SCM, 1 NVMe (DAOS_MEDIA_SCM, DAOS_MEDIA_NVME).
	Total, Free, FreeMin, FreeMax [2]uint64
}

// Space asks the pool service for the space of the pool's shards.
func (p *Pool) Space(ctx context.Context) (*PoolSpace, error) {
	ts, err := p.c.svc.Space(ctx, poolhost.UUID(p.UUID), p.replicas)
	if err != nil {
		return nil, fmt.Errorf("pool space: %w", err)
	}
	out := &PoolSpace{Targets: len(ts)}
	for i, t := range ts {
		tier := [2][2]uint64{{t.SCMTotal, t.SCMFree}, {t.NVMeTotal, t.NVMeFree}}
		for m := range tier {
			out.Total[m] += tier[m][0]
			free := tier[m][1]
			out.Free[m] += free
			if i == 0 || free < out.FreeMin[m] {
				out.FreeMin[m] = free
			}
			out.FreeMax[m] = max(out.FreeMax[m], free)
		}
	}
	return out, nil
}
