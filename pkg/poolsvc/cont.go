package poolsvc

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/hlc"
)

// Snap is a snapshot record.
type Snap struct {
	Epoch uint64    `json:"epoch"`
	Name  string    `json:"name,omitempty"`
	Time  time.Time `json:"time"`
	// OIT: the snapshot has a complete object index table (daos_oit_*).
	OIT bool `json:"oit,omitempty"`
}

// contRec is a container's entry in the pool service.
type contRec struct {
	UUID string `json:"uuid"`
	// Label is the explicit label, "" when none was given (the label
	// property then reads container_label_not_set).
	Label   string             `json:"label,omitempty"`
	Owner   string             `json:"owner"`
	Group   string             `json:"group"`
	ACL     []string           `json:"acl"`
	Props   map[string]Prop    `json:"props"`
	Attrs   map[string][]byte  `json:"attrs"`
	Handles map[string]*Handle `json:"handles"`
	// Snaps are in epoch order.
	Snaps []Snap `json:"snaps"`
	// NextOID is the first object id not yet allocated.
	NextOID uint64    `json:"next_oid"`
	CTime   time.Time `json:"ctime"`
	// OTime and MTime are HLC stamps of the latest open and of the
	// latest close or metadata change (0: none yet).
	OTime uint64 `json:"otime,omitempty"`
	MTime uint64 `json:"mtime,omitempty"`
}

// fill makes the maps a decoded entry may lack.
func (c *contRec) fill() {
	if c.Props == nil {
		c.Props = map[string]Prop{}
	}
	if c.Attrs == nil {
		c.Attrs = map[string][]byte{}
	}
	if c.Handles == nil {
		c.Handles = map[string]*Handle{}
	}
}

// firstOID is the first id alloc_oids hands out; 0 stays unused so that
// no allocation yields the nil id's low half.
const firstOID = 1

// findCont finds a container by UUID or label.
func (t *txn) findCont(id string) (*contRec, error) {
	if c, ok := t.r.Conts[id]; ok {
		return c, nil
	}
	if id != "" && !system.IsUUID(id) {
		for _, k := range sortedKeys(t.r.Conts) {
			if c := t.r.Conts[k]; c.Label == id {
				return c, nil
			}
		}
	}
	return nil, daos.Errorf(daos.ErrNonexist, "pool %s: no container %q", t.r.UUID, id)
}

// poolHandle finds the pool handle a container command comes through.
func (t *txn) poolHandle(h string) (*Handle, error) {
	ph, ok := t.r.Handles[h]
	if !ok {
		return nil, daos.Errorf(daos.ErrNoHdl, "pool %s: no pool handle %q", t.r.UUID, h)
	}
	return ph, nil
}

func (t *txn) labelTaken(label string, except *contRec) bool {
	for _, c := range t.r.Conts {
		if c != except && c.Label == label {
			return true
		}
	}
	return false
}

// ContInfo is what a container query reports.
type ContInfo struct {
	UUID       string            `json:"uuid"`
	Label      string            `json:"label"`
	Type       string            `json:"type"`
	Owner      string            `json:"owner"`
	Group      string            `json:"group"`
	ACL        []string          `json:"acl"`
	Props      map[string]string `json:"props"`
	Status     string            `json:"status"`
	NumHandles int               `json:"num_handles"`
	NumSnaps   int               `json:"num_snapshots"`
	Snapshots  []uint64          `json:"snapshots,omitempty"`
	// AllocedOID is the highest object id allocated so far (0: none).
	AllocedOID uint64    `json:"alloced_oid"`
	CTime      time.Time `json:"ctime"`
	// OpenTime and CloseModifyTime are HLC stamps: the latest open, and
	// the latest close or metadata change (DAOS's ci_md_otime and
	// ci_md_mtime; 0: none yet).
	OpenTime        uint64 `json:"open_time"`
	CloseModifyTime uint64 `json:"close_modify_time"`
}

