package poolsvc

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/hlc"
	"github.com/daos-go/daos/pkg/placement"
)

// Pool service states (mgmt.PoolServiceState names, CONTROL.md 7.4).
const (
	StateCreating        = "Creating"
	StateReady           = "Ready"
	StateDestroying      = "Destroying"
	StateTargetsExcluded = "TargetsExcluded"
)

// GlobalVersion is the pool layout version new pools get (global_version).
const GlobalVersion = 3

// Prop is a stored property value: numeric or string, as the property
// travels on the wire (numval / strval).
type Prop struct {
	Num uint64 `json:"num,omitempty"`
	Str string `json:"str,omitempty"`
}

// Handle is an open pool or container handle.
type Handle struct {
	UUID    string    `json:"uuid"`
	Flags   uint64    `json:"flags"`
	Cred    Cred      `json:"cred"`
	Machine string    `json:"machine,omitempty"`
	Time    time.Time `json:"time"`
	// PoolHandle is the pool handle a container handle was opened under.
	PoolHandle string `json:"pool_handle,omitempty"`
}

func (h *Handle) clone() *Handle {
	c := *h
	c.Cred.Groups = slices.Clone(h.Cred.Groups)
	return &c
}

// State is one pool's replicated state. It changes only through Apply,
// which is deterministic; reads are safe concurrently with Apply.
type State struct {
	mu sync.RWMutex
	st record
	// pmap is st.Map decoded, kept so reads need not decode.
	pmap *placement.PoolMap
}

// record is the snapshot format (JSON); fields are only ever added.
type record struct {
	Created  *CreateArgs         `json:"created,omitempty"`
	UUID     string              `json:"uuid"`
	State    string              `json:"state"`
	Owner    string              `json:"owner"`
	Group    string              `json:"group"`
	Props    map[string]Prop     `json:"props"`
	ACL      []string            `json:"acl"`
	Attrs    map[string][]byte   `json:"attrs"`
	Map      []byte              `json:"map,omitempty"`
	SvcRanks []uint32            `json:"svc_ranks"`
	Handles  map[string]*Handle  `json:"handles"`
	Conts    map[string]*contRec `json:"conts"`
	Time     time.Time           `json:"time"` // of the last applied command
	Applied  uint64              `json:"applied"`
	CTime    time.Time           `json:"ctime"`
}

func emptyRecord() record {
	return record{
		State:   StateCreating,
		Props:   map[string]Prop{},
		Attrs:   map[string][]byte{},
		Handles: map[string]*Handle{},
		Conts:   map[string]*contRec{},
	}
}

// New makes the state of a pool not yet created.
func New() *State { return &State{st: emptyRecord()} }

// clone deep-copies the record (through JSON, which is also the snapshot
// form, so a clone is exactly what a restore would give).
func (r *record) clone() record {
	b, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("poolsvc: encode state: %v", err))
	}
	c := emptyRecord()
	if err := json.Unmarshal(b, &c); err != nil {
		panic(fmt.Sprintf("poolsvc: decode state: %v", err))
	}
	return c
}

// Apply executes a command and returns its result, or the error it was
// refused with; a refused command changes nothing. Results: *ContInfo for
// cont_create, int (pool handles closed) for evict, uint64 (the first id)
// for alloc_oids, nil otherwise.
func (s *State) Apply(c *Command) any {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Commands work on a copy that replaces the state only on success,
	// so a refusal half-way through leaves nothing behind.
	tx := &txn{r: s.st.clone(), pmap: s.pmap, now: c.Time}
	if tx.pmap != nil {
		tx.pmap = tx.pmap.Clone()
	}
	res, err := tx.apply(c)
	if err != nil {
		return err
	}
	tx.r.Applied++
	if c.Time.After(tx.r.Time) {
		tx.r.Time = c.Time
	}
	if tx.pmap != nil {
		tx.r.Map = tx.pmap.Encode()
	}
	s.st, s.pmap = tx.r, tx.pmap
	return res
}

// txn is a command being applied.
type txn struct {
	r    record
	pmap *placement.PoolMap
	now  time.Time
}

func (t *txn) apply(c *Command) (any, error) {
	res, err := t.applyOp(c)
	if err == nil {
		t.stampCont(c)
	}
	return res, err
}

// contMetaOps change a container's metadata through one of its handles.
var contMetaOps = map[string]bool{
	OpContSetProps: true, OpContSetAttrs: true, OpContDelAttrs: true, OpSnapCreate: true, OpSnapDestroy: true, OpSnapOIT: true,
	OpContSetOwner: true, OpContACLOverwrite: true, OpContACLUpdate: true, OpContACLDelete: true,
}

