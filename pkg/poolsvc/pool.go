package poolsvc

import (
	"encoding/json"
	"slices"
	"strconv"

	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// defaultRdFac is a new pool's rd_fac when the create does not set it
// (see create).
const defaultRdFac = 0

// nobody is the owner and group DAOS records when none is given.
const nobody = "NOBODY@"

func checkPrincipal(p, what string) error {
	if p != nobody && !ValidPrincipalName(p) {
		return daos.Errorf(daos.ErrInval, "invalid %s %q: want name@[domain]", what, p)
	}
	return nil
}

func checkUUID(u, what string) error {
	if !system.IsUUID(u) {
		return daos.Errorf(daos.ErrInval, "invalid %s UUID %q", what, u)
	}
	return nil
}

// faultDomains counts the distinct fault domains of the map's ranks (a
// rank without a fault path is its own domain).
func faultDomains(m *placement.PoolMap) int {
	doms := map[string]bool{}
	for _, r := range m.Ranks() {
		doms[domainOf(r, false)] = true
	}
	return len(doms)
}

func domainOf(r placement.RankInfo, byRank bool) string {
	if byRank || r.FaultPath == "" {
		return "rank:" + strconv.FormatUint(uint64(r.Rank), 10)
	}
	return r.FaultPath
}

func (t *txn) create(a *CreateArgs) error {
	if a == nil {
		return daos.Errorf(daos.ErrInval, "create command without arguments")
	}
	if t.r.Created != nil {
		// A retried create (same arguments) succeeds; anything else
		// finds the pool already there.
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(t.r.Created)
		if string(x) == string(y) {
			return nil
		}
		return daos.Errorf(daos.ErrExist, "pool %s already created", t.r.UUID)
	}
	if err := checkUUID(a.UUID, "pool"); err != nil {
		return err
	}
	owner, group := a.Owner, a.Group
	if owner == "" {
		owner = nobody
	}
	if group == "" {
		group = nobody
	}
	if err := checkPrincipal(owner, "owner"); err != nil {
		return err
	}
	if err := checkPrincipal(group, "group"); err != nil {
		return err
	}
	aclIn := a.ACL
	if aclIn == nil {
		aclIn = DefaultPoolACL
	}
	acl, err := ParseACL(aclIn)
	if err != nil {
		return err
	}
	if err := acl.Check(PermPoolAll, "pool"); err != nil {
		return err
	}
	if len(a.Ranks) == 0 {
		return daos.Errorf(daos.ErrInval, "create pool %s: no ranks", a.UUID)
	}
	pm, err := placement.NewPoolMap(a.Ranks)
	if err != nil {
		return err
	}
	if len(a.SvcRanks) == 0 {
		return daos.Errorf(daos.ErrInval, "create pool %s: no service ranks", a.UUID)
	}
	seen := map[uint32]bool{}
	for _, r := range a.SvcRanks {
		if seen[r] {
			return daos.Errorf(daos.ErrInval, "create pool %s: service rank %d given twice", a.UUID, r)
		}
		seen[r] = true
		if _, err := pm.TargetState(r, 0); err != nil {
			return daos.Errorf(daos.ErrInval, "create pool %s: service rank %d holds none of its targets", a.UUID, r)
		}
	}

	t.r.Props = map[string]Prop{}
	for _, n := range system.PoolPropNames() {
		d, _ := system.LookupPoolProp(n)
		switch {
		case d.Number == system.PoolPropGlobalVersion:
			t.r.Props[n] = Prop{Num: GlobalVersion}
		case d.Number == system.PoolPropUpgradeStatus:
			t.r.Props[n] = Prop{}
		case d.Access == system.PropReadOnly:
		default:
			if err := t.setPoolProp(d, d.Default); err != nil {
				return err
			}
		}
	}
	props := a.Props
	if a.Label != "" {
		if l, ok := lookupPoolPropIn(props, "label"); ok && l != a.Label {
			return daos.Errorf(daos.ErrInval, "create pool %s: label %q and label property %q differ", a.UUID, a.Label, l)
		}
		props = map[string]string{"label": a.Label}
		for k, v := range a.Props {
			props[k] = v
		}
	}
	if err := t.setProps0(props, true); err != nil {
		return err
	}
	// rd_fac: an explicit value must fit the fault domains. DAOS's
	// default (3, clamped to what the fault domains allow) makes
	// containers inherit a redundancy whose default object classes
	// (replicated, erasure-coded) this build cannot do I/O with yet: a
	// pool created the usual way would hold only unusable POSIX
	// containers. Until redundancy lands the default is 0.
	maxRF := uint64(faultDomains(pm) - 1)
	if _, given := lookupPoolPropIn(a.Props, "rd_fac"); given {
		if v := t.r.Props["rd_fac"].Num; v > maxRF {
			return daos.Errorf(daos.ErrInval, "create pool %s: rd_fac %d needs more than %d fault domains", a.UUID, v, maxRF+1)
		}
	} else {
		t.r.Props["rd_fac"] = Prop{Num: defaultRdFac}
	}

	// Keep a copy: the caller's arguments must not alias the state.
	t.r.Created = &CreateArgs{}
	b, _ := json.Marshal(a)
	if err := json.Unmarshal(b, t.r.Created); err != nil {
		return daos.Errorf(daos.ErrInval, "create pool %s: %v", a.UUID, err)
	}
	t.r.UUID = a.UUID
	t.r.Owner, t.r.Group = owner, group
	t.r.ACL = acl.Strings()
	t.r.SvcRanks = slices.Sorted(slices.Values(a.SvcRanks))
	t.r.State = StateReady
	t.r.CTime = t.now
	t.pmap = pm
	return nil
}

// lookupPoolPropIn finds a property in a name → value map, by name or
// alias.
func lookupPoolPropIn(props map[string]string, name string) (string, bool) {
	for k, v := range props {
		if d, err := system.LookupPoolProp(k); err == nil && d.Name == name {
			return v, true
		}
	}
	return "", false
}

func (t *txn) setPoolProp(d *system.PoolPropDef, value string) error {
	w, err := d.Encode(value)
	if err != nil {
		return err
	}
	t.r.Props[d.Name] = Prop{Num: w.GetNumval(), Str: w.GetStrval()}
	return nil
}

func (t *txn) setProps0(props map[string]string, atCreate bool) error {
	for _, k := range sortedKeys(props) {
		d, err := system.LookupPoolProp(k)
		if err != nil {
			return err
		}
		if d.Access == system.PropCreateOnly && !atCreate {
			return daos.Errorf(daos.ErrInval, "pool property %s can only be set when the pool is created", d.Name)
		}
		if err := t.setPoolProp(d, props[k]); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) setProps(props map[string]string) error {
	if len(props) == 0 {
		return daos.Errorf(daos.ErrInval, "set pool properties: none given")
	}
	return t.setProps0(props, false)
}

func (t *txn) setOwner(owner, group string) error {
	if owner == "" && group == "" {
		return daos.Errorf(daos.ErrInval, "set owner: neither owner nor group given")
	}
	return changeOwner(owner, group, &t.r.Owner, &t.r.Group)
}

// changeOwner is the one owner and group change, of the pool or of a
// container: a new owner and/or group ("" keeps one), both names checked
// before either is set.
func changeOwner(owner, group string, curOwner, curGroup *string) error {
	if owner != "" {
		if err := checkPrincipal(owner, "owner"); err != nil {
			return err
		}
	}
	if group != "" {
		if err := checkPrincipal(group, "group"); err != nil {
			return err
		}
	}
	if owner != "" {
		*curOwner = owner
	}
	if group != "" {
		*curGroup = group
	}
	return nil
}

// accessFlags checks that exactly one of RO, RW and EX is asked for.
func accessFlags(f uint64, extra uint64) (uint64, error) {
	mode := f & (FlagRO | FlagRW | FlagEX)
	if f&^(FlagRO|FlagRW|FlagEX|extra) != 0 || (mode != FlagRO && mode != FlagRW && mode != FlagEX) {
		return 0, daos.Errorf(daos.ErrInval, "invalid open flags %#x: want one of RO, RW, EX", f)
	}
	return mode, nil
}

// needPerms is what the ACL must grant for an access mode: read for RO,
// read and write for RW and EX.
func needPerms(mode uint64) Perm {
	if mode == FlagRO {
		return PermRead
	}
	return PermRead | PermWrite
}

// poolPerms is what the pool ACL grants a credential; on a pool, w also
// allows creating and deleting containers.
func (t *txn) poolPerms(c Cred) Perm {
	acl, _ := ParseACL(t.r.ACL)
	p := acl.Perms(c, t.r.Owner, t.r.Group)
	if p&PermWrite != 0 {
		p |= PermCreateCont | PermDelCont
	}
	return p
}

// openCheck applies the rules pool connect and container open share: a
// retry of the same handle succeeds, another handle UUID clashes, EX
// excludes everyone else.
func openCheck(handles map[string]*Handle, uuid string, mode uint64, what string) (retry bool, err error) {
	if h, ok := handles[uuid]; ok {
		if h.Flags&(FlagRO|FlagRW|FlagEX) == mode {
			return true, nil
		}
		return false, daos.Errorf(daos.ErrExist, "%s handle %s already open with other flags", what, uuid)
	}
	if mode == FlagEX && len(handles) > 0 {
		return false, daos.Errorf(daos.ErrBusy, "%s has %d open handles: exclusive access refused", what, len(handles))
	}
	for _, h := range handles {
		if h.Flags&FlagEX != 0 {
			return false, daos.Errorf(daos.ErrBusy, "%s is open exclusively", what)
		}
	}
	return false, nil
}

func (t *txn) connect(c *Command) error {
	if t.r.State == StateDestroying {
		return daos.Errorf(daos.ErrBusy, "pool %s is being destroyed", t.r.UUID)
	}
	if err := checkUUID(c.Handle, "pool handle"); err != nil {
		return err
	}
	mode, err := accessFlags(c.Flags, 0)
	if err != nil {
		return err
	}
	if retry, err := openCheck(t.r.Handles, c.Handle, mode, "pool "+t.r.UUID); err != nil || retry {
		return err
	}
	if want := needPerms(mode); t.poolPerms(c.Cred)&want != want {
		return daos.Errorf(daos.ErrNoPerm, "pool %s: %s may not connect %s", t.r.UUID, c.Cred.User, modeName(mode))
	}
	h := &Handle{UUID: c.Handle, Flags: mode, Cred: c.Cred, Machine: c.Machine, Time: t.now}
	t.r.Handles[c.Handle] = h.clone()
	return nil
}

func modeName(mode uint64) string {
	switch mode {
	case FlagRO:
		return "read-only"
	case FlagRW:
		return "read-write"
	}
	return "exclusively"
}

// disconnect drops a pool handle and the container handles opened under
// it; an unknown handle is not an error, so retries are harmless.
func (t *txn) disconnect(h string) int {
	if _, ok := t.r.Handles[h]; !ok {
		return 0
	}
	delete(t.r.Handles, h)
	for _, ct := range t.r.Conts {
		for k, ch := range ct.Handles {
			if ch.PoolHandle == h {
				delete(ct.Handles, k)
			}
		}
	}
	return 1
}

// evict disconnects every handle, or those of one machine, and says how
// many.
func (t *txn) evict(machine string) int {
	n := 0
	for _, k := range sortedKeys(t.r.Handles) {
		if machine == "" || t.r.Handles[k].Machine == machine {
			n += t.disconnect(k)
		}
	}
	return n
}

func (t *txn) aclChange(c *Command) error {
	// Through a container handle the container's ACL changes (that needs
	// the A permission); otherwise the pool's (the admin's path).
	cur, allowed, what := t.r.ACL, PermPoolAll, "pool"
	var ct *contRec
	if c.Handle != "" {
		var err error
		if ct, err = t.contForChange(c.Handle, PermSetACL); err != nil {
			return err
		}
		cur, allowed, what = ct.ACL, PermContAll, "container"
	}
	acl, err := ParseACL(cur)
	if err != nil {
		return err
	}
	switch c.Op {
	case OpACLOverwrite:
		acl, err = ParseACL(c.ACL)
	case OpACLUpdate:
		var add ACL
		if add, err = ParseACL(c.ACL); err == nil {
			if len(add) == 0 {
				return daos.Errorf(daos.ErrInval, "update %s ACL: no entries given", what)
			}
			acl = acl.Update(add)
		}
	case OpACLDelete:
		acl, err = acl.Delete(c.Principal)
	}
	if err != nil {
		return err
	}
	if err := acl.Check(allowed, what); err != nil {
		return err
	}
	if ct != nil {
		ct.ACL = acl.Strings()
	} else {
		t.r.ACL = acl.Strings()
	}
	return nil
}

func (t *txn) mapUpdate(c *Command) error {
	if t.r.State == StateDestroying {
		return daos.Errorf(daos.ErrBusy, "pool %s is being destroyed", t.r.UUID)
	}
	pm := t.pmap
	if c.MapOp != MapRebuildDone && c.MapOp != MapExtend && len(c.Targets) == 0 {
		return daos.Errorf(daos.ErrInval, "pool map %s: no targets given", c.MapOp)
	}
	var err error
	switch c.MapOp {
	case MapExclude:
		err = pm.Exclude(c.Targets...)
	case MapDrain:
		err = pm.Drain(c.Targets...)
	case MapReintegrate:
		err = pm.Reintegrate(c.Targets...)
	case MapAddIn:
		err = pm.AddIn(c.Targets...)
	case MapExcludeOut:
		err = pm.ExcludeOut(c.Targets...)
	case MapRebuildDone:
		pm.RebuildDone()
	case MapExtend:
		// New ranks are added NEW and then extended to UP, as DAOS's
		// extend does; named existing NEW targets are extended too.
		refs := slices.Clone(c.Targets)
		for _, r := range c.NewRanks {
			refs = append(refs, placement.TargetRef{Rank: r.Rank, Index: placement.AllTargets})
		}
		if len(refs) == 0 {
			return daos.Errorf(daos.ErrInval, "pool map extend: no ranks given")
		}
		if err = pm.AddRanks(c.NewRanks); err == nil {
			err = pm.Extend(refs...)
		}
	default:
		return daos.Errorf(daos.ErrInval, "unknown pool map operation %q", c.MapOp)
	}
	if err != nil {
		return err
	}
	t.mapChanged(c.MapOp == MapReintegrate)
	return nil
}

// mapChanged updates what follows from the map: the service state and
// the containers' health (CONTROL.md 7.6: UNCLEAN once more fault domains
// failed than rd_fac allows; reintegration makes them HEALTHY again).
func (t *txn) mapChanged(reint bool) {
	ranks := t.pmap.Ranks()
	down := map[bool]map[string]bool{false: {}, true: {}}
	for _, r := range ranks {
		for _, s := range r.States {
			if s == placement.StateDown || s == placement.StateDownOut {
				down[false][domainOf(r, false)] = true
				down[true][domainOf(r, true)] = true
			}
		}
	}
	if t.r.State != StateDestroying {
		t.r.State = StateReady
		if len(down[false]) > 0 {
			t.r.State = StateTargetsExcluded
		}
	}
	for _, ct := range t.r.Conts {
		failed := uint64(len(down[ct.Props["rd_lvl"].Num == rdLvlRank]))
		switch {
		case failed > ct.Props["rd_fac"].Num:
			ct.Props["status"] = Prop{Num: statusUnclean}
		case reint:
			ct.Props["status"] = Prop{Num: statusHealthy}
		}
	}
}

func (t *txn) destroyBegin(force bool) error {
	if t.r.State == StateDestroying {
		return nil
	}
	if n := len(t.r.Handles); n > 0 && !force {
		return daos.Errorf(daos.ErrBusy, "pool %s has %d open handles", t.r.UUID, n)
	}
	t.evict("")
	t.r.State = StateDestroying
	return nil
}