func (c *contRec) info() *ContInfo {
	ci := &ContInfo{UUID: c.UUID, Label: c.Props["label"].Str, Owner: c.Owner, Group: c.Group,
		ACL: slices.Clone(c.ACL), Props: map[string]string{}, NumHandles: len(c.Handles),
		NumSnaps: len(c.Snaps), AllocedOID: c.NextOID - firstOID, CTime: c.CTime,
		OpenTime: c.OTime, CloseModifyTime: c.MTime}
	for _, d := range contProps {
		if p, ok := c.Props[d.Name]; ok {
			ci.Props[d.Name] = d.Format(p)
		}
	}
	ci.Props["alloced_oid"] = strconv.FormatUint(ci.AllocedOID, 10)
	ci.Type = ci.Props["layout_type"]
	ci.Status = ci.Props["status"]
	for _, s := range c.Snaps {
		ci.Snapshots = append(ci.Snapshots, s.Epoch)
	}
	return ci
}

func (t *txn) contCreate(c *Command) (any, error) {
	a := c.ContCreate
	if a == nil {
		return nil, daos.Errorf(daos.ErrInval, "cont_create command without arguments")
	}
	ph, err := t.poolHandle(c.PoolHandle)
	if err != nil {
		return nil, err
	}
	if ph.Flags&FlagRO != 0 || t.poolPerms(ph.Cred)&PermCreateCont == 0 {
		return nil, daos.Errorf(daos.ErrNoPerm, "pool %s: %s may not create containers", t.r.UUID, ph.Cred.User)
	}
	if err := checkUUID(a.UUID, "container"); err != nil {
		return nil, err
	}
	if _, ok := t.r.Conts[a.UUID]; ok {
		return nil, daos.Errorf(daos.ErrExist, "pool %s: container %s exists", t.r.UUID, a.UUID)
	}
	ct := &contRec{UUID: a.UUID, Owner: a.Owner, Group: a.Group, NextOID: firstOID, CTime: t.now}
	ct.fill()
	for _, d := range contProps {
		ct.Props[d.Name] = d.def(t.r.Props)
	}
	if a.Type != "" {
		d, _ := LookupContProp("layout_type")
		p, err := d.Parse(a.Type)
		if err != nil {
			return nil, err
		}
		ct.Props["layout_type"] = p
	}
	for _, k := range sortedKeys(a.Props) {
		d, err := LookupContProp(k)
		if err != nil {
			return nil, err
		}
		if d.Access == ContReadOnly {
			// As DAOS's create does, one may be named with the value
			// the container gets anyway (a copy of another container's
			// properties names them all); any other is refused.
			if def := d.Format(d.def(t.r.Props)); strings.TrimSpace(a.Props[k]) != def {
				return nil, daos.Errorf(daos.ErrInval, "container property %s is read-only (%s for a new container, not %q)", d.Name, def, a.Props[k])
			}
			continue
		}
		p, err := d.Parse(a.Props[k])
		if err != nil {
			return nil, err
		}
		ct.Props[d.Name] = p
	}
	if p, ok := ct.Props["alloced_oid"]; ok {
		ct.NextOID = firstOID + p.Num
		delete(ct.Props, "alloced_oid") // info reports the allocator's
	}
	if a.Label != "" {
		d, _ := LookupContProp("label")
		p, err := d.Parse(a.Label)
		if err != nil {
			return nil, err
		}
		if l, ok := a.Props["label"]; ok && l != a.Label {
			return nil, daos.Errorf(daos.ErrInval, "container label %q and label property %q differ", a.Label, l)
		}
		ct.Props["label"] = p
	}
	if _, given := a.Props["label"]; given || a.Label != "" {
		ct.Label = ct.Props["label"].Str
		if t.labelTaken(ct.Label, nil) {
			return nil, daos.Errorf(daos.ErrExist, "pool %s: container label %q is taken", t.r.UUID, ct.Label)
		}
	}
	// The creator owns the container unless told otherwise; the other
	// owner or group asked for is what set-owner would make of it next.
	defOwner, defGroup := ph.Cred.User, ""
	if len(ph.Cred.Groups) > 0 {
		defGroup = ph.Cred.Groups[0]
	}
	asked := (ct.Owner != "" && ct.Owner != defOwner) || (ct.Group != "" && ct.Group != defGroup)
	if ct.Owner == "" {
		ct.Owner = defOwner
	}
	if ct.Group == "" {
		ct.Group = defGroup
	}
	if ct.Owner == "" {
		ct.Owner = nobody
	}
	if ct.Group == "" {
		ct.Group = nobody
	}
	if err := checkPrincipal(ct.Owner, "owner"); err != nil {
		return nil, err
	}
	if err := checkPrincipal(ct.Group, "group"); err != nil {
		return nil, err
	}
	aclIn := a.ACL
	if aclIn == nil {
		aclIn = DefaultContACL
	}
	acl, err := ParseACL(aclIn)
	if err != nil {
		return nil, err
	}
	if err := acl.Check(PermContAll, "container"); err != nil {
		return nil, err
	}
	if asked && acl.Perms(ph.Cred, defOwner, defGroup)&PermSetOwner == 0 {
		return nil, daos.Errorf(daos.ErrNoPerm, "container create: %s may not give the container to %s/%s (its ACL grants the creator no o)",
			ph.Cred.User, ct.Owner, ct.Group)
	}
	ct.ACL = acl.Strings()
	t.r.Conts[ct.UUID] = ct
	return ct.info(), nil
}

