package placement

import (
	"fmt"
	"sort"
)

// ClassID is an object class id (daos_oclass_id_t): the redundancy in bits
// 24-31 and the group count in bits 0-15, or a legacy id below 2^24.
type ClassID uint32

// Redun is the data redundancy method (enum daos_obj_redun), the byte that
// an object id carries in oid.hi bits 48-55.
type Redun uint8

// Class id encoding facts from daos_obj_class.h.
const (
	RedunShift      = 24     // OC_REDUN_SHIFT
	MaxGroups       = 0xFFFF // MAX_NUM_GROUPS; as a class's group count it means "X"
	GroupsX         = MaxGroups
	MaxClassNameLen = 24 // MAX_OBJ_CLASS_NAME_LEN

	// OCUnknown is OC_UNKNOWN: "no class", and what Name2ID returns for
	// an unknown name.
	OCUnknown ClassID = 0
	// OCReserved and above are reserved ids (OC_RESERVED).
	OCReserved ClassID = 1 << 30
)

// Redundancy methods, numbered as enum daos_obj_redun numbers them.
const (
	RedunUnknown Redun = 0
	RP1          Redun = 1 // OR_RP_1: no protection
	RP2          Redun = 8
	RP3          Redun = 9
	RP4          Redun = 10
	RP5          Redun = 11
	RP6          Redun = 12
	RP8          Redun = 13
	RP12         Redun = 14
	RP16         Redun = 15
	RP24         Redun = 16
	RP32         Redun = 17
	RP48         Redun = 18
	RP64         Redun = 19
	RP128        Redun = 20
	RS2P1        Redun = 32
	RS2P2        Redun = 33
	RS4P1        Redun = 34
	RS4P2        Redun = 35
	RS8P1        Redun = 36
	RS8P2        Redun = 37
	RS16P1       Redun = 38
	RS16P2       Redun = 39
	RS4P3        Redun = 40
	RS8P3        Redun = 41
	RS16P3       Redun = 42
)

// Legacy class ids below 2^24 (same enum). Only RP_XSF and the internal
// echo/specified-rank classes have table names; the others are known ids
// without a name, which GenerateOID refuses like any unknown class.
const (
	OCBackCompat ClassID = 50
	OCTiny       ClassID = 51
	OCSmall      ClassID = 52
	OCLarge      ClassID = 53
	OCMax        ClassID = 54
	OCRPTiny     ClassID = 60
	OCRPSmall    ClassID = 61
	OCRPLarge    ClassID = 62
	OCRPMax      ClassID = 63
	OCRPSFTiny   ClassID = 70
	OCRPSFSmall  ClassID = 71
	OCRPSFLarge  ClassID = 72
	OCRPSFMax    ClassID = 73
	OCRPXSF      ClassID = 80
	OCECTiny     ClassID = 100
	OCECSmall    ClassID = 101
	OCECLarge    ClassID = 102
	OCECMax      ClassID = 103

	// Internal classes of DAOS's test suites (DAOS_OC_ECHO_R{1..4}S_RW and
	// DAOS_OC_R{1..3}S_SPEC_RANK in the older id enum).
	OCEcho1 ClassID = 14
	OCEcho2 ClassID = 15
	OCEcho3 ClassID = 16
	OCEcho4 ClassID = 17
	OCSR1   ClassID = 18
	OCSR2   ClassID = 19
	OCSR3   ClassID = 20
)

// ClassDef builds a class id from a redundancy and a group count
// (OBJ_CLASS_DEF).
func ClassDef(r Redun, groups uint16) ClassID {
	return ClassID(r)<<RedunShift | ClassID(groups)
}

// Redun is the redundancy byte of a non-legacy id (0 for legacy ids).
func (c ClassID) Redun() Redun { return Redun(c >> RedunShift) }

// Groups is the group count field of a non-legacy id; GroupsX means "as
// many as the pool allows".
func (c ClassID) Groups() uint16 { return uint16(c & 0xFFFF) }

// IsLegacy reports an id from the old flat enum (below 2^24).
func (c ClassID) IsLegacy() bool { return c != 0 && c < 1<<RedunShift }

