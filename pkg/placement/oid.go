package placement

import (
	"github.com/daos-go/daos/pkg/daos"
)

// OType is the object type (enum daos_otype_t) held in oid.hi bits 56-63,
// the byte pkg/vos reads to order dkeys.
type OType uint8

// Object types, numbered as DAOS numbers them.
const (
	OTMultiHashed  OType = 0
	OTOIT          OType = 1
	OTDkeyUint64   OType = 2
	OTAkeyUint64   OType = 3
	OTMultiUint64  OType = 4
	OTDkeyLexical  OType = 5
	OTAkeyLexical  OType = 6
	OTMultiLexical OType = 7
	OTKVHashed     OType = 8
	OTKVUint64     OType = 9
	OTKVLexical    OType = 10
	OTArray        OType = 11
	OTArrayAttr    OType = 12
	OTArrayByte    OType = 13
	OTOITV2        OType = 14
	OTMax                = OTOITV2 // DAOS_OT_MAX
)

// oid.hi field layout (daos_obj.h).
const (
	oidTypeShift  = 56
	oidRedunShift = 48
	oidGroupShift = 32
	oidUserMask   = 0xFFFFFFFF // hi bits 0-31 belong to the caller
)

// OIDType is daos_obj_id2type.
func OIDType(oid daos.ObjectID) OType { return OType(oid.Hi >> oidTypeShift) }

// OIDRedun is the redundancy byte (ord) of oid.hi.
func OIDRedun(oid daos.ObjectID) Redun { return Redun(oid.Hi >> oidRedunShift) }

// OIDGroups is daos_obj_id2grp_nr: the resolved group count.
func OIDGroups(oid daos.ObjectID) uint32 { return uint32(oid.Hi>>oidGroupShift) & 0xFFFF }

// OIDClass is daos_obj_id2class: (ord << 24) | groups, the resolved class
// (SX generated on 8 targets reads back as S8).
func OIDClass(oid daos.ObjectID) ClassID {
	return ClassID(OIDRedun(oid))<<RedunShift | ClassID(OIDGroups(oid))
}

// IsNil is daos_obj_id_is_nil.
func IsNil(oid daos.ObjectID) bool { return oid.Hi == 0 && oid.Lo == 0 }

// DkeyIsUint64 reports the types whose dkeys are 64-bit integers (the set
// pkg/vos orders numerically); GroupOfDkey uses the integer itself.
func (t OType) DkeyIsUint64() bool {
	switch t {
	case OTDkeyUint64, OTMultiUint64, OTKVUint64, OTArray, OTArrayAttr, OTArrayByte:
		return true
	}
	return false
}

// AkeyIsUint64 reports the types whose akeys are 64-bit integers
// (daos_is_akey_uint64).
func (t OType) AkeyIsUint64() bool { return t == OTAkeyUint64 || t == OTMultiUint64 }

// IsArray reports the array types (daos_is_array).
func (t OType) IsArray() bool { return t == OTArray || t == OTArrayByte }

// IsKV reports the flat KV types (daos_is_kv).
func (t OType) IsKV() bool { return t == OTKVHashed || t == OTKVUint64 || t == OTKVLexical }

// Hints are daos_oclass_hints_t (DAOS_OCH_*): redundancy and sharding
// preferences for the default class.
type Hints uint16

// Hint bits.
const (
	HintRddDef Hints = 1 << 0 // redundancy from the container (default)
	HintRddNo  Hints = 1 << 1 // no redundancy
	HintRddRP  Hints = 1 << 2 // replication
	HintRddEC  Hints = 1 << 3 // erasure coding
	HintShdDef Hints = 1 << 4 // default sharding
	HintShdTny Hints = 1 << 5 // tiny: one group
	HintShdReg Hints = 1 << 6 // regular
	HintShdHi  Hints = 1 << 7 // high
	HintShdExt Hints = 1 << 8 // extreme
	HintShdMax Hints = 1 << 9 // as many groups as fit

	hintRddMask = HintRddDef | HintRddNo | HintRddRP | HintRddEC
	hintShdMask = HintShdDef | HintShdTny | HintShdReg | HintShdHi | HintShdExt | HintShdMax
)