func (t *txn) contPerms(ct *contRec, c Cred) Perm {
	acl, _ := ParseACL(ct.ACL)
	p := acl.Perms(c, ct.Owner, ct.Group)
	if c.User != "" && c.User == ct.Owner {
		// A container's owner may always read and change its ACL, as in
		// DAOS (CONT_OWNER_MIN_PERMS), whatever the ACL says.
		p |= ContOwnerMinPerms
	}
	return p
}

func (t *txn) contDestroy(c *Command) error {
	ph, err := t.poolHandle(c.PoolHandle)
	if err != nil {
		return err
	}
	ct, err := t.findCont(c.Cont)
	if err != nil {
		return err
	}
	// Deleting takes d on the pool (through a writable handle) or d on
	// the container.
	poolOK := ph.Flags&FlagRO == 0 && t.poolPerms(ph.Cred)&PermDelCont != 0
	if !poolOK && t.contPerms(ct, ph.Cred)&PermDelCont == 0 {
		return daos.Errorf(daos.ErrNoPerm, "container %s: %s may not destroy it", ct.UUID, ph.Cred.User)
	}
	if n := len(ct.Handles); n > 0 && !c.Force {
		return daos.Errorf(daos.ErrBusy, "container %s has %d open handles", ct.UUID, n)
	}
	delete(t.r.Conts, ct.UUID)
	return nil
}

func (t *txn) contOpen(c *Command) error {
	ph, err := t.poolHandle(c.PoolHandle)
	if err != nil {
		return err
	}
	ct, err := t.findCont(c.Cont)
	if err != nil {
		return err
	}
	if err := checkUUID(c.Handle, "container handle"); err != nil {
		return err
	}
	mode, err := accessFlags(c.Flags, FlagForce|FlagROMDStats|FlagEvict|FlagEvictAll|FlagNewLayout)
	if err != nil {
		return err
	}
	// As DAOS: evicting everyone is not for a read-only open, evicting
	// one's own handles not for an exclusive one.
	if (mode == FlagRO && c.Flags&FlagEvictAll != 0) || (mode == FlagEX && c.Flags&FlagEvict != 0) {
		return daos.Errorf(daos.ErrInval, "container %s: open flags %#x: EVICT_ALL needs RW or EX, EVICT is not for EX", ct.UUID, c.Flags)
	}
	// Handles are looked up by UUID alone, so one may not be open on two
	// containers.
	if other, _, err := t.contByHandle(c.Handle); err == nil && other != ct {
		return daos.Errorf(daos.ErrExist, "container handle %s is open on container %s", c.Handle, other.UUID)
	}
	if h, ok := ct.Handles[c.Handle]; ok && h.Flags&(FlagRO|FlagRW|FlagEX) == mode {
		return nil // a retried open
	}
	if mode != FlagRO && ph.Flags&FlagRO != 0 {
		return daos.Errorf(daos.ErrNoPerm, "container %s: cannot open for writing through a read-only pool handle", ct.UUID)
	}
	if want := needPerms(mode); t.contPerms(ct, ph.Cred)&want != want {
		return daos.Errorf(daos.ErrNoPerm, "container %s: %s may not open it %s", ct.UUID, ph.Cred.User, modeName(mode))
	}
	if c.Flags&FlagEvictAll != 0 && t.contPerms(ct, ph.Cred)&PermSetOwner == 0 {
		return daos.Errorf(daos.ErrNoPerm, "container %s: %s may not evict other users' handles", ct.UUID, ph.Cred.User)
	}
	if ct.Props["status"].Num == statusUnclean && c.Flags&FlagForce == 0 {
		return daos.Errorf(daos.ErrRf, "container %s is UNCLEAN: more fault domains failed than rd_fac allows", ct.UUID)
	}
	// Evictions come before the conflict checks, so that an exclusive
	// open can evict what stands in its way.
	for _, h := range sortedKeys(ct.Handles) {
		if h != c.Handle && (c.Flags&FlagEvictAll != 0 || c.Flags&FlagEvict != 0 && ct.Handles[h].Cred.User == ph.Cred.User) {
			delete(ct.Handles, h)
		}
	}
	if _, err := openCheck(ct.Handles, c.Handle, mode, "container "+ct.UUID); err != nil {
		return err
	}
	h := &Handle{UUID: c.Handle, Flags: c.Flags, Cred: ph.Cred, Machine: ph.Machine, Time: t.now, PoolHandle: ph.UUID}
	ct.Handles[c.Handle] = h.clone()
	return nil
}