// stampCont records, after a container command succeeded, when the
// container was last opened or its metadata last changed (DAOS's
// ci_md_otime and ci_md_mtime; a close counts as a change, see contClose).
func (t *txn) stampCont(c *Command) {
	now := hlc.Stamp(t.now)
	switch {
	case c.Op == OpContOpen:
		if ct, err := t.findCont(c.Cont); err == nil {
			ct.OTime = now
		}
	case c.Op == OpContSetOwner && c.Handle == "":
		if ct, err := t.findCont(c.Cont); err == nil {
			ct.MTime = now
		}
	case contMetaOps[c.Op]:
		if ct, _, err := t.contByHandle(c.Handle); err == nil {
			ct.MTime = now
		}
	}
}

func (t *txn) applyOp(c *Command) (any, error) {
	if c.Op == OpCreate {
		return nil, t.create(c.Create)
	}
	if t.r.Created == nil {
		return nil, daos.Errorf(daos.ErrUninit, "pool service: pool not created")
	}
	switch c.Op {
	case OpConnect:
		return nil, t.connect(c)
	case OpDisconnect:
		t.disconnect(c.Handle)
		return nil, nil
	case OpEvict:
		return t.evict(c.Machine), nil
	case OpSetProps:
		return nil, t.setProps(c.Props)
	case OpSetOwner:
		return nil, t.setOwner(c.Owner, c.Group)
	case OpSetAttrs, OpDelAttrs:
		return nil, t.poolAttrs(c)
	case OpACLOverwrite, OpACLUpdate, OpACLDelete:
		return nil, t.aclChange(c)
	case OpMapUpdate:
		return nil, t.mapUpdate(c)
	case OpDestroyBegin:
		return nil, t.destroyBegin(c.Force)
	}
	if t.r.State == StateDestroying {
		return nil, daos.Errorf(daos.ErrBusy, "pool %s is being destroyed", t.r.UUID)
	}
	if c.Op == OpContSetOwner {
		return t.contSetOwner(c)
	}
	if ok, err := t.applyContACL(c); ok {
		return nil, err
	}
	if c.Op == OpContEvict {
		return t.contEvict(c)
	}
	switch c.Op {
	case OpContCreate:
		return t.contCreate(c)
	case OpContDestroy:
		return nil, t.contDestroy(c)
	case OpContOpen:
		return nil, t.contOpen(c)
	case OpContClose:
		t.contClose(c.Handle)
		return nil, nil
	case OpContSetProps:
		return nil, t.contSetProps(c)
	case OpContSetAttrs, OpContDelAttrs:
		return nil, t.contAttrs(c)
	case OpAllocOIDs:
		return t.allocOIDs(c)
	case OpSnapCreate:
		// The epoch is the answer: the leader may have moved it on.
		if err := t.snapCreate(c); err != nil {
			return nil, err
		}
		return c.Epoch, nil
	case OpSnapDestroy:
		return nil, t.snapDestroy(c)
	case OpSnapOIT:
		return nil, t.snapOIT(c)
	}
	return nil, daos.Errorf(daos.ErrInval, "unknown pool service command %q", c.Op)
}

// Snapshot serializes the whole state.
func (s *State) Snapshot() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return json.Marshal(&s.st)
}

// Restore replaces the state with a snapshot's.
func (s *State) Restore(b []byte) error {
	st := emptyRecord()
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("restore pool service state: %w", err)
	}
	var pm *placement.PoolMap
	if len(st.Map) > 0 {
		var err error
		if pm, err = placement.DecodePoolMap(st.Map); err != nil {
			return fmt.Errorf("restore pool service state: %w", err)
		}
	}
	for k, c := range st.Conts {
		if c == nil || c.UUID != k {
			return fmt.Errorf("restore pool service state: container entry %s is inconsistent", k)
		}
		c.fill()
	}
	for k, h := range st.Handles {
		if h == nil || h.UUID != k {
			return fmt.Errorf("restore pool service state: handle entry %s is inconsistent", k)
		}
	}
	s.mu.Lock()
	s.st, s.pmap = st, pm
	s.mu.Unlock()
	return nil
}

// maxAttrName is DAOS_ATTR_NAME_MAX.
const maxAttrName = 511

func setAttrs(dst map[string][]byte, kv map[string][]byte) error {
	if len(kv) == 0 {
		return daos.Errorf(daos.ErrInval, "set attributes: none given")
	}
	for k := range kv {
		if k == "" || len(k) > maxAttrName {
			return daos.Errorf(daos.ErrInval, "invalid attribute name %q", k)
		}
	}
	for k, v := range kv {
		dst[k] = slices.Clone(v)
	}
	return nil
}

func delAttrs(dst map[string][]byte, names []string) error {
	if len(names) == 0 {
		return daos.Errorf(daos.ErrInval, "delete attributes: none given")
	}
	for _, k := range names {
		if _, ok := dst[k]; !ok {
			return daos.Errorf(daos.ErrNonexist, "no attribute %q", k)
		}
	}
	for _, k := range names {
		delete(dst, k)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