// String is the table name, or for a resolved id outside the table (an X
// class after GenerateOID) the name its shape would have, e.g. "EC_2P1G10";
// else the id in hex. ID2Name is the strict lookup.
func (c ClassID) String() string {
	if n, ok := classByID[c]; ok {
		return n.name
	}
	if a, ok := ResolvedClassAttr(c); ok && !c.IsLegacy() {
		switch {
		case a.Resil == ResilEC:
			return fmt.Sprintf("EC_%dP%dG%d", a.ECData, a.ECParity, a.GroupNr)
		case a.Replicas == 1:
			return fmt.Sprintf("S%d", a.GroupNr)
		default:
			return fmt.Sprintf("RP_%dG%d", a.Replicas, a.GroupNr)
		}
	}
	return fmt.Sprintf("0x%08x", uint32(c))
}

// Schema is enum daos_obj_schema (reserved in DAOS: no placement code
// reads it, so neither does ours).
type Schema uint32

// Schemas.
const (
	SchemaSingle     Schema = 0
	SchemaStriped    Schema = 1
	SchemaDynStriped Schema = 2
	SchemaDynChunked Schema = 3
)

// Resil is enum daos_obj_resil.
type Resil uint32

// Resilience methods.
const (
	ResilEC   Resil = 0
	ResilRepl Resil = 1
)

// DefaultECCellSize is the EC cell length a class reports before the pool or
// container ec_cell_sz property overrides it (CONTROL.md: 128 KiB).
const DefaultECCellSize = 128 << 10

// ClassAttr is struct daos_oclass_attr, flattened: Replicas is meaningful
// for ResilRepl, ECData/ECParity/ECCell for ResilEC.
type ClassAttr struct {
	Schema      Schema
	Resil       Resil
	ResilDegree uint32 // failures tolerated within a group
	// GroupNr is the class's group count; GroupsX = as many as the pool
	// allows (resolved into the object id by GenerateOID).
	GroupNr  uint32
	Replicas uint32 // r_num; 0 for RP_XSF = one per fault domain
	ECData   uint16 // e_k
	ECParity uint16 // e_p
	ECCell   uint32 // e_len
	// Private marks internal test classes.
	Private bool
}

// GroupSize is the number of shards in one redundancy group: replicas or
// data+parity cells. 0 for RP_XSF, whose size depends on the pool.
func (a ClassAttr) GroupSize() int {
	if a.Resil == ResilEC {
		return int(a.ECData) + int(a.ECParity)
	}
	return int(a.Replicas)
}

type classEntry struct {
	name string
	id   ClassID
	attr ClassAttr
}

var (
	classTable []classEntry // in the order DAOS lists them
	classByID  = map[ClassID]*classEntry{}
	classByNm  = map[string]*classEntry{}
)

// redunAttr gives the shape a redundancy byte implies; ok is false for
// bytes the enum does not define.
func redunAttr(r Redun) (a ClassAttr, ok bool) {
	switch {
	case r == RP1:
		return ClassAttr{Resil: ResilRepl, Replicas: 1}, true
	case r >= RP2 && r <= RP128:
		n := []uint32{2, 3, 4, 5, 6, 8, 12, 16, 24, 32, 48, 64, 128}[r-RP2]
		return ClassAttr{Resil: ResilRepl, Replicas: n, ResilDegree: n - 1}, true
	case r >= RS2P1 && r <= RS16P3:
		kp := [][2]uint16{{2, 1}, {2, 2}, {4, 1}, {4, 2}, {8, 1}, {8, 2}, {16, 1}, {16, 2}, {4, 3}, {8, 3}, {16, 3}}[r-RS2P1]
		return ClassAttr{Resil: ResilEC, ECData: kp[0], ECParity: kp[1], ECCell: DefaultECCellSize,
			ResilDegree: uint32(kp[1])}, true
	}
	return ClassAttr{}, false
}

// attrFor fills in the group count and schema for a redundancy shape.
func attrFor(r Redun, groups uint32) ClassAttr {
	a, _ := redunAttr(r)
	a.GroupNr = groups
	// DAOS marks the smallest layouts single-stripe; the field is
	// informational only.
	if groups <= 2 {
		a.Schema = SchemaSingle
	} else {
		a.Schema = SchemaStriped
	}
	return a
}

func addClass(name string, id ClassID, attr ClassAttr) {
	classTable = append(classTable, classEntry{name: name, id: id, attr: attr})
}

