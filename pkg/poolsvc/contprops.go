package poolsvc

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/daos-go/daos/pkg/control/system"
	"github.com/daos-go/daos/pkg/daos"
	"github.com/daos-go/daos/pkg/placement"
)

// Container property numbers (DAOS_PROP_CO_*).
const (
	ContPropLabel          uint32 = 0x1001
	ContPropLayoutType     uint32 = 0x1002
	ContPropLayoutVer      uint32 = 0x1003
	ContPropCsum           uint32 = 0x1004
	ContPropCsumChunkSize  uint32 = 0x1005
	ContPropCsumSrvVerify  uint32 = 0x1006
	ContPropRedunFac       uint32 = 0x1007
	ContPropRedunLvl       uint32 = 0x1008
	ContPropSnapshotMax    uint32 = 0x1009
	ContPropACL            uint32 = 0x100a
	ContPropCompress       uint32 = 0x100b
	ContPropEncrypt        uint32 = 0x100c
	ContPropOwner          uint32 = 0x100d
	ContPropOwnerGroup     uint32 = 0x100e
	ContPropDedup          uint32 = 0x100f
	ContPropDedupThreshold uint32 = 0x1010
	ContPropRoots          uint32 = 0x1011
	ContPropStatus         uint32 = 0x1012
	ContPropAllocedOID     uint32 = 0x1013
	ContPropEcCellSz       uint32 = 0x1014
	ContPropEcPda          uint32 = 0x1015
	ContPropRpPda          uint32 = 0x1016
	ContPropGlobalVersion  uint32 = 0x1017
	ContPropScrubDisabled  uint32 = 0x1018
	ContPropObjVersion     uint32 = 0x1019
	ContPropPerfDomain     uint32 = 0x101a
)

// Container status values (DAOS_PROP_CO_HEALTHY/UNCLEAN) and redundancy
// levels (DAOS_PROP_CO_REDUN_RANK/NODE).
const (
	statusHealthy = 0
	statusUnclean = 1
	rdLvlRank     = 1
	rdLvlNode     = 2
)

// ContPropAccess says when a container property may be given.
type ContPropAccess int

// Access levels.
const (
	ContCreateOnly ContPropAccess = iota // at create
	ContSettable                         // at create and with set-prop
	ContReadOnly                         // reported only
)

// ContPropDef describes a container property as the daos tool names it
// (CONTROL.md 5.2). The DFS layout settings (oclass, dir_oclass,
// file_oclass, chunk_size) have no DAOS property number (0): DAOS keeps
// them in the POSIX superblock, we keep them with the container.
type ContPropDef struct {
	Name   string
	Number uint32
	Access ContPropAccess
	String bool
	values map[string]uint64
	parse  func(string) (uint64, error)
	// def gives the default, possibly inherited from the pool.
	def func(pool map[string]Prop) Prop
}

func fixed(p Prop) func(map[string]Prop) Prop { return func(map[string]Prop) Prop { return p } }

func inherit(name string) func(map[string]Prop) Prop {
	return func(pool map[string]Prop) Prop { return pool[name] }
}

func uintRange(lo, hi uint64) func(string) (uint64, error) {
	return func(s string) (uint64, error) {
		v, err := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("want a number from %d to %d", lo, hi)
		}
		return v, nil
	}
}

func sizeRange(lo, hi, mult uint64) func(string) (uint64, error) {
	return func(s string) (uint64, error) {
		v, err := system.ParseSize(s)
		if err != nil {
			return 0, err
		}
		if v < lo || v > hi || v%mult != 0 {
			return 0, fmt.Errorf("want a size from %d to %d bytes, a multiple of %d", lo, hi, mult)
		}
		return v, nil
	}
}

func oclassParse(s string) (uint64, error) {
	name := strings.ToUpper(strings.TrimSpace(s))
	if name == "AUTO" {
		return 0, nil // what get-prop prints for "the pool's default"
	}
	id := placement.Name2ID(name)
	if id == placement.OCUnknown {
		return 0, fmt.Errorf("unknown object class")
	}
	return uint64(id), nil
}

// Layout types (daos_cont_layout), by the names the daos tool prints.
var layoutTypes = map[string]uint64{"unknown": 0, "POSIX": 1, "HDF5": 2, "PYTHON": 3,
	"SPARK": 4, "DATABASE": 5, "ROOT": 6, "SEISMIC": 7, "METEO": 8}