// PoolShape is what GenerateOID needs to know of the pool and container:
// DAOS reads it from the container handle; here the caller passes it (see
// PoolMap.Shape).
type PoolShape struct {
	// Targets is the number of targets in the pool (not DOWNOUT, not NEW).
	// 0 means unknown: fixed classes are then not checked, and "X" and
	// the default class cannot be resolved.
	Targets int
	// Domains is the number of fault domains holding those targets.
	Domains int
	// RdFac is the container's redundancy factor (rd_fac, 0-4).
	RdFac int
}

// GenerateOID is daos_obj_generate_oid: it keeps oid.lo and oid.hi bits
// 0-31 and sets type, redundancy and the resolved group count. cid 0 picks
// the container's default class (DefaultClass).
func GenerateOID(oid daos.ObjectID, t OType, cid ClassID, hints Hints, ps PoolShape) (daos.ObjectID, error) {
	if t > OTMax {
		return oid, daos.Errorf(daos.ErrInval, "generate oid: object type %d > %d", t, OTMax)
	}
	if ps.Targets < 0 || ps.Domains < 0 || ps.RdFac < 0 || ps.RdFac > 4 {
		return oid, daos.Errorf(daos.ErrInval, "generate oid: bad pool shape %+v", ps)
	}
	var ord Redun
	var grp uint16
	if cid == OCUnknown {
		// The default class comes already resolved for this pool.
		dc, err := DefaultClass(t, hints, ps)
		if err != nil {
			return oid, err
		}
		ord, grp = dc.Redun(), dc.Groups()
	} else {
		var err error
		if ord, grp, err = resolveClass(cid, ps); err != nil {
			return oid, err
		}
	}
	hi := oid.Hi&oidUserMask | uint64(t)<<oidTypeShift | uint64(ord)<<oidRedunShift | uint64(grp)<<oidGroupShift
	return daos.ObjectID{Hi: hi, Lo: oid.Lo}, nil
}

// resolveClass gives the ord byte and group count an oid carries for cid.
func resolveClass(cid ClassID, ps PoolShape) (Redun, uint16, error) {
	attr, ok := LookupClass(cid)
	if !ok {
		return 0, 0, daos.Errorf(daos.ErrInval, "generate oid: unknown object class 0x%x", uint32(cid))
	}
	size := attr.GroupSize()
	if size == 0 { // RP_XSF: one replica per domain
		size = max(ps.Domains, 1)
	}
	if cid.IsLegacy() {
		// DAOS encodes legacy ids as ord 0 with the id in the group field.
		if ps.Targets > 0 && (size > ps.Domains || size > ps.Targets) {
			return 0, 0, daos.Errorf(daos.ErrInval, "generate oid: class %s needs %d fault domains, pool has %d", cid, size, ps.Domains)
		}
		return 0, uint16(cid), nil
	}
	grp := int(cid.Groups())
	if ps.Targets == 0 {
		if grp == GroupsX {
			return 0, 0, daos.Errorf(daos.ErrInval, "generate oid: class %s needs the pool size", cid)
		}
		return cid.Redun(), uint16(grp), nil
	}
	if size > ps.Domains {
		return 0, 0, daos.Errorf(daos.ErrInval, "generate oid: class %s group of %d needs %d fault domains, pool has %d", cid, size, size, ps.Domains)
	}
	if grp == GroupsX {
		grp = maxGroups(size, ps)
	}
	if grp*size > ps.Targets {
		return 0, 0, daos.Errorf(daos.ErrInval, "generate oid: class %s needs %d targets, pool has %d", cid, grp*size, ps.Targets)
	}
	return cid.Redun(), uint16(grp), nil
}

