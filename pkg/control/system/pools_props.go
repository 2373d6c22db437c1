package system

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/daos-go/daos/pkg/control/mgmtpb"
	"github.com/daos-go/daos/pkg/daos"
)

// Pool property numbers (DAOS_PROP_PO_*). They travel in
// mgmt.PoolProperty and are what the pool service stores, so they are
// DAOS's numbers; 10 was the media selection policy, which DAOS dropped.
const (
	PoolPropLabel            uint32 = 1
	PoolPropACL              uint32 = 2
	PoolPropSpaceRb          uint32 = 3
	PoolPropSelfHeal         uint32 = 4
	PoolPropReclaim          uint32 = 5
	PoolPropOwner            uint32 = 6
	PoolPropOwnerGroup       uint32 = 7
	PoolPropSvcList          uint32 = 8
	PoolPropEcCellSz         uint32 = 9
	PoolPropRedunFac         uint32 = 11
	PoolPropEcPda            uint32 = 12
	PoolPropRpPda            uint32 = 13
	PoolPropGlobalVersion    uint32 = 14
	PoolPropUpgradeStatus    uint32 = 15
	PoolPropScrubMode        uint32 = 16
	PoolPropScrubFreq        uint32 = 17
	PoolPropScrubThresh      uint32 = 18
	PoolPropSvcRedunFac      uint32 = 19
	PoolPropObjVersion       uint32 = 20
	PoolPropPerfDomain       uint32 = 21
	PoolPropCheckpointMode   uint32 = 22
	PoolPropCheckpointFreq   uint32 = 23
	PoolPropCheckpointThresh uint32 = 24
	PoolPropReintMode        uint32 = 25
	PoolPropSvcOpsEnabled    uint32 = 26
	PoolPropSvcOpsEntryAge   uint32 = 27
	PoolPropDataThresh       uint32 = 28
)

// PoolPropAccess says when a property may be given.
type PoolPropAccess int

// Property access levels.
const (
	PropMutable    PoolPropAccess = iota // at create and with set-prop
	PropCreateOnly                       // only at create
	PropReadOnly                         // reported, never set
)

// PoolPropDef describes one pool property as dmg names it (CONTROL.md 5.1).
type PoolPropDef struct {
	Name    string
	Number  uint32
	Access  PoolPropAccess
	Default string
	Help    string
	// String properties travel as strval; the others as numval.
	String bool
	// values maps accepted words to numbers (enumerated properties).
	values map[string]uint64
	// parse reads a numeric value when values is nil.
	parse func(string) (uint64, error)
}

// names of enumerated values, in the order printed.
func (d *PoolPropDef) valueNames() []string {
	out := make([]string, 0, len(d.values))
	for k := range d.values {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return d.values[out[i]] < d.values[out[j]] })
	return out
}

// Self-heal bits.
const (
	selfHealExclude      = 1 << 0
	selfHealRebuild      = 1 << 1
	selfHealDelayRebuild = 1 << 2
)

func rangeParser(lo, hi uint64, unit string) func(string) (uint64, error) {
	return func(s string) (uint64, error) {
		s = strings.TrimSuffix(s, unit)
		v, err := strconv.ParseUint(strings.TrimSpace(s), 0, 64)
		if err != nil || v < lo || v > hi {
			return 0, fmt.Errorf("want a number from %d to %d", lo, hi)
		}
		return v, nil
	}
}

func sizeParser(lo, hi, mult uint64) func(string) (uint64, error) {
	return func(s string) (uint64, error) {
		v, err := ParseSize(s)
		if err != nil {
			return 0, err
		}
		if v < lo || v > hi || (mult > 1 && v%mult != 0) {
			msg := fmt.Sprintf("want a size from %d to %d bytes", lo, hi)
			if mult > 1 {
				msg += fmt.Sprintf(", a multiple of %d", mult)
			}
			return 0, fmt.Errorf("%s", msg)
		}
		return v, nil
	}
}