var contProps = []*ContPropDef{
	{Name: "label", Number: ContPropLabel, Access: ContSettable, String: true,
		def: fixed(Prop{Str: "container_label_not_set"})},
	{Name: "layout_type", Number: ContPropLayoutType, Access: ContReadOnly, values: layoutTypes, def: fixed(Prop{})},
	{Name: "layout_version", Number: ContPropLayoutVer, Access: ContReadOnly, def: fixed(Prop{Num: 1})},
	// New containers sum their data with CRC-32 and have engines check
	// it, as DAOS's user documentation says (CONTROL.md decisions).
	{Name: "cksum", Number: ContPropCsum, Access: ContCreateOnly, def: fixed(Prop{Num: 2}),
		values: map[string]uint64{"off": 0, "crc16": 1, "crc32": 2, "crc64": 3, "sha1": 4, "sha256": 5, "sha512": 6, "adler32": 7}},
	{Name: "cksum_size", Number: ContPropCsumChunkSize, Access: ContCreateOnly, def: fixed(Prop{Num: 32 << 10}),
		parse: sizeRange(1, 1<<30, 1)},
	{Name: "srv_cksum", Number: ContPropCsumSrvVerify, Access: ContCreateOnly, def: fixed(Prop{Num: 1}),
		values: map[string]uint64{"off": 0, "on": 1}},
	{Name: "rd_fac", Number: ContPropRedunFac, Access: ContCreateOnly, def: inherit("rd_fac"), parse: uintRange(0, 4)},
	{Name: "rd_lvl", Number: ContPropRedunLvl, Access: ContCreateOnly, def: fixed(Prop{Num: rdLvlNode}),
		values: map[string]uint64{"rank": rdLvlRank, "node": rdLvlNode, "1": rdLvlRank, "2": rdLvlNode}},
	{Name: "max_snapshot", Number: ContPropSnapshotMax, Access: ContReadOnly, def: fixed(Prop{})},
	{Name: "compression", Number: ContPropCompress, Access: ContCreateOnly, def: fixed(Prop{}),
		values: map[string]uint64{"off": 0, "lz4": 1, "deflate": 2, "deflate1": 3, "deflate2": 4, "deflate3": 5, "deflate4": 6}},
	{Name: "encryption", Number: ContPropEncrypt, Access: ContCreateOnly, def: fixed(Prop{}),
		values: map[string]uint64{"off": 0, "aes-xts128": 1, "aes-xts256": 2, "aes-cbc128": 3, "aes-cbc192": 4,
			"aes-cbc256": 5, "aes-gcm128": 6, "aes-gcm256": 7}},
	{Name: "dedup", Number: ContPropDedup, Access: ContCreateOnly, def: fixed(Prop{}),
		values: map[string]uint64{"off": 0, "memcmp": 1, "hash": 2}},
	{Name: "dedup_threshold", Number: ContPropDedupThreshold, Access: ContCreateOnly, def: fixed(Prop{Num: 4 << 10}),
		parse: sizeRange(1, 1<<30, 1)},
	{Name: "status", Number: ContPropStatus, Access: ContSettable, def: fixed(Prop{Num: statusHealthy}),
		// Only HEALTHY may be set; UNCLEAN comes from failures.
		values: map[string]uint64{"healthy": statusHealthy}},
	{Name: "ec_cell_sz", Number: ContPropEcCellSz, Access: ContCreateOnly, def: inherit("ec_cell_sz"),
		parse: sizeRange(4<<10, 1<<20, 32)},
	{Name: "ec_pda", Number: ContPropEcPda, Access: ContCreateOnly, def: inherit("ec_pda"), parse: uintRange(0, 0xFFFFFFFF)},
	{Name: "rp_pda", Number: ContPropRpPda, Access: ContCreateOnly, def: inherit("rp_pda"), parse: uintRange(0, 0xFFFFFFFF)},
	{Name: "global_version", Number: ContPropGlobalVersion, Access: ContReadOnly, def: fixed(Prop{Num: GlobalVersion})},
	// alloced_oid is the highest object id allocated; given at create
	// (a copy of another container: mpifileutils), allocation goes on
	// above it. The value lives in the allocator, not among the props.
	{Name: "alloced_oid", Number: ContPropAllocedOID, Access: ContCreateOnly, def: fixed(Prop{}),
		parse: uintRange(0, math.MaxUint64-firstOID)},
	{Name: "scrub_disabled", Number: ContPropScrubDisabled, Access: ContReadOnly, def: fixed(Prop{})},
	{Name: "obj_version", Number: ContPropObjVersion, Access: ContReadOnly, def: fixed(Prop{Num: 1})},
	{Name: "perf_domain", Number: ContPropPerfDomain, Access: ContCreateOnly, def: inherit("perf_domain"),
		values: map[string]uint64{"group": 200, "root": 255}},
	{Name: "oclass", Access: ContCreateOnly, def: fixed(Prop{}), parse: oclassParse},
	{Name: "dir_oclass", Access: ContCreateOnly, def: fixed(Prop{}), parse: oclassParse},
	{Name: "file_oclass", Access: ContCreateOnly, def: fixed(Prop{}), parse: oclassParse},
	{Name: "chunk_size", Access: ContCreateOnly, def: fixed(Prop{Num: 1 << 20}), parse: sizeRange(1, 1<<40, 1)},
}