// contClose is idempotent, so retries are harmless. A close is the
// container's latest close/modify time.
func (t *txn) contClose(h string) {
	for _, ct := range t.r.Conts {
		if _, ok := ct.Handles[h]; ok {
			ct.MTime = hlc.Stamp(t.now)
			delete(ct.Handles, h)
		}
	}
}

// contByHandle finds the open container handle h.
func (t *txn) contByHandle(h string) (*contRec, *Handle, error) {
	for _, ct := range t.r.Conts {
		if ch, ok := ct.Handles[h]; ok {
			return ct, ch, nil
		}
	}
	return nil, nil, daos.Errorf(daos.ErrNoHdl, "pool %s: no container handle %q", t.r.UUID, h)
}

// contForChange finds the container behind a handle that must be
// writable and whose credential the ACL must grant perm (0: none).
func (t *txn) contForChange(h string, perm Perm) (*contRec, error) {
	ct, ch, err := t.contByHandle(h)
	if err != nil {
		return nil, err
	}
	if ch.Flags&FlagRO != 0 {
		return nil, daos.Errorf(daos.ErrNoPerm, "container %s: handle %s is read-only", ct.UUID, h)
	}
	if perm != 0 && t.contPerms(ct, ch.Cred)&perm != perm {
		return nil, daos.Errorf(daos.ErrNoPerm, "container %s: %s lacks permission %s", ct.UUID, ch.Cred.User, perm)
	}
	return ct, nil
}

func (t *txn) contSetProps(c *Command) error {
	if len(c.Props) == 0 {
		return daos.Errorf(daos.ErrInval, "set container properties: none given")
	}
	ct, err := t.contForChange(c.Handle, 0)
	if err != nil {
		return err
	}
	_, ch, _ := t.contByHandle(c.Handle)
	perms := t.contPerms(ct, ch.Cred)
	for _, k := range sortedKeys(c.Props) {
		v := c.Props[k]
		// Owner and group are changed with the o permission, the rest
		// with T.
		switch k {
		case "owner", "group":
			if perms&PermSetOwner == 0 {
				return daos.Errorf(daos.ErrNoPerm, "container %s: %s may not change its owner", ct.UUID, ch.Cred.User)
			}
			if err := checkPrincipal(v, k); err != nil {
				return err
			}
			if k == "owner" {
				ct.Owner = v
			} else {
				ct.Group = v
			}
			continue
		}
		d, err := LookupContProp(k)
		if err != nil {
			return err
		}
		switch d.Access {
		case ContReadOnly:
			return daos.Errorf(daos.ErrInval, "container property %s is read-only", d.Name)
		case ContCreateOnly:
			return daos.Errorf(daos.ErrInval, "container property %s can only be set when the container is created", d.Name)
		}
		if perms&PermSetProp == 0 {
			return daos.Errorf(daos.ErrNoPerm, "container %s: %s may not set properties", ct.UUID, ch.Cred.User)
		}
		p, err := d.Parse(v)
		if err != nil {
			return err
		}
		if d.Number == ContPropLabel {
			if t.labelTaken(p.Str, ct) {
				return daos.Errorf(daos.ErrExist, "pool %s: container label %q is taken", t.r.UUID, p.Str)
			}
			ct.Label = p.Str
		}
		ct.Props[d.Name] = p
	}
	return nil
}