// maxGroups resolves "X": all targets divided into groups, less a reserve
// so that rebuild has somewhere to put the shards of failed domains. The
// reserve is 0 for unprotected containers on small pools (DAOS's rule); with
// a redundancy factor it is the groups rd_fac domains' worth of targets
// would hold, and at least one group once the pool has 16 domains.
func maxGroups(size int, ps PoolShape) int {
	n := ps.Targets / size
	reserve := 0
	if ps.RdFac > 0 || ps.Domains >= 16 {
		perDomain := (ps.Targets + ps.Domains - 1) / max(ps.Domains, 1)
		reserve = max(1, (ps.RdFac*perDomain+size-1)/size)
	}
	return min(max(1, n-reserve), MaxGroups-1)
}

// DefaultClass picks the class for cid 0 (OC_UNKNOWN) from the container's
// redundancy factor, the object type and the hints. Its group count is
// already resolved for the pool, so the id need not be in the table.
//   - redundancy: rd_fac 0 -> no protection; rd_fac r > 0 -> r+1 replicas,
//     or for array types (or HintRddEC) EC with r parity cells and the
//     widest data count in {16, 8, 4, 2} whose group fits the fault domains
//     (falling back to replication when none fits or r > 3).
//   - sharding: one group for plain objects and HintShdTny; as many as fit
//     for arrays, KVs and HintShdMax; HintShdReg/Hi/Ext take at least 128/
//     256/1024 groups or 25/50/80% of the maximum, whichever is larger.
//
// The exact thresholds are ours; DAOS documents only the direction.
func DefaultClass(t OType, hints Hints, ps PoolShape) (ClassID, error) {
	if hints&^(hintRddMask|hintShdMask) != 0 || popcount(uint16(hints&hintRddMask)) > 1 || popcount(uint16(hints&hintShdMask)) > 1 {
		return 0, daos.Errorf(daos.ErrInval, "default class: bad hints 0x%x", uint16(hints))
	}
	if ps.Targets <= 0 || ps.Domains <= 0 {
		return 0, daos.Errorf(daos.ErrInval, "default class: pool size unknown")
	}
	rf := ps.RdFac
	var ord Redun
	switch {
	case hints&HintRddNo != 0:
		if rf > 0 {
			return 0, daos.Errorf(daos.ErrInval, "default class: no redundancy asked of an rd_fac %d container", rf)
		}
		ord = RP1
	case rf == 0:
		ord = RP1
	default:
		useEC := t.IsArray() || hints&HintRddEC != 0
		if hints&HintRddRP != 0 {
			useEC = false
		}
		if useEC {
			ord = ecFor(rf, ps.Domains)
		}
		if ord == 0 {
			ord = []Redun{RP2, RP3, RP4, RP5}[rf-1]
		}
	}
	attr, _ := redunAttr(ord)
	size := attr.GroupSize()
	if size > ps.Domains {
		return 0, daos.Errorf(daos.ErrInval, "default class: rd_fac %d needs %d fault domains, pool has %d", rf, size, ps.Domains)
	}
	most := maxGroups(size, ps)
	grp := 1
	switch {
	case hints&HintShdTny != 0:
		grp = 1
	case hints&HintShdReg != 0:
		grp = max(128, most/4)
	case hints&HintShdHi != 0:
		grp = max(256, most/2)
	case hints&HintShdExt != 0:
		grp = max(1024, most*4/5)
	case hints&HintShdMax != 0, t.IsArray() || t.IsKV():
		grp = most
	}
	grp = max(1, min(grp, most))
	return ClassDef(ord, uint16(grp)), nil
}

// ecFor gives the EC redundancy with rf parity cells and the widest data
// count that fits the domains, or 0.
func ecFor(rf, domains int) Redun {
	byP := map[int][]Redun{1: {RS16P1, RS8P1, RS4P1, RS2P1}, 2: {RS16P2, RS8P2, RS4P2, RS2P2}, 3: {RS16P3, RS8P3, RS4P3}}
	for _, r := range byP[rf] {
		a, _ := redunAttr(r)
		if a.GroupSize() <= domains {
			return r
		}
	}
	return 0
}

func popcount(v uint16) int {
	n := 0
	for ; v != 0; v &= v - 1 {
		n++
	}
	return n
}