func init() {
	gname := func(g uint16) string {
		if g == GroupsX {
			return "X"
		}
		return fmt.Sprint(g)
	}
	for _, g := range []uint16{1, 2, 4, 6, 8, 12, 16, 32, GroupsX} {
		addClass("S"+gname(g), ClassDef(RP1, g), attrFor(RP1, uint32(g)))
	}
	rpGroups := []uint16{1, 2, 4, 6, 8, 12, 16, 32, GroupsX}
	for _, nr := range []struct {
		n int
		r Redun
	}{{2, RP2}, {3, RP3}, {4, RP4}, {5, RP5}, {6, RP6}} {
		for _, g := range rpGroups {
			addClass(fmt.Sprintf("RP_%dG%s", nr.n, gname(g)), ClassDef(nr.r, g), attrFor(nr.r, uint32(g)))
		}
	}
	for _, nr := range []struct {
		n int
		r Redun
	}{{12, RP12}, {16, RP16}, {24, RP24}, {32, RP32}, {48, RP48}, {64, RP64}, {128, RP128}} {
		addClass(fmt.Sprintf("RP_%dG1", nr.n), ClassDef(nr.r, 1), attrFor(nr.r, 1))
	}
	xsf := attrFor(RP1, 1)
	xsf.Replicas = 0 // one replica per fault domain, resolved against the pool
	addClass("RP_XSF", OCRPXSF, xsf)
	// The EC G6 ids exist in the enum but DAOS's name table leaves them out.
	ecGroups := []uint16{1, 2, 4, 8, 12, 16, 32, GroupsX}
	for _, r := range []Redun{RS2P1, RS2P2, RS4P1, RS4P2, RS4P3, RS8P1, RS8P2, RS8P3, RS16P1, RS16P2, RS16P3} {
		a, _ := redunAttr(r)
		for _, g := range ecGroups {
			addClass(fmt.Sprintf("EC_%dP%dG%s", a.ECData, a.ECParity, gname(g)), ClassDef(r, g), attrFor(r, uint32(g)))
		}
	}
	for i, id := range []ClassID{OCEcho1, OCEcho2, OCEcho3, OCEcho4} {
		a := attrFor(RP1, 1)
		a.Replicas, a.ResilDegree, a.Private = uint32(i+1), uint32(i), true
		addClass(fmt.Sprintf("RP_%dG1_ECHO", i+1), id, a)
	}
	for i, id := range []ClassID{OCSR1, OCSR2, OCSR3} {
		a := attrFor(RP1, 1)
		a.Replicas, a.ResilDegree, a.Private = uint32(i+1), uint32(i), true
		addClass(fmt.Sprintf("RP_%dG1_SR", i+1), id, a)
	}
	for i := range classTable {
		e := &classTable[i]
		classByID[e.id] = e
		classByNm[e.name] = e
	}
}

// Name2ID is daos_oclass_name2id: an exact, case-sensitive match against
// the built-in table, else OCUnknown (also for names over 24 characters).
func Name2ID(name string) ClassID {
	if len(name) > MaxClassNameLen {
		return OCUnknown
	}
	if e, ok := classByNm[name]; ok {
		return e.id
	}
	return OCUnknown
}

// ID2Name is daos_oclass_id2name: the table name, or "UNKNOWN" and false.
func ID2Name(id ClassID) (string, bool) {
	if e, ok := classByID[id]; ok {
		return e.name, true
	}
	return "UNKNOWN", false
}

// ClassNames lists the table's names in DAOS's order (for `daos` CLI help
// and daos_oclass_names_list).
func ClassNames() []string {
	out := make([]string, 0, len(classTable))
	for _, e := range classTable {
		out = append(out, e.name)
	}
	return out
}

// ClassIDs lists the table's ids in ascending order.
func ClassIDs() []ClassID {
	out := make([]ClassID, 0, len(classTable))
	for _, e := range classTable {
		out = append(out, e.id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// LookupClass gives the attributes of a class in the table.
func LookupClass(id ClassID) (ClassAttr, bool) {
	if e, ok := classByID[id]; ok {
		return e.attr, true
	}
	return ClassAttr{}, false
}

// ResolvedClassAttr gives the attributes for a class id as an object id
// carries it (daos_obj_id2class): the group count may be any number an "X"
// class resolved to (SX on 7 targets reads back as 0x01000007, not in the
// table), so for non-legacy ids the shape comes from the redundancy byte.
func ResolvedClassAttr(id ClassID) (ClassAttr, bool) {
	if id.IsLegacy() {
		return LookupClass(id)
	}
	if id.Groups() == 0 {
		return ClassAttr{}, false
	}
	if _, ok := redunAttr(id.Redun()); !ok {
		return ClassAttr{}, false
	}
	return attrFor(id.Redun(), uint32(id.Groups())), true
}