// Owner, group and ACL are container properties too, but they are held
// in their own fields and changed with their own permissions.
var contPropAliases = map[string]string{"rf": "rd_fac", "rf_lvl": "rd_lvl", "redun_lvl": "rd_lvl", "redun_fac": "rd_fac"}

// ContPropNames lists the container property names in catalogue order.
func ContPropNames() []string {
	out := make([]string, len(contProps))
	for i, d := range contProps {
		out[i] = d.Name
	}
	return out
}

// LookupContProp finds a container property by name or alias.
func LookupContProp(name string) (*ContPropDef, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if a, ok := contPropAliases[n]; ok {
		n = a
	}
	for _, d := range contProps {
		if d.Name == n {
			return d, nil
		}
	}
	return nil, daos.Errorf(daos.ErrInval, "unknown container property %q (known: %s)", name, strings.Join(ContPropNames(), ", "))
}

// LookupContPropNumber finds a container property by its DAOS_PROP_CO_*
// number, as C callers name properties.
func LookupContPropNumber(n uint32) (*ContPropDef, error) {
	for _, d := range contProps {
		if d.Number == n && n != 0 {
			return d, nil
		}
	}
	return nil, daos.Errorf(daos.ErrNotsupported, "container property number %#x is not supported", n)
}

// Parse checks a value for the property and gives what is stored.
func (d *ContPropDef) Parse(value string) (Prop, error) {
	v := strings.TrimSpace(value)
	switch {
	case d.Number == ContPropLabel:
		if err := system.CheckPoolLabel(v); err != nil {
			return Prop{}, err
		}
		return Prop{Str: v}, nil
	case d.values != nil:
		key := strings.ToLower(v)
		if d.Number == ContPropLayoutType {
			key = strings.ToUpper(v)
			if key == "UNKNOWN" {
				key = "unknown"
			}
		}
		n, ok := d.values[key]
		if !ok {
			return Prop{}, daos.Errorf(daos.ErrInval, "container property %s: invalid value %q (want %s)",
				d.Name, value, strings.Join(d.valueNames(), "|"))
		}
		return Prop{Num: n}, nil
	case d.parse != nil:
		n, err := d.parse(v)
		if err != nil {
			return Prop{}, daos.Errorf(daos.ErrInval, "container property %s: invalid value %q: %v", d.Name, value, err)
		}
		return Prop{Num: n}, nil
	}
	return Prop{}, daos.Errorf(daos.ErrInval, "container property %s cannot be set", d.Name)
}

func (d *ContPropDef) valueNames() []string {
	out := make([]string, 0, len(d.values))
	for k := range d.values {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b string) int {
		if d.values[a] != d.values[b] {
			return int(d.values[a]) - int(d.values[b])
		}
		return strings.Compare(a, b)
	})
	return out
}

// Format prints a stored value as the daos tool shows it.
func (d *ContPropDef) Format(p Prop) string {
	switch {
	case d.String:
		return p.Str
	case d.Number == ContPropStatus:
		if p.Num == statusUnclean {
			return "UNCLEAN"
		}
		return "HEALTHY"
	case d.Number == ContPropRedunLvl:
		if p.Num == rdLvlRank {
			return "rank"
		}
		return "node"
	case d.values != nil:
		names := d.valueNames()
		for _, k := range names {
			if d.values[k] == p.Num {
				return k
			}
		}
		return fmt.Sprintf("unknown (%d)", p.Num)
	case d.Name == "oclass" || d.Name == "dir_oclass" || d.Name == "file_oclass":
		if p.Num == 0 {
			return "auto"
		}
		if n, ok := placement.ID2Name(placement.ClassID(p.Num)); ok {
			return n
		}
		return fmt.Sprintf("unknown (%d)", p.Num)
	}
	return strconv.FormatUint(p.Num, 10)
}