var poolProps = []*PoolPropDef{
	{Name: "label", Number: PoolPropLabel, Access: PropMutable, String: true, Default: "pool_label_not_set", Help: "pool label"},
	{Name: "reclaim", Number: PoolPropReclaim, Access: PropMutable, Default: "lazy", Help: "space reclaim strategy",
		values: map[string]uint64{"disabled": 0, "lazy": 1, "time": 4}},
	{Name: "self_heal", Number: PoolPropSelfHeal, Access: PropMutable, Default: "exclude;rebuild", Help: "self-healing policy",
		values: map[string]uint64{"none": 0, "exclude": selfHealExclude, "rebuild": selfHealRebuild,
			"delay_rebuild": selfHealDelayRebuild, "exclude;rebuild": selfHealExclude | selfHealRebuild,
			"exclude;delay_rebuild": selfHealExclude | selfHealDelayRebuild}},
	{Name: "space_rb", Number: PoolPropSpaceRb, Access: PropMutable, Default: "5%", Help: "space reserved on each target for rebuild (percent)",
		parse: rangeParser(0, 100, "%")},
	{Name: "ec_cell_sz", Number: PoolPropEcCellSz, Access: PropMutable, Default: "128 KiB", Help: "default EC cell size",
		parse: sizeParser(4<<10, 1<<20, 32)},
	{Name: "rd_fac", Number: PoolPropRedunFac, Access: PropMutable, Default: "3", Help: "redundancy factor (0-4)",
		parse: rangeParser(0, 4, "")},
	{Name: "ec_pda", Number: PoolPropEcPda, Access: PropCreateOnly, Default: "1", Help: "performance domain affinity of EC objects",
		parse: rangeParser(0, 0xFFFFFFFF, "")},
	{Name: "rp_pda", Number: PoolPropRpPda, Access: PropCreateOnly, Default: "4294967295", Help: "performance domain affinity of replicated objects",
		parse: rangeParser(0, 0xFFFFFFFF, "")},
	{Name: "perf_domain", Number: PoolPropPerfDomain, Access: PropCreateOnly, Default: "root", Help: "performance domain level",
		values: map[string]uint64{"group": 200, "root": 255}},
	{Name: "data_thresh", Number: PoolPropDataThresh, Access: PropMutable, Default: "4 KiB", Help: "data threshold for the bulk tier",
		parse: sizeParser(0, 1<<62, 1)},
	{Name: "global_version", Number: PoolPropGlobalVersion, Access: PropReadOnly, Help: "pool layout version"},
	{Name: "upgrade_status", Number: PoolPropUpgradeStatus, Access: PropReadOnly, Default: "not started", Help: "layout upgrade status",
		values: map[string]uint64{"not started": 0, "in progress": 1, "completed": 2, "failed": 3}},
	{Name: "scrub", Number: PoolPropScrubMode, Access: PropMutable, Default: "off", Help: "checksum scrubbing mode",
		values: map[string]uint64{"off": 0, "lazy": 1, "timed": 2}},
	{Name: "scrub_freq", Number: PoolPropScrubFreq, Access: PropMutable, Default: "604800", Help: "scrubbing period in seconds",
		parse: rangeParser(0, 1<<63, "")},
	{Name: "scrub_thresh", Number: PoolPropScrubThresh, Access: PropMutable, Default: "0", Help: "checksum errors before a target is evicted",
		parse: rangeParser(0, 1<<63, "")},
	{Name: "svc_rf", Number: PoolPropSvcRedunFac, Access: PropCreateOnly, Default: "2", Help: "pool service redundancy factor (replicas = 2*svc_rf+1)",
		parse: rangeParser(0, 4, "")},
	{Name: "svc_list", Number: PoolPropSvcList, Access: PropReadOnly, Help: "pool service replica ranks"},
	{Name: "checkpoint", Number: PoolPropCheckpointMode, Access: PropMutable, Default: "timed", Help: "metadata checkpoint mode (MD-on-SSD)",
		values: map[string]uint64{"disabled": 0, "timed": 1, "lazy": 2}},
	{Name: "checkpoint_freq", Number: PoolPropCheckpointFreq, Access: PropMutable, Default: "5", Help: "checkpoint period in seconds",
		parse: rangeParser(1, 1<<20, "")},
	{Name: "checkpoint_thresh", Number: PoolPropCheckpointThresh, Access: PropMutable, Default: "50", Help: "WAL use (percent) that triggers a checkpoint",
		parse: rangeParser(10, 75, "%")},
	{Name: "reintegration", Number: PoolPropReintMode, Access: PropMutable, Default: "data_sync", Help: "what reintegration does with a target's data",
		values: map[string]uint64{"data_sync": 0, "no_data_sync": 1, "incremental": 2}},
	{Name: "svc_ops_enabled", Number: PoolPropSvcOpsEnabled, Access: PropMutable, Default: "1", Help: "pool service operation tracking",
		parse: rangeParser(0, 1, "")},
	{Name: "svc_ops_entry_age", Number: PoolPropSvcOpsEntryAge, Access: PropMutable, Default: "300", Help: "seconds a tracked operation is kept",
		parse: rangeParser(60, 600, "")},
}