func (t *txn) contAttrs(c *Command) error {
	ct, err := t.contForChange(c.Handle, 0)
	if err != nil {
		return err
	}
	if c.Op == OpContSetAttrs {
		return setAttrs(ct.Attrs, c.Attrs)
	}
	return delAttrs(ct.Attrs, c.Names)
}

func (t *txn) allocOIDs(c *Command) (any, error) {
	ct, err := t.contForChange(c.Handle, 0)
	if err != nil {
		return nil, err
	}
	if c.Num == 0 {
		return nil, daos.Errorf(daos.ErrInval, "alloc_oids: zero ids asked for")
	}
	if c.Num > math.MaxUint64-ct.NextOID {
		return nil, daos.Errorf(daos.ErrOverflow, "container %s: object ids exhausted", ct.UUID)
	}
	first := ct.NextOID
	ct.NextOID += c.Num
	return first, nil
}

// maxSnapName bounds snapshot names (DAOS_SNAPSHOT_MAX_LEN is 128 with the NUL).
const maxSnapName = 127

func (t *txn) snapCreate(c *Command) error {
	ct, err := t.contForChange(c.Handle, 0)
	if err != nil {
		return err
	}
	if c.Epoch == 0 {
		return daos.Errorf(daos.ErrInval, "snapshot at epoch 0")
	}
	if len(c.Name) > maxSnapName {
		return daos.Errorf(daos.ErrInval, "snapshot name longer than %d characters", maxSnapName)
	}
	for _, s := range ct.Snaps {
		if s.Epoch == c.Epoch {
			return daos.Errorf(daos.ErrExist, "container %s: snapshot at epoch %d exists", ct.UUID, c.Epoch)
		}
		if c.Name != "" && s.Name == c.Name {
			return daos.Errorf(daos.ErrExist, "container %s: snapshot %q exists", ct.UUID, c.Name)
		}
	}
	if max := ct.Props["max_snapshot"].Num; max > 0 && uint64(len(ct.Snaps)) >= max {
		return daos.Errorf(daos.ErrNospace, "container %s: %d snapshots is the maximum", ct.UUID, max)
	}
	ct.Snaps = append(ct.Snaps, Snap{Epoch: c.Epoch, Name: c.Name, Time: t.now})
	slices.SortFunc(ct.Snaps, func(a, b Snap) int {
		switch {
		case a.Epoch < b.Epoch:
			return -1
		case a.Epoch > b.Epoch:
			return 1
		}
		return 0
	})
	return nil
}

func (t *txn) snapDestroy(c *Command) error {
	ct, err := t.contForChange(c.Handle, 0)
	if err != nil {
		return err
	}
	if c.Epoch == 0 && c.Name == "" {
		return daos.Errorf(daos.ErrInval, "snapshot destroy: give an epoch or a name")
	}
	i := slices.IndexFunc(ct.Snaps, func(s Snap) bool {
		return (c.Epoch == 0 || s.Epoch == c.Epoch) && (c.Name == "" || s.Name == c.Name)
	})
	if i < 0 {
		return daos.Errorf(daos.ErrNonexist, "container %s: no such snapshot", ct.UUID)
	}
	ct.Snaps = slices.Delete(ct.Snaps, i, i+1)
	return nil
}

// snapOIT records whether the snapshot at c.Epoch has an object index
// table (OpSnapOIT).
func (t *txn) snapOIT(c *Command) error {
	ct, err := t.contForChange(c.Handle, 0)
	if err != nil {
		return err
	}
	if c.Flags&^SnapHasOIT != 0 {
		return daos.Errorf(daos.ErrInval, "snapshot oit: flags %#x", c.Flags)
	}
	i := slices.IndexFunc(ct.Snaps, func(s Snap) bool { return s.Epoch == c.Epoch })
	if i < 0 {
		return daos.Errorf(daos.ErrNonexist, "container %s: no snapshot at epoch %d", ct.UUID, c.Epoch)
	}
	ct.Snaps[i].OIT = c.Flags&SnapHasOIT != 0
	return nil
}