// poolPropAliases are older names still accepted.
var poolPropAliases = map[string]string{"rf": "rd_fac"}

// PoolPropNames lists the property names in catalogue order.
func PoolPropNames() []string {
	out := make([]string, 0, len(poolProps))
	for _, d := range poolProps {
		out = append(out, d.Name)
	}
	return out
}

// LookupPoolProp finds a property by name (or alias); an unknown name is
// DER_INVAL naming it and the known ones.
func LookupPoolProp(name string) (*PoolPropDef, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if a, ok := poolPropAliases[n]; ok {
		n = a
	}
	for _, d := range poolProps {
		if d.Name == n {
			return d, nil
		}
	}
	return nil, daos.Errorf(daos.ErrInval, "unknown pool property %q (known: %s)", name, strings.Join(PoolPropNames(), ", "))
}

// PoolPropByNumber finds a property by its number.
func PoolPropByNumber(n uint32) (*PoolPropDef, bool) {
	for _, d := range poolProps {
		if d.Number == n {
			return d, true
		}
	}
	return nil, false
}

// Encode checks a value given for d and makes the wire property.
func (d *PoolPropDef) Encode(value string) (*mgmtpb.PoolProperty, error) {
	v := strings.TrimSpace(value)
	p := &mgmtpb.PoolProperty{Number: d.Number}
	switch {
	case d.Access == PropReadOnly:
		return nil, daos.Errorf(daos.ErrInval, "pool property %s is read-only", d.Name)
	case d.Number == PoolPropLabel:
		if err := CheckPoolLabel(v); err != nil {
			return nil, err
		}
		p.Value = &mgmtpb.PoolProperty_Strval{Strval: v}
	case d.values != nil:
		n, ok := d.values[strings.ToLower(v)]
		if !ok {
			return nil, daos.Errorf(daos.ErrInval, "pool property %s: invalid value %q (want %s)", d.Name, value,
				strings.Join(d.valueNames(), "|"))
		}
		p.Value = &mgmtpb.PoolProperty_Numval{Numval: n}
	case d.parse != nil:
		n, err := d.parse(v)
		if err != nil {
			return nil, daos.Errorf(daos.ErrInval, "pool property %s: invalid value %q: %v", d.Name, value, err)
		}
		p.Value = &mgmtpb.PoolProperty_Numval{Numval: n}
	default:
		return nil, daos.Errorf(daos.ErrInval, "pool property %s cannot be set", d.Name)
	}
	return p, nil
}

// Format prints a wire property's value as dmg shows it.
func (d *PoolPropDef) Format(p *mgmtpb.PoolProperty) string {
	if s, ok := p.GetValue().(*mgmtpb.PoolProperty_Strval); ok {
		return s.Strval
	}
	n := p.GetNumval()
	for k, v := range d.values {
		if v == n {
			return k
		}
	}
	if d.values != nil {
		return fmt.Sprintf("unknown (%d)", n)
	}
	switch d.Number {
	case PoolPropSpaceRb, PoolPropCheckpointThresh:
		return fmt.Sprintf("%d%%", n)
	}
	return strconv.FormatUint(n, 10)
}

// CheckPoolProp checks a property as the management service receives it:
// known, settable at this point, and a valid value.
func CheckPoolProp(p *mgmtpb.PoolProperty, atCreate bool) (*PoolPropDef, error) {
	d, ok := PoolPropByNumber(p.GetNumber())
	if !ok {
		return nil, daos.Errorf(daos.ErrInval, "unknown pool property number %d", p.GetNumber())
	}
	switch {
	case d.Access == PropReadOnly:
		return nil, daos.Errorf(daos.ErrInval, "pool property %s is read-only", d.Name)
	case d.Access == PropCreateOnly && !atCreate:
		return nil, daos.Errorf(daos.ErrInval, "pool property %s can only be set when the pool is created", d.Name)
	}
	if _, isStr := p.GetValue().(*mgmtpb.PoolProperty_Strval); isStr != d.String {
		return nil, daos.Errorf(daos.ErrInval, "pool property %s: wrong value type", d.Name)
	}
	if _, err := d.Encode(d.Format(p)); err != nil {
		return nil, err
	}
	return d, nil
}
